// The console's JSON routes under /api/console/, matched by method and path. Pure.

export type ConsoleRoute =
  | { name: 'page' }
  | { name: 'script' }
  | { name: 'messages' }
  | { name: 'message'; key: string }
  | { name: 'cancel'; key: string }
  | { name: 'send' }
  | { name: 'activity' }
  | { name: 'optouts' }
  | { name: 'optoutAdd' }
  | { name: 'optoutRemove' }
  | { name: 'health' }
  | { name: 'settings' };

/** Every route as method and path, for the page, the docs and the harness's sweeps. */
export const CONSOLE_ROUTES = [
  ['GET', ''],
  ['GET', 'app.js'],
  ['GET', 'messages'],
  ['GET', 'messages/{key}'],
  ['POST', 'messages/{key}/cancel'],
  ['POST', 'send'],
  ['GET', 'activity'],
  ['GET', 'optouts'],
  ['POST', 'optouts'],
  ['POST', 'optouts/remove'],
  ['GET', 'health'],
  ['GET', 'settings'],
] as const;

export type RouteMatch = { ok: true; route: ConsoleRoute } | { ok: false; status: 404 | 405 };

/** `path`: what follows /api/console/ (empty for the page itself). */
export function matchConsoleRoute(method: string, path: string): RouteMatch {
  const parts = path.split('/').filter(Boolean);
  const get = method === 'GET' || method === 'HEAD';
  const post = method === 'POST';
  const only = (ok: boolean, route: ConsoleRoute): RouteMatch => (ok ? { ok: true, route } : { ok: false, status: 405 });
  if (parts.length === 0) return only(get, { name: 'page' });
  const [first, second, third] = parts;
  if (parts.length === 1) {
    switch (first) {
      case 'app.js':
        return only(get, { name: 'script' });
      case 'messages':
        return only(get, { name: 'messages' });
      case 'send':
        return only(post, { name: 'send' });
      case 'activity':
        return only(get, { name: 'activity' });
      case 'optouts':
        return get ? { ok: true, route: { name: 'optouts' } } : only(post, { name: 'optoutAdd' });
      case 'health':
        return only(get, { name: 'health' });
      case 'settings':
        return only(get, { name: 'settings' });
    }
  }
  if (first === 'messages' && parts.length === 2) return only(get, { name: 'message', key: second });
  if (first === 'messages' && parts.length === 3 && third === 'cancel') return only(post, { name: 'cancel', key: second });
  if (first === 'optouts' && parts.length === 2 && second === 'remove') return only(post, { name: 'optoutRemove' });
  return { ok: false, status: 404 };
}

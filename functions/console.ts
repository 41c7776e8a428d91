import { join } from 'node:path';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { bundledFile } from '../shared/platform/bundledFile';
import { ROUTES } from '../shared/platform/routes';
import { settings } from '../shared/platform/settings';

// The build writes the console's script beside the app bundle (dist/console.js); unbundled (tests) it is in dist/.
const scriptText = bundledFile(
  [join(__dirname, 'console.js'), join(__dirname, '..', 'dist', 'console.js')],
  'dist/console.js is missing: run `node scripts/build.mjs`',
);

/** Sending, cancel and opt-outs are the function-key API's own handlers, loaded when a console route needs one. */
const handlers = {
  outboundCancel: async () => (await import('./outboundCancel')).outboundCancel,
  outboundPost: async () => (await import('./outboundPost')).outboundPost,
  optOutList: async () => (await import('./optOutList')).optOutList,
  optOut: async () => (await import('./optOut')).optOut,
};

/**
 * /api/console and its JSON routes (/api/console/messages, ...): the number's console, for CONSOLE_ADMINS only
 * (docs/console.md; shared/console/consoleAnswer.ts decides). Its code loads on its first request, not with the webhooks.
 */
export async function consoleHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const [{ answerConsole }, { liveConsoleIo }] = await Promise.all([
    import('../shared/console/consoleAnswer'),
    import('../shared/console/liveConsoleIo'),
  ]);
  const config = settings();
  return answerConsole(
    liveConsoleIo(request, context, { script: scriptText, handlers }),
    {
      admins: config.console.admins,
      isDevelopment: config.console.isDevelopment,
      platformAuthEnabled: config.calling.platformAuthEnabled,
      activityTable: config.activity.table,
    },
    { method: request.method, path: request.params.path ?? '', url: request.url, headers: request.headers, text: () => request.text() },
  );
}

app.http('console', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.console, handler: consoleHandler });

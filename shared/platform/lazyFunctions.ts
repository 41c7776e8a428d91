// In the built app, what a function module sees as @azure/functions: the build's entry registers every function
// with the host at start from metadata the build recorded, and each function's own module (its chunk) loads on
// the function's first invocation. When that module then calls app.http() or app.storageQueue(), this keeps the
// handler instead of registering it a second time. Tests import function modules unbundled, with the real library.
import type { InvocationContext } from '@azure/functions';

export * from '@azure/functions';

type Handler = (trigger: unknown, context: InvocationContext) => unknown;

const handlers = new Map<string, Handler>();

function keep(name: string, options: { handler: Handler }): void {
  handlers.set(name, options.handler);
}

/** The function modules' `app`: every trigger kind they use keeps its handler under the function's name. */
export const app = { http: keep, storageQueue: keep, timer: keep, generic: keep };

/**
 * The handler the entry registers: loads the function's module on the first invocation (every invocation that
 * arrives meanwhile waits for the same load), then calls its handler directly.
 */
export function lazyHandler(name: string, load: () => Promise<unknown>): Handler {
  let handler: Handler | undefined;
  let loading: Promise<Handler> | undefined;
  const resolve = async (): Promise<Handler> => {
    await load();
    const kept = handlers.get(name);
    if (!kept) throw new Error(`The module of function ${name} registered no handler under that name`);
    return (handler = kept);
  };
  return (trigger, context) => {
    if (handler) return handler(trigger, context);
    loading ??= resolve().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading.then((loaded) => loaded(trigger, context));
  };
}

// In the built app, what a function module sees as @azure/functions: the build's entry registers every function
// with the host at start from metadata the build recorded, and each function's own module (its chunk) loads on
// the function's first invocation. When that module then calls app.http() or app.storageQueue(), this keeps the
// handler instead of registering it a second time. Tests import function modules unbundled, with the real library.
import type { FunctionOutput, InvocationContext } from '@azure/functions';
import { settings } from './settings';

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

/**
 * Queue names a function module writes as `%SETTING%` (the host's app-setting syntax), from the settings in effect.
 * The entry resolves them itself: the host knows no declared defaults, and cannot index a binding to a queue with no
 * name (it would disable the whole function), so an output whose queue is set empty, its feature off, is left out.
 */
const SETTING_QUEUES: Record<string, () => string | undefined> = { EVENTS_QUEUE: () => settings().events.queue };

/** A function's extra outputs as the entry registers them with the host (see SETTING_QUEUES). */
export function resolvedOutputs(outputs: FunctionOutput[]): FunctionOutput[] {
  return outputs.flatMap((output) => {
    const setting = /^%(\w+)%$/.exec(String(output.queueName ?? ''))?.[1];
    if (!setting) return [output];
    const resolve = SETTING_QUEUES[setting];
    if (!resolve) throw new Error(`The output ${output.name} names its queue by the setting ${setting}, which the entry cannot resolve`);
    const queueName = resolve();
    return queueName ? [{ ...output, queueName }] : [];
  });
}

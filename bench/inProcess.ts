// The built app in this process, for the benchmarks' children and the in-process webhook figures: loaded through
// the local host's own loader (devhost/core), and invoked the way the local host's HTTP server invokes it.
// Children import nothing else, so that the cold-start figures measure the app and not the rig.
import { loadApp, type FunctionRegistry, type RegisteredFunction } from '../devhost/core';

/** The built app (package.json "main" in BENCH_APP_ROOT), with its logs dropped. */
export async function loadBuiltApp(): Promise<FunctionRegistry> {
  const root = process.env.BENCH_APP_ROOT;
  if (!root) throw new Error('BENCH_APP_ROOT is not set');
  const registry = await loadApp(root, () => undefined);
  if (registry.functions.length === 0) throw new Error('the app registered no functions');
  return registry;
}

export function registeredFunction(registry: FunctionRegistry, name: string): RegisteredFunction {
  const fn = registry.functions.find((f) => f.metadata.name === name);
  if (!fn) throw new Error(`function ${name} is not registered`);
  return fn;
}

/** POSTs a form to an HTTP function as the host's HTTP server would; returns the status and body. */
export async function postForm(
  registry: FunctionRegistry,
  fn: RegisteredFunction,
  request: { url: string; params: Record<string, string>; signature: string },
): Promise<{ status: string | undefined; body: string }> {
  const result = await registry.invoke(
    fn,
    {
      http: {
        method: 'POST',
        url: request.url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': request.signature },
        query: {},
        params: {},
        body: { bytes: Buffer.from(new URLSearchParams(request.params).toString()) },
      },
    },
    {},
  );
  return { status: result?.http?.statusCode ?? undefined, body: Buffer.from(result?.http?.body?.bytes ?? []).toString() };
}

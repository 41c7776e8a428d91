// Webhook cost in process: signature check plus TwiML per request, against raw Node doing the same
// HMAC-SHA1 check and returning a fixed TwiML string. Both start from already-built HttpRequest objects.
// Requests per CPU-second of this process (its own cost, whatever else the machine runs).
import { HttpRequest, InvocationContext, type FunctionOutput, type HttpHandler } from '@azure/functions';
import type { QueueOutputWriter } from '../devhost/core';
import { sign } from '../harness/twilioRequests';
import { median } from '../harness/stats';
import { FIXED_TWIML, signedParams } from './handWrittenWebhook';

export interface WebhookCase {
  /** The row's name; also the function's unless `fn` is given. */
  name: string;
  fn?: string;
  path: string;
  params: Record<string, string>;
}

function buildRequests(url: string, params: Record<string, string>, authToken: string, count: number): HttpRequest[] {
  const body = new URLSearchParams(params).toString();
  const signature = sign(authToken, url, params);
  return Array.from(
    { length: count },
    () =>
      new HttpRequest({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: { string: body },
      }),
  );
}

/** A traceparent as the Functions host passes one to each invocation (RpcTraceContext). */
const HOST_TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** The baseline: what a hand-written handler with no framework around it would do. */
function rawNodeHandler(authToken: string) {
  return async (request: HttpRequest) =>
    (await signedParams(request, authToken))
      ? { status: 200, headers: { 'Content-Type': 'text/xml' }, body: FIXED_TWIML }
      : { status: 403 };
}

async function requestsPerSecond(
  handler: (r: HttpRequest) => Promise<unknown>,
  requests: HttpRequest[],
  check: (result: unknown) => void,
): Promise<number> {
  check(await handler(requests.pop()!)); // warm-up and correctness
  for (let i = 0; i < 200; i++) await handler(requests.pop()!);
  // Per second of this process's CPU time, not of wall time: on a shared machine other processes' work would
  // otherwise count against whichever side happened to run while they did.
  const started = process.cpuUsage();
  const measured = requests.length;
  while (requests.length) await handler(requests.pop()!);
  const used = process.cpuUsage(started);
  return measured / ((used.user + used.system) / 1e6);
}

export interface RegisteredHandler {
  handler: HttpHandler;
  /** The outputs the entry registered for the function (the events queue, when events are on). */
  extraOutputs: FunctionOutput[];
}

/** The queue outputs a handler set: binding name, queue and the last message, for the host's share of the cost. */
export interface SetOutput {
  name: string;
  queueName: string;
  connection: string;
  message: string;
}

export async function webhookCost(handlers: Map<string, RegisteredHandler>, cases: WebhookCase[], authToken: string, iterations: number) {
  const rows: Array<Record<string, unknown> & { outputs?: SetOutput[] }> = [];
  const expectOk = (result: unknown) => {
    const status = (result as { status?: number }).status;
    if (status !== 200) throw new Error(`webhook answered ${status}`);
  };
  for (const c of cases) {
    const registered = handlers.get(c.fn ?? c.name);
    if (!registered) {
      rows.push({ name: c.name, skipped: 'function not registered' });
      continue;
    }
    const { handler, extraOutputs } = registered;
    // As the host invokes it: with the outputs registered, which a handler sets and the host then writes, and the
    // invocation's trace context (the Functions host always gives one; its trace id is the request's correlation id).
    const context = new InvocationContext({
      functionName: c.fn ?? c.name,
      invocationId: 'bench',
      logHandler: () => undefined,
      options: { trigger: { type: 'httpTrigger', name: 'request' }, extraInputs: [], extraOutputs },
      traceContext: { traceParent: HOST_TRACEPARENT, traceState: '', attributes: {} },
    });
    const url = `https://bench.example.com${c.path}`;
    // Short runs, baseline and app alternating, each app run against the baseline run just before it: on a shared
    // machine the load drifts between runs, and a paired ratio (its median over the rounds) cancels most of it.
    const rounds = 15;
    const perRound = Math.max(200, Math.round(iterations / 3));
    const baseline: number[] = [];
    const app: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      baseline.push(await requestsPerSecond(rawNodeHandler(authToken), buildRequests(url, c.params, authToken, perRound + 201), expectOk));
      app.push(
        await requestsPerSecond(
          (r) => handler(r, context) as Promise<unknown>,
          buildRequests(url, c.params, authToken, perRound + 201),
          expectOk,
        ),
      );
      ratios.push(app[round] / baseline[round]);
    }
    const outputs: SetOutput[] = extraOutputs.flatMap((output) => {
      const message = context.extraOutputs.get(output);
      return typeof message === 'string'
        ? [{ name: output.name, queueName: String(output.queueName), connection: String(output.connection), message }]
        : [];
    });
    rows.push({
      name: c.name,
      baselineRps: Math.round(median(baseline)),
      appRps: Math.round(median(app)),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      ...(outputs.length ? { outputs } : {}),
    });
  }
  return rows;
}

/**
 * The host's share of a webhook whose event is an output binding: the local host's CPU per queue write (the same
 * Put Message the Functions host makes, there from its own process with the .NET SDK), measured in this process
 * apart from the webhook's figure.
 */
export async function hostWriteCost(write: QueueOutputWriter, outputs: SetOutput[], count: number) {
  const writeAll = async () => {
    for (const output of outputs) await write(output.connection, output.queueName, output.message);
  };
  for (let i = 0; i < 20; i++) await writeAll();
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) await writeAll();
  const used = process.cpuUsage(started);
  return { hostWriteCpuMsPerRequest: (used.user + used.system) / 1000 / count };
}

// Not part of the bench: a helper to profile one webhook handler in process (node --cpu-prof).
import { HttpRequest, InvocationContext, type HttpHandler } from '@azure/functions';
import { FunctionRegistry } from '../devhost/core';
import { MOCK_TWILIO_CREDENTIALS } from '../devhost/services';
import { SMS_PARAMS, twilioSignature, VOICE_CALL_PARAMS } from './signing';

async function main() {
  Object.assign(process.env, { AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...MOCK_TWILIO_CREDENTIALS });
  const registry = new FunctionRegistry(() => undefined);
  registry.install();
  require(process.env.BENCH_APP_MAIN!);
  const name = process.argv[2] ?? 'sms';
  const path = process.argv[3] ?? `/api/${name}`;
  const params = name === 'sms' ? SMS_PARAMS : VOICE_CALL_PARAMS;
  const handler = registry.functions.find((f) => f.metadata.name === name)!.callback as unknown as HttpHandler;
  const url = `https://bench.example.com${path}`;
  const sig = twilioSignature(MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN, url, params);
  const body = new URLSearchParams(params).toString();
  const ctx = new InvocationContext({ functionName: name, invocationId: 'x', logHandler: () => undefined });
  const n = 30000;
  const reqs = Array.from({ length: n }, () => new HttpRequest({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig }, body: { string: body } }));
  const t = process.hrtime.bigint();
  for (const r of reqs) {
    const res = await handler(r, ctx);
    if (res.status !== 200) throw new Error(String(res.status));
  }
  console.log(name, Math.round(n / (Number(process.hrtime.bigint() - t) / 1e9)), 'req/s');
}
main();

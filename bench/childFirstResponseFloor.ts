// Child process for the first-response floor: what no app on this host stack can answer its first webhook below.
// The cold-start floor (childFloor.ts: @azure/functions loaded through the local host's loader, as many functions
// registered as the app registers) whose first function is a hand-written webhook: it reads the body, checks the
// HMAC-SHA1 signature with node:crypto and answers fixed TwiML. It answers one signed webhook through the same
// invocation path as childFirstResponse.ts, so the app's first response against it is what the app itself adds.
import type { HttpRequest } from '@azure/functions';
import { FunctionRegistry } from '../devhost/core';
import { sign, voiceCallParams } from '../harness/twilioRequests';
import { FIXED_TWIML, signedParams } from './handWrittenWebhook';
import { postForm } from './inProcess';

const authToken = process.env.TWILIO_AUTH_TOKEN!;

async function handWritten(request: HttpRequest) {
  return (await signedParams(request, authToken))
    ? { status: 200, headers: { 'Content-Type': 'text/xml' }, body: FIXED_TWIML }
    : { status: 403 };
}

async function main(): Promise<void> {
  const registry = new FunctionRegistry(() => undefined);
  registry.install();
  const { app } = require('@azure/functions') as typeof import('@azure/functions');
  app.http('voice', { methods: ['POST'], authLevel: 'anonymous', route: 'voice', handler: handWritten });
  const count = Number(process.env.BENCH_FUNCTION_COUNT);
  for (let i = 1; i < count; i++)
    app.http(`noop${i}`, { methods: ['POST'], authLevel: 'anonymous', route: `noop${i}`, handler: () => ({}) });
  const url = 'https://bench.example.com/api/voice';
  const params = voiceCallParams();
  // BENCH_SIGN_WITH: sign with another token, for the test that the floor checks signatures.
  const signature = sign(process.env.BENCH_SIGN_WITH ?? authToken, url, params);
  const { status, body } = await postForm(registry, registry.functions[0], { url, params, signature });
  if (status !== '200' || !body.includes('<Response')) throw new Error(`unexpected response ${status}: ${body}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

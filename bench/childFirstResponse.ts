// Child process for the first-response benchmark: a fresh process loads the built app and answers one
// signed Twilio webhook through the same invocation path the local host's HTTP server uses.
import { FunctionRegistry } from '../devhost/core';
import { twilioSignature, VOICE_CALL_PARAMS } from '../harness/signing';

async function main(): Promise<void> {
  const registry = new FunctionRegistry(() => undefined);
  registry.install();
  require(process.env.BENCH_APP_MAIN!);
  const name = process.env.BENCH_FUNCTION!;
  const fn = registry.functions.find((f) => f.metadata.name === name);
  if (!fn) throw new Error(`function ${name} is not registered`);
  const url = `https://bench.example.com/api/${name}`;
  const body = new URLSearchParams(VOICE_CALL_PARAMS).toString();
  const result = await registry.invoke(
    fn,
    {
      http: {
        method: 'POST',
        url,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioSignature(process.env.TWILIO_AUTH_TOKEN!, url, VOICE_CALL_PARAMS),
        },
        query: {},
        params: {},
        body: { bytes: Buffer.from(body) },
      },
    },
    {},
  );
  const status = result?.http?.statusCode;
  const twiml = Buffer.from(result?.http?.body?.bytes ?? []).toString();
  if (status !== '200' || !twiml.includes('<Response')) throw new Error(`unexpected response ${status}: ${twiml}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

// Child process for the first-response benchmark: a fresh process loads the built app and answers one
// signed Twilio webhook through the same invocation path the local host's HTTP server uses.
import { sign, voiceCallParams } from '../harness/twilioRequests';
import { loadBuiltApp, postForm, registeredFunction } from './inProcess';

async function main(): Promise<void> {
  const registry = await loadBuiltApp();
  const name = process.env.BENCH_FUNCTION!;
  const url = `https://bench.example.com/api/${name}`;
  const params = voiceCallParams();
  const { status, body } = await postForm(registry, registeredFunction(registry, name), {
    url,
    params,
    signature: sign(process.env.TWILIO_AUTH_TOKEN!, url, params),
  });
  if (status !== '200' || !body.includes('<Response')) throw new Error(`unexpected response ${status}: ${body}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

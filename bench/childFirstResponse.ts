// Child process for the first-response benchmark: a fresh process loads the built app and answers one
// signed Twilio webhook through the same invocation path the local host's HTTP server uses. BENCH_SPEECH: an
// assistant turn (`?turn=1`, the caller's words, a call of its own, so that no run is a retry of another).
import { randomBytes } from 'node:crypto';
import { sign, voiceCallParams } from '../harness/twilioRequests';
import { loadBuiltApp, postForm, registeredFunction } from './inProcess';

async function main(): Promise<void> {
  const registry = await loadBuiltApp();
  const name = process.env.BENCH_FUNCTION!;
  const speech = process.env.BENCH_SPEECH;
  const url = `https://bench.example.com/api/${name}${speech ? '?turn=1' : ''}`;
  const params = speech ? voiceCallParams({ CallSid: `CA${randomBytes(16).toString('hex')}`, SpeechResult: speech }) : voiceCallParams();
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

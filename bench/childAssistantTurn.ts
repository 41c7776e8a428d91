// Child process for the assistant's turn cost: the built app in assistant mode, against the chat-completions stand-in
// (another process, answering at once, so the model's latency is out) and Azurite. This process's CPU per request for
// an assistant turn and for the voice webhook that answers the same call, alternating in rounds; prints JSON.
import { HttpRequest, InvocationContext, type HttpHandler } from '@azure/functions';
import { sign, voiceCallParams } from '../harness/twilioRequests';
import { median } from '../harness/stats';
import { loadBuiltApp, registeredFunction } from './inProcess';

const token = process.env.TWILIO_AUTH_TOKEN!;
const context = new InvocationContext({ functionName: 'bench', invocationId: 'bench', logHandler: () => undefined });
let calls = 0;

/** A signed webhook; each assistant turn is a new call's first turn, so none is a retry answered from the table. */
function request(path: string, params: Record<string, string>): HttpRequest {
  const url = `https://bench.example.com${path}`;
  return new HttpRequest({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(token, url, params) },
    body: { string: new URLSearchParams(params).toString() },
  });
}
const voiceRequest = () => request('/api/voice', voiceCallParams());
const turnRequest = () =>
  request(
    '/api/assistant?turn=1',
    voiceCallParams({ CallSid: `CA${(++calls).toString(16).padStart(32, '0')}`, SpeechResult: 'What are your opening hours?' }),
  );

async function cpuMsPerRequest(handler: HttpHandler, requests: HttpRequest[]): Promise<number> {
  const started = process.cpuUsage();
  for (const r of requests) {
    const response = (await handler(r, context)) as { status?: number; body?: unknown };
    if (response.status !== 200 || !String(response.body).includes('<Say'))
      throw new Error(`answered ${response.status}: ${String(response.body)}`);
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / requests.length;
}

async function main(): Promise<void> {
  const registry = await loadBuiltApp();
  const voice = registeredFunction(registry, 'voice').callback as unknown as HttpHandler;
  const assistant = registeredFunction(registry, 'assistant').callback as unknown as HttpHandler;
  const rounds = Number(process.env.BENCH_ROUNDS);
  const perRound = Number(process.env.BENCH_PER_ROUND);
  // Warm-up: each function's chunk loaded, the table created, the model client's connection open.
  await cpuMsPerRequest(voice, Array.from({ length: 20 }, voiceRequest));
  await cpuMsPerRequest(assistant, Array.from({ length: 20 }, turnRequest));
  const voiceMs: number[] = [];
  const turnMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    voiceMs.push(await cpuMsPerRequest(voice, Array.from({ length: perRound * 10 }, voiceRequest)));
    turnMs.push(await cpuMsPerRequest(assistant, Array.from({ length: perRound }, turnRequest)));
  }
  const ratios = turnMs.map((ms, i) => ms / voiceMs[i]);
  process.stdout.write(
    `${JSON.stringify({
      rounds,
      turnsPerRound: perRound,
      voiceCpuMs: median(voiceMs),
      turnCpuMs: median(turnMs),
      ratio: median(ratios),
      ratioRange: [Math.min(...ratios), Math.max(...ratios)],
    })}\n`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

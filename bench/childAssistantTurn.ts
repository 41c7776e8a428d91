// Child process for the assistant's turn cost: the built app in assistant mode, against the chat-completions stand-in
// (another process, answering at once, so the model's latency is out) and Azurite. This process's CPU per request for
// an assistant turn, for the voice webhook that answers the same call, and for a hand-written turn making the same
// three requests (the floor), alternating in rounds; prints JSON.
import { HttpRequest, InvocationContext, type HttpHandler } from '@azure/functions';
import { sign, voiceCallParams } from '../harness/twilioRequests';
import { median } from '../harness/stats';
import { signedParams } from './handWrittenWebhook';
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

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The floor of a turn: what a handler written by hand, with no framework, must do for the same answer. It checks the
 * signature with node:crypto, reads the call's row (none yet: a new call), asks the same stand-in through the same
 * `openai` client, creates the row with the conversation, and answers TwiML around the reply.
 */
async function handWrittenTurn(): Promise<HttpHandler> {
  const [{ AzureOpenAI }, { TableClient }] = await Promise.all([import('openai'), import('@azure/data-tables')]);
  const table = TableClient.fromConnectionString(process.env.AzureWebJobsStorage!, 'benchfloorturns', { allowInsecureConnection: true });
  await table.createTable();
  const deployment = process.env.AZURE_OPENAI_DEPLOYMENT!;
  const model = new AzureOpenAI({
    endpoint: process.env.AZURE_OPENAI_ENDPOINT,
    apiKey: process.env.AZURE_OPENAI_API_KEY,
    apiVersion: process.env.AZURE_OPENAI_API_VERSION ?? '2024-10-21',
    deployment,
  });
  return async (request) => {
    const params = await signedParams(request, token);
    if (!params) return { status: 403 };
    const earlier = await table.getEntity<{ state: string }>(params.CallSid, 'conversation').catch(() => undefined);
    const history = earlier ? (JSON.parse(earlier.state) as Array<{ role: 'user' | 'assistant'; content: string }>).slice(1) : [];
    const messages = [
      { role: 'system' as const, content: process.env.ASSISTANT_INSTRUCTIONS ?? '' },
      ...history,
      { role: 'user' as const, content: params.SpeechResult ?? '' },
    ];
    const completion = await model.chat.completions.create({ model: deployment, messages, max_completion_tokens: 300 });
    const reply = completion.choices[0]?.message?.content ?? '';
    await table.createEntity({
      partitionKey: params.CallSid,
      rowKey: 'conversation',
      state: JSON.stringify([...messages, { role: 'assistant', content: reply }]),
    });
    return {
      status: 200,
      headers: { 'Content-Type': 'text/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="speech" action="/api/assistant?turn=2"><Say>${escapeXml(reply)}</Say></Gather></Response>`,
    };
  };
}

async function main(): Promise<void> {
  const registry = await loadBuiltApp();
  const voice = registeredFunction(registry, 'voice').callback as unknown as HttpHandler;
  const assistant = registeredFunction(registry, 'assistant').callback as unknown as HttpHandler;
  const floor = await handWrittenTurn();
  const rounds = Number(process.env.BENCH_ROUNDS);
  const perRound = Number(process.env.BENCH_PER_ROUND);
  // Warm-up: each function's chunk loaded, the table created, the model client's connection open.
  await cpuMsPerRequest(voice, Array.from({ length: 20 }, voiceRequest));
  await cpuMsPerRequest(assistant, Array.from({ length: 20 }, turnRequest));
  await cpuMsPerRequest(floor, Array.from({ length: 20 }, turnRequest));
  const voiceMs: number[] = [];
  const turnMs: number[] = [];
  const floorMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    voiceMs.push(await cpuMsPerRequest(voice, Array.from({ length: perRound * 10 }, voiceRequest)));
    turnMs.push(await cpuMsPerRequest(assistant, Array.from({ length: perRound }, turnRequest)));
    floorMs.push(await cpuMsPerRequest(floor, Array.from({ length: perRound }, turnRequest)));
  }
  const ratios = turnMs.map((ms, i) => ms / voiceMs[i]);
  const toFloor = turnMs.map((ms, i) => ms / floorMs[i]);
  process.stdout.write(
    `${JSON.stringify({
      rounds,
      turnsPerRound: perRound,
      voiceCpuMs: median(voiceMs),
      turnCpuMs: median(turnMs),
      ratio: median(ratios),
      ratioRange: [Math.min(...ratios), Math.max(...ratios)],
      floorCpuMs: median(floorMs),
      floorToVoice: median(floorMs.map((ms, i) => ms / voiceMs[i])),
      ratioToFloor: median(toFloor),
      ratioToFloorRange: [Math.min(...toFloor), Math.max(...toFloor)],
    })}\n`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

// The assistant through the local host, Azurite, the offline Twilio mock and the chat-completions stand-in (the
// real openai client over HTTP): a whole call, a retried turn, and the model down or slow.
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { MOCK_TWILIO_CREDENTIALS } from '../../devhost/services';
import { startChatCompletionsStandIn, type RunningStandIn } from '../../devhost/chatCompletionsStandIn';
import { drainTexts, hostLog, outboundHelpers, startOutboundRig, WEBHOOK_BASE_URL, type OutboundRig } from '../../harness/outboundRig';
import { parseTwiml, type TwimlNode } from '../../harness/twiml';
import { uniqueSid } from '../../harness/genuineWebhooks';
import { CALLER, twilioPost, voiceCallParams } from '../../harness/twilioRequests';

const TOKEN = MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN;
const NOTIFY = '+14155550199';
const FORWARD = '+14155550100';
const API_KEY = 'sentinel-azure-openai-key-5b1f0c';
const EVENTS_QUEUE = 'assistant-events-it';
const TURN_SECONDS = 2;
const SECRET_WORDS = 'zebra-crossing-7731'; // in every caller utterance below: must never reach a log

let rig: OutboundRig;
let standIn: RunningStandIn;
let events: QueueClient;
const { rowWithStatus, creates } = outboundHelpers(() => rig);

beforeAll(async () => {
  standIn = await startChatCompletionsStandIn();
  rig = await startOutboundRig({
    queueName: 'assistant-it',
    hostEnv: {
      VOICE_MODE: 'assistant',
      VOICE_GREETING: 'Thanks for calling Example Plumbing.',
      AZURE_OPENAI_ENDPOINT: standIn.url,
      AZURE_OPENAI_DEPLOYMENT: 'receptionist',
      AZURE_OPENAI_AUTH: 'key',
      AZURE_OPENAI_API_KEY: API_KEY,
      ASSISTANT_INSTRUCTIONS: 'You answer for Example Plumbing. We fix leaks.',
      ASSISTANT_VOICE: 'Polly.Amy-Neural',
      ASSISTANT_LANGUAGE: 'en-GB',
      ASSISTANT_MAX_TURNS: '6',
      ASSISTANT_TURN_TIMEOUT_SECONDS: String(TURN_SECONDS),
      ASSISTANT_TABLE: 'assistantit',
      VOICEMAIL_NOTIFY: NOTIFY,
      VOICE_FORWARD_TO: FORWARD,
      EVENTS_QUEUE,
    },
  });
  events = QueueServiceClient.fromConnectionString(rig.azurite.connectionString).getQueueClient(EVENTS_QUEUE);
}, 240_000);

afterAll(async () => {
  await rig?.stop();
  await standIn?.stop();
});

async function post(path: string, params: Record<string, string>): Promise<{ status: number; tree?: TwimlNode; text: string }> {
  const response = await fetch(`${rig.host.baseUrl}${path}`, twilioPost(TOKEN, `${WEBHOOK_BASE_URL}${path}`, params));
  const text = await response.text();
  return { status: response.status, text, tree: response.ok && text.startsWith('<?xml') ? parseTwiml(text) : undefined };
}

const gatherOf = (tree: TwimlNode) => tree.children.find((c) => c.name === 'Gather');
const pathOf = (absolute: string) => {
  const url = new URL(absolute);
  return `${url.pathname}${url.search}`;
};

/** Says `speech` on turn `turn` of the call; returns the answer. */
const say = (callSid: string, turn: number, speech: string) =>
  post(
    `/api/assistant?turn=${turn}`,
    voiceCallParams({ CallSid: callSid, CallStatus: 'in-progress', SpeechResult: speech, Confidence: '0.9' }),
  );

test('a whole call: a question, a message taken and texted once, a text to the caller, the hand-over, one completed event', async () => {
  const callSid = uniqueSid('CA');
  const greeting = await post('/api/voice', voiceCallParams({ CallSid: callSid }));
  const first = gatherOf(greeting.tree!)!;
  expect(first.attrs).toMatchObject({ input: 'speech', language: 'en-GB' });
  expect(first.children[0]).toMatchObject({
    name: 'Say',
    text: 'Thanks for calling Example Plumbing.',
    attrs: { voice: 'Polly.Amy-Neural' },
  });
  expect(pathOf(first.attrs.action)).toBe('/api/assistant?turn=1');

  const answer = await say(callSid, 1, `What do you do? ${SECRET_WORDS}`);
  expect(gatherOf(answer.tree!)!.children[0].text).toContain('local stand-in');
  expect(pathOf(gatherOf(answer.tree!)!.attrs.action)).toBe('/api/assistant?turn=2');

  const message = await say(callSid, 2, `Please take a message, my name is Ann. The tap drips ${SECRET_WORDS}`);
  expect(gatherOf(message.tree!)!.children[0].text).toMatch(/passed on/);
  const requestsBefore = standIn.requests.length;
  // Twilio retries the same turn: the same answer, no model, nothing sent again.
  const retried = await say(callSid, 2, `Please take a message, my name is Ann. The tap drips ${SECRET_WORDS}`);
  expect(retried.text).toBe(message.text);
  expect(standIn.requests.length).toBe(requestsBefore);

  const text = await say(callSid, 3, `Can you text me your address ${SECRET_WORDS}`);
  expect(gatherOf(text.tree!)!.children[0].text).toMatch(/sent to the caller/);
  // The model asks again for another message: refused, once per call.
  await say(callSid, 4, `Take another message please ${SECRET_WORDS}`);

  const transfer = await say(callSid, 5, `Put me through to a person ${SECRET_WORDS}`);
  const redirect = transfer.tree!.children.find((c) => c.name === 'Redirect')!;
  expect(new URL(redirect.text).searchParams.get('PhoneNumber')).toBe(FORWARD);
  const dial = await post(pathOf(redirect.text), voiceCallParams({ CallSid: callSid, CallStatus: 'in-progress' }));
  const dialled = dial.tree!.children.find((c) => c.name === 'Dial')!;
  expect(
    dialled.children
      .map((c) => c.text.trim())
      .concat(dialled.text.trim())
      .filter(Boolean),
  ).toContain(FORWARD);

  await rowWithStatus(`assistant-message-${callSid}`, 'sent', 'delivered');
  await rowWithStatus(`assistant-sms-${callSid}`, 'sent', 'delivered');
  expect(creates(NOTIFY).map((r) => r.form.get('Body'))).toEqual([expect.stringContaining('The tap drips')]);
  expect(creates(CALLER)).toHaveLength(1);

  const callback = voiceCallParams({ CallSid: callSid, CallStatus: 'completed', CallDuration: '42' });
  expect((await post('/api/status', callback)).status).toBe(204);
  expect((await post('/api/status', callback)).status).toBe(204);
  const published = (await drainTexts(events)).map((t) => JSON.parse(t) as { type: string; id: string; data: Record<string, unknown> });
  const completed = published.filter((e) => e.type === 'twilio.assistant.completed');
  expect(completed).toHaveLength(1);
  expect(completed[0].data).toMatchObject({ callSid, outcome: 'transferred', turns: 5, callStatus: 'completed' });
  expect(completed[0].data.tools).toEqual([
    { turn: 2, tool: 'take_message', outcome: 'done' },
    { turn: 3, tool: 'send_sms_to_caller', outcome: 'done' },
    { turn: 4, tool: 'take_message', outcome: 'once-per-call' },
    { turn: 5, tool: 'transfer_to_human', outcome: 'done' },
  ]);
  expect(JSON.stringify(completed[0].data.transcript)).toContain('The tap drips');
  expect(published.filter((e) => e.type === 'twilio.assistant.message')).toEqual([
    expect.objectContaining({ id: `assistant-message-${callSid}`, data: expect.objectContaining({ name: 'Ann', callbackNumber: CALLER }) }),
  ]);

  // What the caller said and the API key never reach the logs.
  const logs = rig.output();
  expect(logs).toContain('"event":"assistant-turn"');
  expect(logs).not.toContain(SECRET_WORDS);
  expect(logs).not.toContain('tap drips');
  expect(logs).not.toContain(API_KEY);
  expect(standIn.requests.every((r) => r.auth === 'api-key')).toBe(true);
}, 120_000);

describe('the model down or slow ends in the fallback (voicemail) with an apology, within the turn budget', () => {
  test.each([
    ['down (500, retried once)', 'the line is down'],
    ['filtering the prompt (400 content_filter)', 'please filter this'],
    ['slower than ASSISTANT_TURN_TIMEOUT_SECONDS', 'be slow please'],
  ])('%s', async (_, speech) => {
    const callSid = uniqueSid('CA');
    const started = Date.now();
    const answer = await say(callSid, 1, speech);
    const elapsed = Date.now() - started;
    expect(answer.tree!.children.map((c) => c.name)).toEqual(['Say', 'Say', 'Record']);
    expect(answer.tree!.children[0].text).toMatch(/sorry/i);
    // The budget, plus storage and the host: far below Twilio's 15 s.
    expect(elapsed).toBeLessThan(TURN_SECONDS * 1000 + 5000);
    const log = rig
      .output()
      .split('\n')
      .find((line) => line.includes(callSid) && line.includes('"event":"assistant-turn"'));
    expect(log).toMatch(/"result":"fallback"/);
  });
});

test('a turn past ASSISTANT_MAX_TURNS goes to the fallback without the model; a forged or odd request is refused', async () => {
  const callSid = uniqueSid('CA');
  const before = standIn.requests.length;
  const answer = await say(callSid, 7, 'one more thing');
  expect(answer.tree!.children.map((c) => c.name)).toEqual(['Say', 'Say', 'Record']);
  expect(standIn.requests.length).toBe(before);
  expect((await post('/api/assistant?turn=0', voiceCallParams({ CallSid: callSid }))).status).toBe(400);
  expect((await post('/api/assistant?turn=1', voiceCallParams({ CallSid: 'not-a-sid' }))).status).toBe(400);
  const forged = await fetch(`${rig.host.baseUrl}/api/assistant?turn=1`, {
    ...twilioPost('wrong-token', `${WEBHOOK_BASE_URL}/api/assistant?turn=1`, voiceCallParams()),
  });
  expect(forged.status).toBe(403);
  expect(hostLog(rig.host)).not.toContain(API_KEY);
});

// The soak's webhook load: concurrent, signed Twilio webhooks against the local host with autocannon, every
// response checked (200, text/xml, TwiML with a <Response> root and the verbs that request must get).
// Used by `npm run soak` (bench/soak.ts) and, CI-sized, by test/reliability/soak.test.ts.
import autocannon from 'autocannon';
import { parseTwiml, verbs } from '../twiml';
import { streamDelivery, streamEvent } from '../eventStreamsBatch';
import { sign, smsParams, voiceCallParams } from '../twilioRequests';
import type { SinkRetries } from './sinkRetries';

/** What the app under load is configured with; the expected answers depend on it (see soakApp.ts). */
export interface LoadTarget {
  baseUrl: string;
  authToken: string;
  accountSid: string;
  forwardTo: string;
  autoReply: (from: string) => string;
  /** A VOICE_BLOCKLIST number: its calls get <Reject>, its SMS no reply. */
  blocked: string;
  /** TWILIO_FROM_NUMBER: the sender outbound messages go from (and opt-outs may name). */
  fromNumber: string;
  /** Whether VOICE_HOURS has the app open at this instant (the voice webhook's answer depends on it). */
  isOpen: (at: Date) => boolean;
  /** A file of AUDIO_CONTAINER, also VOICE_HOLD_MUSIC: its name, its bytes as latin1 text, its ETag. */
  holdMusic: { name: string; body: string; etag: string };
}

/** Counters for new call SIDs and event ids, unique across runs of the load in one process. */
let nextCall = Date.now() * 1000;
let nextEvent = Date.now() * 100;

/**
 * The newer ways in: the assistant's first turn of a new call each time (the chat-completions stand-in answers,
 * the app stores the conversation), and an Event Streams batch of two new events, JSON signed with bodySHA256.
 */
function newSurfaceCases(target: LoadTarget, voice: Record<string, string>, retries?: SinkRetries): LoadCase[] {
  const signedForm = (path: string, params: Record<string, string>) => ({
    path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': sign(target.authToken, `${target.baseUrl}${path}`, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  const assistantTurn: LoadCase = {
    name: 'assistant turn',
    path: '/api/assistant?turn=1',
    params: voice,
    expect: [],
    fresh: () => {
      const callSid = `CA${(nextCall++).toString(16).padStart(32, '0')}`;
      return signedForm('/api/assistant?turn=1', {
        ...voice,
        CallSid: callSid,
        CallStatus: 'in-progress',
        SpeechResult: 'What do you charge?',
      });
    },
    check: (status, body, headers) =>
      wrongAnswer(['Gather'], status, body, header(headers, 'content-type')) ??
      (/local stand-in/.test(body) && /turn=2/.test(body) ? undefined : `not the model's answer with the next turn: ${body.slice(0, 120)}`),
  };
  const eventStreams: LoadCase = {
    name: 'event-streams',
    path: '/api/event-streams',
    params: {},
    expect: [],
    fresh: (context) => {
      const events = [streamEvent(nextEvent++), streamEvent(nextEvent++)];
      const delivery = streamDelivery(target.authToken, `${target.baseUrl}/api/event-streams`, events);
      const url = new URL(delivery.url);
      const request = { path: `${url.pathname}${url.search}`, headers: delivery.headers, body: delivery.body };
      if (retries) context.sinkToken = retries.sent({ ...request, ids: events.map((e) => e.id) });
      return request;
    },
    retriedOn5xx: retries !== undefined,
    // With retries (the soak), a 503 or a slow answer is retried as Event Streams does; without, only a 200 is right.
    check: (status, body, _headers, context) =>
      retries
        ? retries.answered(context.sinkToken as number, status, body)
        : status === 200 && body === 'Published 2 event(s).\n'
          ? undefined
          : `status ${status}: ${body.slice(0, 120)}`,
  };
  return [assistantTurn, eventStreams];
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  /** Stops earlier once this many requests were sent. */
  maxRequests: number;
  /** Requests a second over all connections; undefined sends as fast as the host answers. */
  rate?: number;
  /** Event Streams batches that fail are retried here, as Twilio retries them (the soak); otherwise each must pass first time. */
  sinkRetries?: SinkRetries;
}

type Verbs = Array<string | RegExp>;

/** Why an answer that is not TwiML is wrong, or undefined. */
type AnswerCheck = (
  status: number,
  body: string,
  headers: Record<string, string | string[]>,
  context: Record<string, unknown>,
) => string | undefined;

/** One kind of request in the mix, and the verbs its TwiML must have (a RegExp matches one verb line). */
interface LoadCase {
  name: string;
  path: string;
  /** GET requests (the audio function) carry no body and no signature. */
  method?: 'GET';
  headers?: Record<string, string>;
  params: Record<string, string>;
  expect: Verbs;
  /** Sent from a different number each time (re-signed), with the verbs expected for that sender. */
  perSender?: (from: string) => Verbs;
  /** The answer depends on the clock: the verbs right at `at`; the state when sent or when answered is right. */
  atTime?: (at: Date) => { variant: string; verbs: Verbs };
  /** Not TwiML: this check instead of the verbs. */
  check?: AnswerCheck;
  /** The sender retries a 5xx answer (Event Streams does), so it is counted apart. */
  retriedOn5xx?: boolean;
  /** A request of its own each time (a new call, new events), signed for its path: replaces path, headers and body. */
  fresh?: (context: Record<string, unknown>) => { path: string; headers: Record<string, string>; body: string };
}

/** Senders of the auto-replied SMS: each has its own SMS_AUTO_REPLY_LIMIT row, as real senders do. */
const SENDERS = Array.from({ length: 1000 }, (_, i) => `+1415556${String(i).padStart(4, '0')}`);

const KEYWORD_SENDER = '+14155550142';

/** The mix: an incoming call and SMS twice as often as the twimlets, plus STOP/START, which write to storage. */
function loadCases(target: LoadTarget, retries?: SinkRetries): LoadCase[] {
  const voice: Record<string, string> = { ...voiceCallParams(), AccountSid: target.accountSid };
  const sms: Record<string, string> = { ...smsParams(), AccountSid: target.accountSid };
  const queueRedirect = new RegExp(
    `^Redirect: ${literal(target.baseUrl)}/api/queue\\?Name=support&MaxWait=\\d+&Music=${literal(encodeURIComponent(`audio:${target.holdMusic.name}`))}$`,
  );
  const holdMusicUrl = `${target.baseUrl}/api/audio/${target.holdMusic.name}`;
  // VOICE_HOURS: open, the assistant's greeting; closed, VOICE_CLOSED_MODE=queue with the audio hold music.
  const incomingCall: LoadCase = {
    name: 'voice (business hours)',
    path: '/api/voice',
    params: voice,
    expect: [],
    atTime: (at) =>
      target.isOpen(at)
        ? // VOICE_MODE=assistant: the greeting inside the speech Gather whose result is the assistant's first turn.
          { variant: 'open', verbs: ['Gather'] }
        : { variant: 'closed', verbs: ['Say: We are closed right now.', queueRedirect] },
  };
  const audioFile: AnswerCheck = (status, body, headers) => {
    if (status !== 200) return `status ${status}`;
    if (header(headers, 'content-type') !== 'audio/mpeg') return `content-type ${header(headers, 'content-type')}`;
    return body === target.holdMusic.body ? undefined : `another body (${body.length} characters)`;
  };
  const incomingSms: LoadCase = {
    name: 'sms',
    path: '/api/sms',
    params: sms,
    expect: [`Message: ${target.autoReply(sms.From)}`],
    perSender: (from) => [`Message: ${target.autoReply(from)}`],
  };
  return [
    incomingCall,
    incomingSms,
    { name: 'forward', path: '/api/forward?PhoneNumber=%2B14155550100', params: voice, expect: ['Dial: +14155550100'] },
    // The TwiML App: a browser calling another browser.
    { name: 'client-voice', path: '/api/client-voice', params: { ...voice, From: 'client:alice', To: 'client:bob' }, expect: ['Dial'] },
    incomingCall,
    {
      name: 'menu',
      path: '/api/menu?Message=Press%201%20for%20sales&Options%5B1%5D=https%3A%2F%2Fexample.com%2Fsales',
      params: voice,
      expect: ['Gather', 'Redirect'],
    },
    incomingSms,
    {
      name: 'menu digits',
      path: '/api/menu?Options%5B1%5D=https%3A%2F%2Fexample.com%2Fsales',
      params: { ...voice, CallStatus: 'in-progress', Digits: '1' },
      expect: ['Redirect: https://example.com/sales'],
    },
    { name: 'message', path: '/api/message?Message=Hello%20from%20the%20soak', params: voice, expect: ['Say: Hello from the soak'] },
    {
      name: 'queue',
      path: '/api/queue?Name=support&MaxWait=120',
      params: voice,
      expect: [new RegExp(`^Enqueue: support$`)],
    },
    {
      name: 'queue wait',
      path: '/api/queue?Name=support&Wait=true&MaxWait=120',
      params: { ...voice, CallStatus: 'in-progress', QueuePosition: '2', QueueTime: '30' },
      expect: ['Say: You are number 2 in line.', /^Play: https?:\/\//],
    },
    {
      name: 'queue hold music (audio:)',
      path: `/api/queue?Name=support&Wait=true&Music=${encodeURIComponent(`audio:${target.holdMusic.name}`)}`,
      params: { ...voice, CallStatus: 'in-progress', QueuePosition: '1', QueueTime: '5' },
      expect: ['Say: You are next in line.', `Play: ${holdMusicUrl}`],
    },
    { name: 'audio', path: `/api/audio/${target.holdMusic.name}`, method: 'GET', params: {}, expect: [], check: audioFile },
    {
      name: 'audio revalidated',
      path: `/api/audio/${target.holdMusic.name}`,
      method: 'GET',
      headers: { 'if-none-match': target.holdMusic.etag },
      params: {},
      expect: [],
      check: (status, body) => (status === 304 && body === '' ? undefined : `status ${status} with ${body.length} characters`),
    },
    {
      name: 'voice blocklisted',
      path: '/api/voice',
      params: { ...voice, From: target.blocked, Caller: target.blocked },
      expect: ['Reject'],
    },
    { name: 'sms blocklisted', path: '/api/sms', params: { ...sms, From: target.blocked }, expect: [] },
    {
      name: 'menu speech',
      path: '/api/menu?Message=Say%20sales&Options%5B1%5D=https%3A%2F%2Fexample.com%2Fsales&Keywords%5B1%5D=sales',
      params: { ...voice, CallStatus: 'in-progress', SpeechResult: 'Sales, please!', Confidence: '0.92' },
      expect: ['Redirect: https://example.com/sales'],
    },
    {
      name: 'menu speech unmatched',
      path: '/api/menu?Message=Say%20sales&Options%5B1%5D=https%3A%2F%2Fexample.com%2Fsales&Keywords%5B1%5D=sales',
      params: { ...voice, CallStatus: 'in-progress', SpeechResult: 'the weather', Confidence: '0.5' },
      expect: ["Say: I'm sorry, that wasn't a valid option.", 'Gather', 'Redirect'],
    },
    {
      name: 'twilio-alerts',
      path: '/api/twilio-alerts',
      params: {
        AccountSid: target.accountSid,
        Sid: 'NO0123456789abcdef0123456789abcdef',
        Level: 'ERROR',
        Timestamp: '2026-01-01T00:00:00Z',
        Payload: JSON.stringify({
          error_code: '11200',
          resource_sid: 'CA0123456789abcdef0123456789abcdef',
          webhook: { request: { url: `${target.baseUrl}/api/voice?x=1`, method: 'POST' } },
        }),
      },
      expect: [],
      check: (status, body) => (status === 204 && body === '' ? undefined : `status ${status}: ${body.slice(0, 80)}`),
    },
    { name: 'sms STOP', path: '/api/sms', params: { ...sms, From: KEYWORD_SENDER, Body: 'STOP' }, expect: [] },
    { name: 'sms START', path: '/api/sms', params: { ...sms, From: KEYWORD_SENDER, Body: 'START' }, expect: [] },
    ...newSurfaceCases(target, voice, retries),
  ];
}

function header(headers: Record<string, string | string[]>, name: string): string | undefined {
  const value = Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return value === undefined ? undefined : String(value);
}

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Why a response is wrong, or undefined when it is the right answer. */
export function wrongAnswer(
  expected: Array<string | RegExp>,
  status: number,
  body: string,
  contentType: string | undefined,
): string | undefined {
  if (status !== 200) return `status ${status}`;
  if (!/^text\/xml\b/.test(contentType ?? '')) return `content-type ${contentType}`;
  let got: string[];
  try {
    got = verbs(parseTwiml(body));
  } catch {
    return `not TwiML: ${body.slice(0, 120)}`;
  }
  const matches = got.length === expected.length && expected.every((e, i) => (typeof e === 'string' ? e === got[i] : e.test(got[i])));
  return matches ? undefined : `verbs ${JSON.stringify(got)}`;
}

export interface MinuteLatency {
  minute: number;
  answered: number;
  p50: number;
  p99: number;
  max: number;
}

function percentiles(times: number[]): { p50: number; p90: number; p99: number; max: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}

/** Percentiles of each minute's latencies (ms), from the load's start. */
export function minuteLatencies(byMinute: number[][]): MinuteLatency[] {
  return byMinute.flatMap((times, minute) => {
    if (!times?.length) return [];
    const { p50, p99, max } = percentiles(times);
    return [{ minute, answered: times.length, p50, p99, max }];
  });
}

export interface EndpointTally {
  name: string;
  answered: number;
  wrong: number;
  /** For answers that depend on the clock: how many of each (open, closed). */
  variants?: Record<string, number>;
}

export interface LoadResult {
  connections: number;
  durationSeconds: number;
  /** Responses received. */
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Connection errors and timeouts: requests that got no answer at all. */
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
  status5xx: number;
  /** Of those, answers to a sender that retries them (the Event Streams sink's 503s, when the load retries). */
  status5xxRetried: number;
  /** The latency of the answers in each minute of the load. */
  latencyByMinute: MinuteLatency[];
  /** Answers that were not the right TwiML, whatever their status. */
  wrongAnswers: number;
  endpoints: EndpointTally[];
  /** The first few wrong answers, described. */
  wrongExamples: string[];
}

/** A TwiML answer checked against the verbs this request must get (for its sender, or at the time it was served). */
function twimlProblem(
  c: LoadCase,
  status: number,
  body: string,
  headers: Record<string, string | string[]>,
  context: Record<string, unknown>,
  tally: EndpointTally,
): string | undefined {
  const contentType = header(headers, 'content-type');
  if (!c.atTime) {
    const expected = (c.perSender ? (context.expect as Verbs | undefined) : undefined) ?? c.expect;
    return wrongAnswer(expected, status, body, contentType);
  }
  // The state when the request was built and when its answer came: the app served it somewhere in between.
  const states = [c.atTime(new Date(Number(context.sentAt ?? Date.now()))), c.atTime(new Date())];
  const right = states.find((state) => wrongAnswer(state.verbs, status, body, contentType) === undefined);
  if (!right) return wrongAnswer(states[1].verbs, status, body, contentType);
  tally.variants = { ...tally.variants, [right.variant]: (tally.variants?.[right.variant] ?? 0) + 1 };
  return undefined;
}

export async function runWebhookLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const url = new URL(target.baseUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw new Error(`The soak sends traffic to loopback only, not ${url.hostname}`);
  const tallies = new Map<string, EndpointTally>();
  const wrongExamples: string[] = [];
  const statusCounts: Record<string, number> = {};
  let sent = 0;
  let status5xxRetried = 0;
  const requests: autocannon.Request[] = loadCases(target, options.sinkRetries).map((c) => {
    const tally = tallies.get(c.name) ?? { name: c.name, answered: 0, wrong: 0 };
    tallies.set(c.name, tally);
    const signed = (params: Record<string, string>) => sign(target.authToken, `${target.baseUrl}${c.path}`, params);
    const { perSender, atTime, fresh } = c;
    const setupRequest = fresh
      ? (request: autocannon.Request, context: Record<string, unknown>) => {
          const made = fresh(context);
          const headers = Object.fromEntries(Object.entries(made.headers).map(([name, value]) => [name.toLowerCase(), value]));
          return { ...request, path: made.path, headers, body: made.body };
        }
      : perSender
        ? (request: autocannon.Request, context: Record<string, unknown>) => {
            const from = SENDERS[sent++ % SENDERS.length];
            const params = { ...c.params, From: from };
            context.expect = perSender(from);
            return {
              ...request,
              headers: { ...request.headers, 'x-twilio-signature': signed(params) },
              body: new URLSearchParams(params).toString(),
            };
          }
        : atTime
          ? (request: autocannon.Request, context: Record<string, unknown>) => {
              context.sentAt = Date.now();
              return request;
            }
          : undefined;
    const headers: Record<string, string> =
      c.method === 'GET'
        ? { ...c.headers }
        : { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed(c.params), ...c.headers };
    return {
      ...(setupRequest ? { setupRequest } : {}),
      method: c.method ?? 'POST',
      path: c.path,
      headers,
      ...(c.method === 'GET' ? {} : { body: new URLSearchParams(c.params).toString() }),
      onResponse: (status, body, context, responseHeaders) => {
        tally.answered++;
        statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        if (status >= 500 && c.retriedOn5xx) status5xxRetried++;
        const problem = c.check
          ? c.check(status, body, responseHeaders, context)
          : twimlProblem(c, status, body, responseHeaders, context, tally);
        if (!problem) return;
        tally.wrong++;
        if (wrongExamples.length < 5) wrongExamples.push(`${c.name}: ${problem}`);
      },
    };
  });
  const startedAt = Date.now();
  const byMinute: number[][] = [];
  const result = await autocannon({
    url: target.baseUrl,
    connections: options.connections,
    duration: options.durationSeconds,
    maxOverallRequests: Math.max(options.maxRequests, options.connections),
    ...(options.rate ? { overallRate: options.rate } : {}),
    timeout: 10,
    requests,
  }).on('response', (_client, _status, _bytes, responseTimeMs) => {
    const minute = Math.floor((Date.now() - startedAt) / 60_000);
    (byMinute[minute] ??= []).push(Math.round(responseTimeMs));
  });
  const endpoints = [...tallies.values()];
  const answered = endpoints.reduce((sum, e) => sum + e.answered, 0);
  return {
    connections: options.connections,
    durationSeconds: result.duration,
    requests: answered,
    requestsPerSecond: Math.round(answered / result.duration),
    // From each answer's own time. autocannon's histogram is not used: at a fixed rate it adds coordinated-omission
    // samples at an expected interval of ceil(1 / rate) = 1 ms, so one 1.5 s answer becomes 1,500 samples.
    latencyMs: percentiles(byMinute.flat()),
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    status5xx: Object.entries(statusCounts).reduce((sum, [status, count]) => sum + (Number(status) >= 500 ? count : 0), 0),
    status5xxRetried,
    latencyByMinute: minuteLatencies(byMinute),
    wrongAnswers: endpoints.reduce((sum, e) => sum + e.wrong, 0),
    endpoints,
    wrongExamples,
  };
}

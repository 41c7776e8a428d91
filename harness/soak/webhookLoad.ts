// The soak's webhook load: concurrent, signed Twilio webhooks against the local host with autocannon, every
// response checked (200, text/xml, TwiML with a <Response> root and the verbs that request must get).
// Used by `npm run soak` (bench/soak.ts) and, CI-sized, by test/reliability/soak.test.ts.
import autocannon from 'autocannon';
import { parseTwiml, verbs } from '../twiml';
import { sign, smsParams, voiceCallParams } from '../twilioRequests';

/** What the app under load is configured with; the expected answers depend on it (see soakApp.ts). */
export interface LoadTarget {
  baseUrl: string;
  authToken: string;
  accountSid: string;
  forwardTo: string;
  autoReply: (from: string) => string;
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  /** Stops earlier once this many requests were sent. */
  maxRequests: number;
}

/** One kind of request in the mix, and the verbs its TwiML must have (a RegExp matches one verb line). */
interface LoadCase {
  name: string;
  path: string;
  params: Record<string, string>;
  expect: Array<string | RegExp>;
  /** Sent from a different number each time (re-signed), with the verbs expected for that sender. */
  perSender?: (from: string) => Array<string | RegExp>;
}

/** Senders of the auto-replied SMS: each has its own SMS_AUTO_REPLY_LIMIT row, as real senders do. */
const SENDERS = Array.from({ length: 1000 }, (_, i) => `+1415556${String(i).padStart(4, '0')}`);

const KEYWORD_SENDER = '+14155550142';

/** The mix: an incoming call and SMS twice as often as the twimlets, plus STOP/START, which write to storage. */
function loadCases(target: LoadTarget): LoadCase[] {
  const voice: Record<string, string> = { ...voiceCallParams(), AccountSid: target.accountSid };
  const sms: Record<string, string> = { ...smsParams(), AccountSid: target.accountSid };
  const forwardRedirect = new RegExp(
    `^Redirect: ${literal(target.baseUrl)}/api/forward\\?PhoneNumber=${literal(encodeURIComponent(target.forwardTo))}$`,
  );
  const incomingCall: LoadCase = {
    name: 'voice',
    path: '/api/voice',
    params: voice,
    expect: ['Say: Thank you for calling.', forwardRedirect],
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
    { name: 'sms STOP', path: '/api/sms', params: { ...sms, From: KEYWORD_SENDER, Body: 'STOP' }, expect: [] },
    { name: 'sms START', path: '/api/sms', params: { ...sms, From: KEYWORD_SENDER, Body: 'START' }, expect: [] },
  ];
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

export interface EndpointTally {
  name: string;
  answered: number;
  wrong: number;
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
  /** Answers that were not the right TwiML, whatever their status. */
  wrongAnswers: number;
  endpoints: EndpointTally[];
  /** The first few wrong answers, described. */
  wrongExamples: string[];
}

export async function runWebhookLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const url = new URL(target.baseUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw new Error(`The soak sends traffic to loopback only, not ${url.hostname}`);
  const tallies = new Map<string, EndpointTally>();
  const wrongExamples: string[] = [];
  const statusCounts: Record<string, number> = {};
  let sent = 0;
  const requests: autocannon.Request[] = loadCases(target).map((c) => {
    const tally = tallies.get(c.name) ?? { name: c.name, answered: 0, wrong: 0 };
    tallies.set(c.name, tally);
    const signed = (params: Record<string, string>) => sign(target.authToken, `${target.baseUrl}${c.path}`, params);
    const perSender = c.perSender;
    const setupRequest = perSender
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
      : undefined;
    return {
      ...(setupRequest ? { setupRequest } : {}),
      method: 'POST',
      path: c.path,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': sign(target.authToken, `${target.baseUrl}${c.path}`, c.params),
      },
      body: new URLSearchParams(c.params).toString(),
      onResponse: (status, body, context, headers) => {
        tally.answered++;
        statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
        const expected = (perSender ? (context.expect as Array<string | RegExp> | undefined) : undefined) ?? c.expect;
        const problem = wrongAnswer(expected, status, body, String(contentType ?? ''));
        if (!problem) return;
        tally.wrong++;
        if (wrongExamples.length < 5) wrongExamples.push(`${c.name}: ${problem}`);
      },
    };
  });
  const result = await autocannon({
    url: target.baseUrl,
    connections: options.connections,
    duration: options.durationSeconds,
    maxOverallRequests: Math.max(options.maxRequests, options.connections),
    timeout: 10,
    requests,
  });
  const endpoints = [...tallies.values()];
  const answered = endpoints.reduce((sum, e) => sum + e.answered, 0);
  return {
    connections: options.connections,
    durationSeconds: result.duration,
    requests: answered,
    requestsPerSecond: Math.round(answered / result.duration),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    status5xx: Object.entries(statusCounts).reduce((sum, [status, count]) => sum + (Number(status) >= 500 ? count : 0), 0),
    wrongAnswers: endpoints.reduce((sum, e) => sum + e.wrong, 0),
    endpoints,
    wrongExamples,
  };
}

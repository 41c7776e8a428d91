// The twimlets answered from memory (readsMemo) against the same builders run fresh: random sequences of requests
// drawn from a small pool of URLs, keys and values, so that repeats and near-repeats (one read key changed, a key
// added, keys reordered, a Dial action's status) are frequent. Every answer, and every refusal, must be the same.
import fc from 'fast-check';
import { mergeParams, paramsFromSearch, type WebhookParams } from '../../shared/webhook/params';
import { buildCallme, callmeTwiml } from '../../shared/twiml/callme';
import { buildFindme, findmeTwiml } from '../../shared/twiml/findme';
import { buildForward, forwardTwiml } from '../../shared/twiml/forward';
import { buildQueue, queueTwiml } from '../../shared/twiml/queue';
import { buildSimulring, simulringTwiml } from '../../shared/twiml/simulring';

const RUNS = Number(process.env.FUZZ_RUNS) || 100;

type Build = (params: WebhookParams, url: URL) => string;

const VALUES = [
  '',
  '+14155550100',
  '+14155550199',
  ' 14155550100',
  '(415) 555-0111',
  'client:bob',
  'sip:desk@example.com',
  'true',
  '0',
  'completed',
  'no-answer',
  'bridged',
  '3',
  '30',
  '900',
  'https://example.com/next',
  '/api/voicemail',
  'audio:hold.mp3',
  'Hello',
];
/** The values that change an answer most often: the edits draw from these first. */
const DECISIVE = ['', '+14155550199', '+14155550100', 'true', 'completed', 'no-answer', '3', '30'];
const TWILIO = ['From', 'Caller', 'To', 'Called', 'CallSid'];
const DIALLING = ['Dial', 'DialCallStatus', 'DialStatus', 'FailUrl', 'Timeout', 'Message', 'CallerId'];

/** Each twimlet with the keys it reads and a few working first requests (query strings) to start sequences from. */
const twimlets: Array<{ name: string; memo: Build; fresh: Build; keys: string[]; starts: string[] }> = [
  {
    name: 'forward',
    memo: forwardTwiml,
    fresh: buildForward,
    keys: ['PhoneNumber', 'AllowedCallers[0]', 'AllowedCallers[]', ...DIALLING],
    starts: [
      'PhoneNumber=%2B14155550100',
      'PhoneNumber=%2B14155550100&AllowedCallers[0]=%2B14155550199&Timeout=30',
      'PhoneNumber=client:bob&Dial=true&FailUrl=https%3A%2F%2Fexample.com%2Fnext',
    ],
  },
  {
    name: 'queue',
    memo: queueTwiml,
    fresh: buildQueue,
    keys: ['Name', 'Agent', 'Wait', 'Left', 'MaxWait', 'Music', 'QueuePosition', 'QueueTime', 'QueueResult', ...DIALLING],
    starts: [
      'Name=support',
      'Name=support&Wait=true&MaxWait=30',
      'Name=support&Left=true&FailUrl=%2Fapi%2Fvoicemail',
      'Name=support&Agent=true',
    ],
  },
  {
    name: 'callme',
    memo: callmeTwiml,
    fresh: buildCallme,
    keys: ['PhoneNumber', ...DIALLING],
    starts: ['PhoneNumber=%2B14155550100', 'PhoneNumber=%2B14155550100&Dial=true&FailUrl=%2Fapi%2Fvoicemail'],
  },
  {
    name: 'simulring',
    memo: simulringTwiml,
    fresh: buildSimulring,
    keys: ['PhoneNumbers[0]', 'PhoneNumbers[1]', 'PhoneNumbers[]', ...DIALLING],
    starts: ['PhoneNumbers[0]=%2B14155550100&PhoneNumbers[1]=%2B14155550199', 'PhoneNumbers[]=%2B14155550100&Dial=true'],
  },
  {
    name: 'findme',
    memo: findmeTwiml,
    fresh: buildFindme,
    keys: ['PhoneNumbers[0]', 'PhoneNumbers[1]', 'PhoneNumbers[10]', ...DIALLING],
    starts: ['PhoneNumbers[0]=%2B14155550100&PhoneNumbers[1]=%2B14155550199', 'PhoneNumbers[0]=%2B14155550100&Dial=true&Timeout=30'],
  },
];

/** The answer, or the refusal's class and message. */
function outcome(build: Build, params: WebhookParams, url: URL): string {
  try {
    return build(params, url);
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

type Pairs = Array<[string, string]>;
interface Request {
  query: Pairs;
  post: Pairs;
}

/** One key set to a value (added at the end when new) or removed, in the query or the body. */
function edited(request: Request, where: keyof Request, key: string, value: string | null): Request {
  const pairs = request[where]
    .filter(([k]) => k !== key || value !== null)
    .map(([k, v]): [string, string] => (k === key ? [k, value!] : [k, v]));
  if (value !== null && !pairs.some(([k]) => k === key)) pairs.push([key, value]);
  return { ...request, [where]: pairs };
}

describe.each(twimlets)('$name from memory', ({ name, memo, fresh, keys, starts }) => {
  const pair = (vocabulary: string[]) => fc.tuple(fc.constantFrom(...vocabulary), fc.constantFrom(...VALUES));
  const base = fc.record({
    query: fc.constantFrom(...starts).map((q): Pairs => [...new URLSearchParams(q)]),
    // A call's own parameters, as Twilio posts them, then a few of the twimlet's.
    post: fc
      .tuple(fc.tuple(...TWILIO.map((key) => pair([key]))), fc.array(pair(keys), { maxLength: 3 }))
      .map(([call, extra]): Pairs => [...call, ...extra]),
  });
  // Each step changes one key of the previous request, or goes back to an earlier one: near-repeats, so that a
  // memo that missed a read (or the key list) answers one request with another's TwiML.
  const step = fc.oneof(
    fc.record({
      // Mostly the body: a changed query is another URL, which the memo keeps apart anyway.
      where: fc.oneof(
        { arbitrary: fc.constant<keyof Request>('post'), weight: 4 },
        { arbitrary: fc.constant<keyof Request>('query'), weight: 1 },
      ),
      key: fc.oneof({ arbitrary: fc.constantFrom(...keys), weight: 3 }, { arbitrary: fc.constantFrom(...TWILIO, 'code'), weight: 2 }),
      value: fc.option(
        fc.oneof({ arbitrary: fc.constantFrom(...DECISIVE), weight: 3 }, { arbitrary: fc.constantFrom(...VALUES, 'fnkey'), weight: 1 }),
        { freq: 4 },
      ),
    }),
    fc.record({ back: fc.nat() }),
  );

  test('answers every request of a random sequence exactly as a fresh build does', () => {
    fc.assert(
      fc.property(base, fc.array(step, { minLength: 1, maxLength: 16 }), (first, steps) => {
        const seen: Request[] = [first];
        for (const s of steps) {
          const previous = seen[seen.length - 1];
          seen.push('back' in s ? seen[s.back % seen.length] : edited(previous, s.where, s.key, s.value));
        }
        for (const { query, post } of seen) {
          const url = new URL(`https://calls.example.com/api/${name}?${new URLSearchParams(query)}`);
          const params = mergeParams(paramsFromSearch(url.searchParams), paramsFromSearch(new URLSearchParams(post)));
          expect(outcome(memo, params, url)).toBe(outcome(fresh, params, url));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

// The memo keyed on what a twimlet builder read: a repeat is answered from memory only when everything the
// builder looked at (the URL, each parameter read, presence checks, the key list when it walked it) is the same.
import { first, list, mergeParams, paramsFromSearch, type WebhookParams } from '../../../../shared/webhook/params';
import { memoizeByReads } from '../../../../shared/twiml/parts/readsMemo';
import { TwimlInputError } from '../../../../shared/twiml/parts/errors';
import { forwardTwiml } from '../../../../shared/twiml/forward';
import { queueTwiml } from '../../../../shared/twiml/queue';
import { parseTwiml, verbs } from '../../../../harness/twiml';
import { voiceCallParams } from '../../../../harness/twilioRequests';

const URL_A = new URL('https://calls.example.com/api/forward?PhoneNumber=%2B14155550100');
const URL_B = new URL('https://calls.example.com/api/forward?PhoneNumber=%2B14155550111');

/** Parameters as the shell hands them over: the URL's query, then the POST body. */
const paramsOf = (post: Record<string, string>, url = URL_A): WebhookParams =>
  mergeParams(paramsFromSearch(url.searchParams), paramsFromSearch(new URLSearchParams(post)));

/** A builder that reads PhoneNumber and Greeting and counts its runs. */
function counted(read: (params: WebhookParams) => string = (p) => `${first(p, 'PhoneNumber')}|${first(p, 'Greeting')}`) {
  const runs = { count: 0 };
  const build = jest.fn((params: WebhookParams, url: URL) => {
    runs.count++;
    return `${url.pathname}:${read(params)}`;
  });
  return { memo: memoizeByReads(build), runs };
}

describe('a builder from memory', () => {
  test('answers a repeat from memory, even when a parameter it never read changed (CallSid)', () => {
    const { memo, runs } = counted();
    const first = memo(paramsOf({ CallSid: 'CA1', Greeting: 'hi' }), URL_A);
    expect(memo(paramsOf({ CallSid: 'CA2', Greeting: 'hi' }), URL_A)).toBe(first);
    expect(runs.count).toBe(1);
  });

  test('builds again when a parameter it read has another value', () => {
    const { memo, runs } = counted();
    expect(memo(paramsOf({ Greeting: 'hi' }), URL_A)).toBe('/api/forward:+14155550100|hi');
    expect(memo(paramsOf({ Greeting: 'bye' }), URL_A)).toBe('/api/forward:+14155550100|bye');
    expect(runs.count).toBe(2);
  });

  test('builds again when a parameter it read as absent appears', () => {
    const { memo, runs } = counted();
    expect(memo(paramsOf({}), URL_A)).toBe('/api/forward:+14155550100|undefined');
    expect(memo(paramsOf({ Greeting: 'hi' }), URL_A)).toBe('/api/forward:+14155550100|hi');
    expect(runs.count).toBe(2);
  });

  test('builds again for another URL', () => {
    const { memo, runs } = counted();
    expect(memo(paramsOf({}, URL_A), URL_A)).toContain('+14155550100');
    expect(memo(paramsOf({}, URL_B), URL_B)).toContain('+14155550111');
    expect(runs.count).toBe(2);
  });

  test('compares every value of a repeated parameter', () => {
    const { memo, runs } = counted((p) => JSON.stringify(p.Tag));
    const withTags = (...tags: string[]) => paramsFromSearch(new URLSearchParams(tags.map((t) => ['Tag', t])));
    expect(memo(withTags('a', 'b'), URL_A)).toBe('/api/forward:["a","b"]');
    expect(memo(withTags('a', 'b'), URL_A)).toBe('/api/forward:["a","b"]');
    expect(memo(withTags('a', 'c'), URL_A)).toBe('/api/forward:["a","c"]');
    expect(memo(withTags('a'), URL_A)).toBe('/api/forward:"a"');
    expect(runs.count).toBe(3);
  });

  test('a builder that walked the key list (list()) builds again when a key is added, removed or reordered', () => {
    const { memo, runs } = counted((p) => list(p, 'PhoneNumbers').join(','));
    const base = { CallSid: 'CA1', 'PhoneNumbers[0]': '+1415' };
    expect(memo(paramsOf(base), URL_A)).toBe('/api/forward:+1415');
    expect(memo(paramsOf({ ...base, CallSid: 'CA2' }), URL_A)).toBe('/api/forward:+1415'); // same keys: from memory
    expect(runs.count).toBe(1);
    expect(memo(paramsOf({ ...base, 'PhoneNumbers[1]': '+1416' }), URL_A)).toBe('/api/forward:+1415,+1416');
    expect(memo(paramsOf({ CallSid: 'CA1' }), URL_A)).toBe('/api/forward:');
    expect(memo(paramsOf({ 'PhoneNumbers[0]': '+1415', CallSid: 'CA1' }), URL_A)).toBe('/api/forward:+1415');
    expect(runs.count).toBe(4);
  });

  test('a builder that copied every parameter (spread, Object.entries) builds again when any value changes', () => {
    const { memo, runs } = counted((p) => JSON.stringify([{ ...p }, Object.entries(p).length]));
    const answer = memo(paramsOf({ CallSid: 'CA1' }), URL_A);
    expect(memo(paramsOf({ CallSid: 'CA1' }), URL_A)).toBe(answer);
    expect(memo(paramsOf({ CallSid: 'CA2' }), URL_A)).toContain('CA2');
    expect(runs.count).toBe(2);
  });

  test('a builder that only asked whether a key is there builds again when that changes, not when its value does', () => {
    const { memo, runs } = counted((p) => ('Digits' in p ? 'pressed' : 'waiting'));
    expect(memo(paramsOf({ Digits: '1' }), URL_A)).toBe('/api/forward:pressed');
    expect(memo(paramsOf({ Digits: '2' }), URL_A)).toBe('/api/forward:pressed');
    expect(memo(paramsOf({}), URL_A)).toBe('/api/forward:waiting');
    expect(runs.count).toBe(2);
  });

  test('keeps several answers per URL (a Dial action completed, then not answered, then completed again)', () => {
    const { memo, runs } = counted((p) => first(p, 'DialCallStatus') ?? '');
    for (const status of ['completed', 'no-answer', 'completed', 'busy', 'no-answer']) {
      expect(memo(paramsOf({ DialCallStatus: status }), URL_A)).toBe(`/api/forward:${status}`);
    }
    expect(runs.count).toBe(3);
  });

  test('does not remember a build that failed', () => {
    let fail = true;
    const memo = memoizeByReads((params: WebhookParams) => {
      if (fail) throw new TwimlInputError('Timeout must be a whole number of seconds.');
      return `ok ${first(params, 'Timeout')}`;
    });
    expect(() => memo(paramsOf({ Timeout: 'x' }), URL_A)).toThrow(TwimlInputError);
    fail = false;
    expect(memo(paramsOf({ Timeout: 'x' }), URL_A)).toBe('ok x');
  });

  test('builds very large requests every time instead of holding them', () => {
    const { memo, runs } = counted((p) => String(first(p, 'Greeting')?.length));
    const huge = paramsOf({ Greeting: 'x'.repeat(10_000) });
    expect(memo(huge, URL_A)).toBe('/api/forward:10000');
    expect(memo(huge, URL_A)).toBe('/api/forward:10000');
    expect(runs.count).toBe(2);
  });

  test('holds a bounded number of URLs, dropping the least recently used', () => {
    const runs = { count: 0 };
    const memo = memoizeByReads(
      (_: WebhookParams, url: URL) => {
        runs.count++;
        return url.href;
      },
      { urls: 2 },
    );
    const at = (n: number) => new URL(`https://calls.example.com/api/queue?Name=q${n}`);
    memo(paramsOf({}), at(1));
    memo(paramsOf({}), at(2));
    memo(paramsOf({}), at(1)); // q1 is now the most recently used
    memo(paramsOf({}), at(3)); // q2 goes
    expect(runs.count).toBe(3);
    memo(paramsOf({}), at(1));
    memo(paramsOf({}), at(3));
    expect(runs.count).toBe(3);
    memo(paramsOf({}), at(2));
    expect(runs.count).toBe(4);
  });

  test('gives the builder read-only parameters', () => {
    const memo = memoizeByReads((params: WebhookParams) => {
      params.PhoneNumber = 'changed';
      return 'never';
    });
    expect(() => memo(paramsOf({}), URL_A)).toThrow(TypeError);
  });
});

describe('forward and queue from memory', () => {
  const forwardWith = (query: string, post: Record<string, string>) => {
    const url = new URL(`https://calls.example.com/api/forward?${query}`);
    return verbs(parseTwiml(forwardTwiml(mergeParams(paramsFromSearch(url.searchParams), voiceCallParams(post)), url)));
  };

  test('forward with AllowedCallers answers each caller for themselves when only From differs', () => {
    const query = 'PhoneNumber=%2B14155550100&AllowedCallers[0]=%2B14155550199';
    const other = { From: '+14155550123', Caller: '+14155550123', To: '+18005550000', Called: '+18005550000' };
    const allowed = { ...other, From: '+14155550199' };
    const restricted = ['Say: Sorry, you are calling from a restricted number. Good bye.'];
    expect(forwardWith(query, other)).toEqual(restricted);
    expect(forwardWith(query, allowed)).toEqual(['Dial: +14155550100']);
    expect(forwardWith(query, other)).toEqual(restricted);
    expect(forwardWith(query, { ...allowed, CallSid: 'CA0000000000000000000000000000beef' })).toEqual(['Dial: +14155550100']);
  });

  test("forward's Dial action follows DialCallStatus at the same URL", () => {
    const query = 'PhoneNumber=%2B14155550100&Dial=true&FailUrl=https%3A%2F%2Fexample.com%2Ffail';
    expect(forwardWith(query, { DialCallStatus: 'completed' })).toEqual(['Hangup']);
    expect(forwardWith(query, { DialCallStatus: 'no-answer' })).toEqual(['Redirect: https://example.com/fail']);
    expect(forwardWith(query, { DialCallStatus: 'completed' })).toEqual(['Hangup']);
  });

  test("the queue's wait URL tells each caller their own place in line", () => {
    const url = new URL('https://calls.example.com/api/queue?Name=support&Wait=true&MaxWait=60');
    const wait = (post: Record<string, string>) =>
      verbs(parseTwiml(queueTwiml(mergeParams(paramsFromSearch(url.searchParams), voiceCallParams(post)), url)));
    expect(wait({ QueuePosition: '3', QueueTime: '10' })[0]).toBe('Say: You are number 3 in line.');
    expect(wait({ QueuePosition: '1', QueueTime: '10' })[0]).toBe('Say: You are next in line.');
    expect(wait({ QueuePosition: '3', QueueTime: '20' })[0]).toBe('Say: You are number 3 in line.');
    expect(wait({ QueuePosition: '3', QueueTime: '60' })).toEqual(['Leave']);
  });
});

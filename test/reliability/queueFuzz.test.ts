// Property-based queue messages through the pure decoding that runs before anything else (shared/outbound/
// decode.ts): raw JSON or base64 of JSON, as text or bytes: what every message meets first. The schema that comes
// next is fuzzed in outboundSchemaFuzz.test.ts. And the status re-check messages the app puts on the same queue,
// which anyone with queue access could forge.
import fc from 'fast-check';
import { decodeQueueMessage, UndecodableMessageError } from '../../shared/outbound/decode';
import { deliverOutbound } from '../../shared/outbound/orchestrator';
import { MAX_STATUS_CHECKS, readStatusCheck } from '../../shared/outbound/statusCheck';
import { IDEMPOTENCY_KEY } from '../../shared/outbound/fields';
import { fakeOutbound } from '../unit/outbound/outboundFakes';

const RUNS = Number(process.env.FUZZ_RUNS) || 200;

/** Objects and arrays: the JSON a producer sends (a message is an object; neither starts with a base64 character). */
const jsonDocument = fc.oneof(fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue()), fc.array(fc.jsonValue()));
const whitespace = fc.constantFrom('', ' ', '\n', '\t', '\r\n  ');

/** Either a JSON value or an UndecodableMessageError; anything else thrown is a bug. */
function outcome(input: unknown): { value: unknown } | { undecodable: true } {
  try {
    return { value: decodeQueueMessage(input) };
  } catch (error) {
    if (error instanceof UndecodableMessageError) return { undecodable: true };
    throw error;
  }
}

test('a JSON document decodes to itself, as raw text or base64, as a string or bytes, with whitespace around', () => {
  fc.assert(
    fc.property(jsonDocument, whitespace, whitespace, (document, before, after) => {
      const text = JSON.stringify(document);
      const expected: unknown = JSON.parse(text);
      const base64 = Buffer.from(text).toString('base64');
      for (const form of [`${before}${text}${after}`, `${before}${base64}${after}`]) {
        expect(decodeQueueMessage(form)).toEqual(expected);
        expect(decodeQueueMessage(Buffer.from(form))).toEqual(expected);
      }
    }),
    { numRuns: RUNS },
  );
});

test('any text or bytes decode to a JSON value or fail with UndecodableMessageError, never another error', () => {
  const loneSurrogates = fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) });
  const brokenJson = fc
    .jsonValue()
    .map((v) => JSON.stringify(v))
    .chain((t) => fc.nat(t.length).map((cut) => t.slice(0, cut)));
  const text = fc.oneof(
    fc.string({ unit: 'binary' }),
    loneSurrogates,
    brokenJson,
    fc.base64String(),
    fc.constantFrom('', '=', '====', 'null', '{', '[', '"\\ud800"', '{"a":1}{"b":2}'),
  );
  const bytes = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b));
  const base64OfBytes = bytes.map((b) => b.toString('base64'));
  fc.assert(
    fc.property(fc.oneof(text, bytes, base64OfBytes, fc.jsonValue()), (input) => {
      expect(() => outcome(input)).not.toThrow();
    }),
    { numRuns: RUNS * 5 },
  );
});

test('huge and deeply nested messages decode or fail cleanly', () => {
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const big = JSON.stringify({ type: 'sms', to: '+14155550100', body: 'x'.repeat(5_000_000) });
  expect(outcome(deep)).toHaveProperty('value');
  expect(outcome(Buffer.from(deep).toString('base64'))).toHaveProperty('value');
  expect(outcome(big)).toEqual({ value: JSON.parse(big) });
  expect(outcome(Buffer.from(big).toString('base64'))).toEqual({ value: JSON.parse(big) });
  expect(outcome('['.repeat(100_000))).toEqual({ undecodable: true });
  expect(outcome('A'.repeat(4_000_000))).toEqual({ undecodable: true });
});

test('a __proto__ key in a message is a plain field and pollutes nothing', () => {
  const decoded = decodeQueueMessage('{"__proto__":{"polluted":true},"type":"sms"}') as Record<string, unknown>;
  expect(Object.keys(decoded)).toEqual(['__proto__', 'type']);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect((decoded as { polluted?: unknown }).polluted).toBeUndefined();
});

describe('status re-check messages', () => {
  test('any JSON is either not a status check or one with a key and a check number within bounds', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ statusCheck: fc.jsonValue() }),
          fc.record({ statusCheck: fc.record({ key: fc.string(), check: fc.jsonValue() }) }),
        ),
        (input) => {
          const check = readStatusCheck(input);
          if (check === undefined) return;
          expect(typeof check.key).toBe('string');
          expect(check.key).toMatch(IDEMPOTENCY_KEY);
          expect(Number.isInteger(check.check) && check.check >= 1 && check.check <= MAX_STATUS_CHECKS).toBe(true);
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });

  test('an outbound message is never read as a status check', () => {
    fc.assert(
      fc.property(fc.constantFrom('sms', 'call'), fc.string(), fc.jsonValue(), (type, to, statusCheck) => {
        expect(readStatusCheck({ type, to, statusCheck })).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  test('a forged or stray status check for any key sends nothing and settles without an error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: -5, max: 50 }), async (key, check) => {
        const fake = fakeOutbound();
        await expect(
          deliverOutbound(fake.io, { statusCheck: { key, check } }, { id: 'q', dequeueCount: 1 }, () => undefined),
        ).resolves.toBeUndefined();
        expect(fake.twilio.creates).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});

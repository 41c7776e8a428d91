// Property-based queue messages through the pure decoding that runs before anything else (shared/outbound/
// decode.ts): raw JSON or base64 of JSON, as text or bytes: what every message meets first. The schema that comes
// next is fuzzed in outboundSchemaFuzz.test.ts.
import fc from 'fast-check';
import { decodeQueueMessage, UndecodableMessageError } from '../../shared/outbound/decode';

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

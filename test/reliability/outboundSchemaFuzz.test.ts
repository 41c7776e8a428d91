// Property-based outbound messages through the schema every way in uses (POST /api/outbound, npm run send, the
// queue): any JSON gets an answer, never an exception; every problem in plain words, each once; and the content
// hash that guards "one send per key" depends on the content only.
import fc from 'fast-check';
import { contentHash } from '../../shared/outbound/contentHash';
import { validateOutboundMessage, type OutboundMessage } from '../../shared/outbound/schema';

const RUNS = Number(process.env.FUZZ_RUNS) || 200;
const now = new Date('2030-01-01T00:00:00Z');
const ZOD_WORDING = /expected|received|Invalid input|Too (big|small)|Invalid (option|string)|Unrecognized|must be record/i;

const field = fc.constantFrom(
  'type',
  'to',
  'from',
  'body',
  'mediaUrls',
  'say',
  'twiml',
  'url',
  'sendAt',
  'metadata',
  'idempotencyKey',
  'correlationId',
);
const fieldValue = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(
    'sms',
    'call',
    '+15551234567',
    '',
    'https://example.com/a.jpg',
    'not a url',
    '/api/message',
    '2030-01-02T00:00:00Z',
    '4bf92f3577b34da6a3ce929d0e0e4736',
    '0'.repeat(32),
  ),
  fc.stringMatching(/^[0-9a-fA-F]{30,34}$/),
  fc.array(fc.oneof(fc.webUrl(), fc.string()), { maxLength: 12 }),
);
const nearlyMessages = fc.dictionary(field, fieldValue, { maxKeys: 8 });

test('any JSON gets a valid message or a list of distinct problems in plain words, never an exception', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), nearlyMessages), (input) => {
      const validation = validateOutboundMessage(input, { now });
      if (validation.ok) return;
      expect(validation.issues.length).toBeGreaterThan(0);
      const seen = new Set<string>();
      for (const issue of validation.issues) {
        expect(issue.message).not.toMatch(ZOD_WORDING);
        const id = `${issue.path}\n${issue.message}`;
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }),
    { numRuns: RUNS * 5 },
  );
});

const sms = fc.record(
  {
    type: fc.constant('sms' as const),
    to: fc.constantFrom('+15551234567', '+447700900123'),
    body: fc.string({ minLength: 1, maxLength: 50 }),
    metadata: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  },
  { requiredKeys: ['type', 'to', 'body'] },
);

test('the content hash ignores field order, the key and the correlationId, and changes with the content', () => {
  fc.assert(
    fc.property(sms, fc.string({ minLength: 1, maxLength: 20 }), fc.stringMatching(/^[0-9a-f]{32}$/), (message, extra, correlationId) => {
      const reordered = Object.fromEntries(Object.entries(message).reverse()) as unknown as OutboundMessage;
      expect(contentHash({ ...reordered, idempotencyKey: 'another-key', correlationId })).toBe(contentHash(message));
      expect(contentHash({ ...message, body: `${message.body}${extra}` })).not.toBe(contentHash(message));
    }),
    { numRuns: RUNS },
  );
});

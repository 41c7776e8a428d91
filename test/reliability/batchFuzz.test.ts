// Property-based batches and messages through the pure batch validation (shared/outbound/batch.ts and the
// outbound schema): whatever arrives, the answer is issues or one entry per message with distinct valid keys,
// never an exception, and a valid batch validates the same way twice (so a retried batch gets the same keys).
import fc from 'fast-check';
import { recipientKey, validateBatch } from '../../shared/outbound/batch';
import { IDEMPOTENCY_KEY } from '../../shared/outbound/fields';
import { validateOutboundMessage } from '../../shared/outbound/schema';

const RUNS = Number(process.env.FUZZ_RUNS) || 200;
const now = new Date('2030-01-01T00:00:00Z');
const newKey = () => 'generated';

const address = fc.oneof(
  fc.stringMatching(/^\+[1-9]\d{1,14}$/),
  fc.stringMatching(/^whatsapp:\+[1-9]\d{1,14}$/),
  fc.string(),
  fc.constantFrom('whatsapp:', 'whatsapp:+', 'WhatsApp:+15551234567', 'sms:+15551234567', '+0123', 'whatsapp:+15551234567\n'),
);
const message = fc.record(
  {
    type: fc.constantFrom('sms', 'call', 'fax'),
    to: address,
    from: address,
    body: fc.string({ maxLength: 20 }),
    contentSid: fc.oneof(fc.stringMatching(/^HX[0-9a-f]{32}$/), fc.string()),
    contentVariables: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
    validityPeriod: fc.oneof(fc.integer(), fc.double(), fc.string()),
    shortenUrls: fc.oneof(fc.boolean(), fc.string()),
    say: fc.string({ minLength: 1, maxLength: 20 }),
    machineSay: fc.string({ maxLength: 20 }),
    machineDetection: fc.constantFrom('Enable', 'DetectMessageEnd', 'true', ''),
    timeout: fc.oneof(fc.integer({ min: -10, max: 700 }), fc.string()),
    sendDigits: fc.string({ maxLength: 40 }),
    idempotencyKey: fc.oneof(fc.stringMatching(/^[a-z0-9]{1,10}$/), fc.string()),
  },
  { requiredKeys: [] },
);

test('any message validates to a message or a list of issues, never an exception', () => {
  fc.assert(
    fc.property(fc.oneof(message, fc.jsonValue()), (input) => {
      const result = validateOutboundMessage(input, { now });
      if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
    }),
    { numRuns: RUNS * 5 },
  );
});

test('any batch body is refused with issues, or answered with one entry per message and distinct, valid keys', () => {
  const body = fc.oneof(
    fc.record(
      { idempotencyKey: fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{1,20}$/), fc.string()), messages: fc.array(message, { maxLength: 30 }) },
      { requiredKeys: ['messages'] },
    ),
    fc.jsonValue(),
  );
  fc.assert(
    fc.property(body, (input) => {
      const result = validateBatch(input, { now, newKey });
      if (!result.ok) {
        expect(result.issues.length).toBeGreaterThan(0);
        return;
      }
      const messages = (input as { messages: unknown[] }).messages;
      expect(result.entries.map((e) => e.index)).toEqual(messages.map((_, i) => i));
      const keys = result.entries.filter((e) => e.ok).map((e) => e.key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const key of keys) expect(IDEMPOTENCY_KEY.test(key)).toBe(true);
      expect(validateBatch(input, { now, newKey })).toEqual(result);
    }),
    { numRuns: RUNS },
  );
});

test('derived keys tell apart a number and its WhatsApp address, and are valid keys for the longest batch key', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@=-]{0,159}$/), fc.stringMatching(/^\+[1-9]\d{1,14}$/), (batchKey, to) => {
      expect(recipientKey(batchKey, to)).not.toBe(recipientKey(batchKey, `whatsapp:${to}`));
      expect(IDEMPOTENCY_KEY.test(recipientKey(batchKey, to))).toBe(true);
      // The number does not show in the key (a number this long in 20 hex digits by chance: odds of about 1e-8).
      if (to.length >= 9) expect(recipientKey(batchKey, to)).not.toContain(to.slice(1));
    }),
    { numRuns: RUNS },
  );
});

// The fault soak's verdict and its plan: what counts as lost, duplicated or wrong, and what the seeded plan covers.
import { auditOutbound, auditProblems, type AuditInput } from '../../harness/soak/faultAudit';
import { planTurns, planWorkload, twilioFaultPicker, TWILIO_FAULT_KINDS } from '../../harness/soak/faultPlan';
import { lineCorrelationIds } from '../../harness/soak/outboundFaults';

function input(overrides: Partial<AuditInput>): AuditInput {
  return { messages: [{ key: 'k1', expect: 'send' }], rows: new Map(), poison: new Map(), creates: [], ...overrides };
}

describe('the fault audit', () => {
  test('a message sent once and recorded with its SID is sent, and nothing is wrong', () => {
    const audit = auditOutbound(input({ rows: new Map([['k1', { status: 'sent', sid: 'SM1' }]]), creates: [{ key: 'k1', sid: 'SM1' }] }));
    expect(audit).toMatchObject({ outcomes: { sent: 1 }, lost: 0, duplicated: 0 });
    expect(auditProblems(audit)).toEqual([]);
  });

  test('a message with no final ledger status that is not in the poison queue is lost', () => {
    for (const row of [undefined, { status: 'sending' }, { status: 'accepted' }, { status: 'poisoned', reason: 'gave up' }]) {
      const audit = auditOutbound(input({ rows: new Map(row ? [['k1', row]] : []) }));
      expect({ row, lost: audit.lost, outcomes: audit.outcomes }).toEqual({ row, lost: 1, outcomes: { lost: 1 } });
    }
  });

  test('a ledger that says sent while Twilio has no create for the key counts as lost', () => {
    const audit = auditOutbound(input({ rows: new Map([['k1', { status: 'sent', sid: 'SM9' }]]), creates: [{ key: 'k2', sid: 'SM9' }] }));
    expect(audit.lost).toBe(1);
    expect(audit.misattributed).toBe(1);
  });

  test("a message whose log lines name two correlation ids, or not its row's, has its path split", () => {
    const sent = {
      rows: new Map([['k1', { status: 'sent', sid: 'SM1', correlationId: 'a'.repeat(32) }]]),
      creates: [{ key: 'k1', sid: 'SM1' }],
    };
    expect(auditOutbound(input({ ...sent, lineIds: new Map([['k1', ['a'.repeat(32), 'a'.repeat(32)]]]) })).splitIds).toBe(0);
    const split = auditOutbound(input({ ...sent, lineIds: new Map([['k1', ['a'.repeat(32), 'b'.repeat(32)]]]) }));
    expect(split.splitIds).toBe(1);
    expect(auditProblems(split)).toEqual(['1 with log lines under more than one correlation id']);
    expect(auditOutbound(input({ ...sent, lineIds: new Map([['k1', ['b'.repeat(32)]]]) })).splitIds).toBe(1);
  });

  test("a producer's retried acceptance names the message's id; a refused or failed one names none", () => {
    const [a, b, c] = ['a', 'b', 'c'].map((x) => x.repeat(32));
    const line = (entry: Record<string, unknown>) =>
      `[outboundPost] ${JSON.stringify({ key: 'k1', ...entry })}`.replace('{"key"', '{"event":"outbound-accept","key"');
    const output = [
      line({ correlationId: c, outcome: 'failed: could not accept' }),
      line({ correlationId: a, outcome: 'accepted' }),
      line({ correlationId: b, messageCorrelationId: a, outcome: 'already accepted: queued again under the first acceptance' }),
      `[outbound] ${JSON.stringify({ event: 'outbound', key: 'k1', correlationId: a, producerCorrelationId: b, outcome: 'duplicate' })}`,
    ].join('\n');
    expect(lineCorrelationIds(output)).toEqual(new Map([['k1', [a, a, a]]]));
  });

  test('two creates at Twilio under one key are a duplicate, whatever the ledger says', () => {
    const audit = auditOutbound(
      input({
        rows: new Map([['k1', { status: 'sent', sid: 'SM1' }]]),
        creates: [
          { key: 'k1', sid: 'SM1' },
          { key: 'k1', sid: 'SM2' },
        ],
      }),
    );
    expect(audit.duplicated).toBe(1);
    expect(auditProblems(audit)).toEqual(['1 sent more than once']);
  });

  test('a poisoned row with its message in the poison queue is accounted for; poison the ledger does not know about is a problem', () => {
    const poison = new Map([['k1', 1]]);
    const recorded = auditOutbound(
      input({ rows: new Map([['k1', { status: 'poisoned', reason: 'gave up after 5 deliveries' }]]), poison }),
    );
    expect(recorded).toMatchObject({ outcomes: { poisoned: 1 }, lost: 0, poisonUnrecorded: 0 });
    const unrecorded = auditOutbound(input({ rows: new Map([['k1', { status: 'sending' }]]), poison }));
    expect(unrecorded).toMatchObject({ outcomes: { 'in poison, ledger sending': 1 }, lost: 0, poisonUnrecorded: 1 });
    expect(auditProblems(unrecorded)).toEqual(['1 in the poison queue without the ledger saying so']);
  });

  test('a poisoned message Twilio did create is counted as such, not as lost or duplicated', () => {
    const audit = auditOutbound(
      input({
        rows: new Map([['k1', { status: 'poisoned', reason: 'gave up' }]]),
        poison: new Map([['k1', 1]]),
        creates: [{ key: 'k1', sid: 'SM1' }],
      }),
    );
    expect(audit).toMatchObject({ poisonedAfterTwilioCreated: 1, lost: 0, duplicated: 0 });
  });

  test('an invalid message that reached Twilio, or a valid one rejected, is an outcome it cannot have', () => {
    const sentInvalid = auditOutbound(
      input({
        messages: [{ key: 'k1', expect: 'reject' }],
        rows: new Map([['k1', { status: 'rejected', reason: 'opted out' }]]),
        creates: [{ key: 'k1', sid: 'SM1' }],
      }),
    );
    expect(sentInvalid.unexpected).toBe(1);
    const rejectedValid = auditOutbound(input({ rows: new Map([['k1', { status: 'rejected', reason: 'why?' }]]) }));
    expect(rejectedValid.unexpected).toBe(1);
  });

  test('failed without an error and rejected without a reason are reported', () => {
    const audit = auditOutbound(
      input({
        messages: [
          { key: 'k1', expect: 'refuse' },
          { key: 'k2', expect: 'reject' },
        ],
        rows: new Map([
          ['k1', { status: 'failed' }],
          ['k2', { status: 'rejected' }],
        ]),
      }),
    );
    expect(audit.withoutReason).toBe(2);
  });

  test('a create whose status callback names no message of the run is reported', () => {
    const audit = auditOutbound(
      input({ rows: new Map([['k1', { status: 'sent', sid: 'SM1' }]]), creates: [{ key: 'k1', sid: 'SM1' }, { sid: 'SM2' }] }),
    );
    expect(audit.unknownCreates).toBe(1);
  });
});

describe('the fault plan', () => {
  const plan = (seed: number, count = 60) =>
    planWorkload({ count, seed, fromNumber: '+15005550006', now: new Date('2030-01-01T00:00:00Z') });

  test('is the same for the same seed and differs for another', () => {
    expect(plan(3)).toEqual(plan(3));
    expect(plan(4).messages.map((m) => m.text)).not.toEqual(plan(3).messages.map((m) => m.text));
  });

  test('covers every producer, every kind of invalid message, an opted-out recipient and a Twilio refusal, even when small', () => {
    const { messages, optedOut, refused } = plan(1, 14);
    expect(new Set(messages.map((m) => m.producer))).toEqual(new Set(['queue-json', 'queue-base64', 'event-grid', 'cloud-event', 'http']));
    expect(messages.filter((m) => m.invalid).map((m) => m.invalid)).toEqual([
      'no body',
      'not E.164',
      'unknown field',
      'undecodable',
      'reserved field',
      'sendAt too far',
    ]);
    expect(optedOut.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
  });

  test('gives every message its own key and every valid message its own content, so that lookups are unambiguous', () => {
    const { messages } = plan(2, 300);
    const keys = messages.map((m) => m.key).filter(Boolean);
    expect(new Set(keys).size).toBe(keys.length);
    const calls = messages.filter((m) => m.type === 'call').map((m) => m.to);
    expect(new Set(calls).size).toBe(calls.length);
    const sms = messages.filter((m) => m.type === 'sms' && m.expect === 'send');
    expect(new Set(sms.map((m) => m.text)).size).toBe(sms.length);
    expect(new Set(sms.map((m) => m.to)).size).toBeLessThan(sms.length);
  });

  test('injects each Twilio fault kind once on the first creates, then at about the rate asked for', () => {
    const pick = twilioFaultPicker({ seed: 5, rate: 0.25 });
    const first = TWILIO_FAULT_KINDS.map(() => pick({ create: true }));
    expect([...first].sort()).toEqual([...TWILIO_FAULT_KINDS].sort());
    const later = Array.from({ length: 4000 }, (_, i) => pick({ create: i % 2 === 0 }));
    const faulted = later.filter(Boolean).length / later.length;
    expect(faulted).toBeGreaterThan(0.2);
    expect(faulted).toBeLessThan(0.3);
  });

  test('takes turns: each storage, process and vault fault once per round', () => {
    const turns = planTurns(6, 9);
    expect([...turns.slice(0, 3)].sort()).toEqual(['app-kill', 'azurite-restart', 'vault-outage']);
    expect([...turns.slice(3)].sort()).toEqual(['app-kill', 'azurite-restart', 'vault-outage']);
  });
});

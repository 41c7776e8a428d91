// The fault soak's verdict and its plan: what counts as lost, duplicated or wrong, and what the seeded plan covers.
import {
  auditBatches,
  auditCancels,
  auditEvents,
  auditOutbound,
  auditProblems,
  auditRechecks,
  auditRecordings,
  auditSchedules,
  type AuditEvent,
  type AuditInput,
} from '../../harness/soak/faultAudit';
import { fetchedStatus, planSurface, planTurns, planWorkload, twilioFaultPicker, TWILIO_FAULT_KINDS } from '../../harness/soak/faultPlan';
import { OUTBOUND_EVENT_STATUSES } from '../../shared/events/cloudEvent';
import { lineCorrelationIds } from '../../harness/soak/outboundFaults';
import { assistantKeys, auditCalls, auditStreams, callMessages } from '../../harness/soak/callsAndStreamsFaults';
import { amdResultOf, auditAmd, callbackSequence, type Created } from '../../harness/soak/callbackFaults';

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

  describe('twins: two keys, one recipient, one text', () => {
    const twins = (overrides: { toB?: string; bodies?: [string, string]; bSid?: string } = {}): AuditInput =>
      input({
        messages: [
          { key: 'kA', expect: 'send' },
          { key: 'kB', expect: 'send' },
        ],
        rows: new Map([
          ['kA', { status: 'sent', sid: 'SM1', to: '+14155550001' }],
          ['kB', { status: 'sent', sid: overrides.bSid ?? 'SM2', to: overrides.toB ?? '+14155550001' }],
        ]),
        // A's create never reached Twilio; A's lookup took B's first message, and B sent its own again.
        creates: [
          { key: 'kB', sid: 'SM1', body: overrides.bodies?.[0] ?? 'Your code is 1' },
          { key: 'kB', sid: 'SM2', body: overrides.bodies?.[1] ?? 'Your code is 1' },
        ],
      });

    test('one holding the message the other sent first, the other its second, is a swap: nothing lost or doubled', () => {
      const audit = auditOutbound(twins());
      expect(audit).toMatchObject({ twinsSwapped: 1, lost: 0, duplicated: 0, misattributed: 0, outcomes: { sent: 2 } });
      expect(auditProblems(audit)).toEqual([]);
    });

    test('to another recipient, with other texts, or both rows on one SID, it stays lost and sent twice', () => {
      for (const variant of [
        { toB: '+14155550002' },
        { bodies: ['Your code is 1', 'Your code is 2'] as [string, string] },
        { bSid: 'SM1' },
      ]) {
        const audit = auditOutbound(twins(variant));
        expect({ variant, swapped: audit.twinsSwapped, lost: audit.lost, duplicated: audit.duplicated }).toEqual({
          variant,
          swapped: 0,
          lost: 1,
          duplicated: 1,
        });
      }
    });
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
      line({ correlationId: c, outcome: 'failed' }),
      line({ correlationId: a, outcome: 'accepted' }),
      line({ correlationId: b, messageCorrelationId: a, outcome: 'queued-again' }),
      `[outbound] ${JSON.stringify({ event: 'outbound', key: 'k1', correlationId: a, producerCorrelationId: b, outcome: 'duplicate' })}`,
    ].join('\n');
    expect(lineCorrelationIds(output)).toEqual(new Map([['k1', [a, a, a]]]));
  });

  test('a second producer the send path named as producerCorrelationId counts under the id that recognised it', () => {
    const [a, b] = ['a', 'b'].map((x) => x.repeat(32));
    const job = (id: string, outcome: string) =>
      JSON.stringify({ event: 'voicemail-notification', key: 'vm-1', correlationId: id, outcome });
    const send = (entry: Record<string, unknown>) => JSON.stringify({ event: 'outbound', key: 'vm-1', ...entry });
    const output = [
      job(a, 'voicemail recording RE1 queued to be copied'),
      job(b, 'voicemail recording RE1 queued to be copied'),
      job(b, 'voicemail recording RE1 already copied; notification queued'),
      send({ correlationId: a, outcome: 'sent' }),
      send({ correlationId: a, producerCorrelationId: b, outcome: 'duplicate' }),
    ].join('\n');
    expect(lineCorrelationIds(output)).toEqual(new Map([['vm-1', [a, a, a, a, a]]]));
    // A second id that the send path never recognised is still a split path.
    expect(new Set(lineCorrelationIds(output.split('\n').slice(0, 4).join('\n')).get('vm-1'))).toEqual(new Set([a, b]));
  });

  test("an acceptance that ended rejected is a finished path: the key's next acceptance may take its own id", () => {
    const [a, b] = ['a', 'b'].map((x) => x.repeat(32));
    const send = (id: string, outcome: string) => JSON.stringify({ event: 'outbound', key: 'k1', correlationId: id, outcome });
    const rejectedThenAgain = [send(a, 'will-retry'), send(a, 'rejected'), send(b, 'rejected')].join('\n');
    expect(lineCorrelationIds(rejectedThenAgain)).toEqual(new Map([['k1', [b]]]));
    // An id overwritten while the first acceptance was still under way (it retried, it was not rejected) is a split.
    const overwritten = [send(a, 'will-retry'), send(b, 'sent')].join('\n');
    expect(lineCorrelationIds(overwritten)).toEqual(new Map([['k1', [a, b]]]));
    // So is one that comes back after the rejection.
    const interleaved = [send(a, 'rejected'), send(b, 'will-retry'), send(a, 'duplicate')].join('\n');
    expect(new Set(lineCorrelationIds(interleaved).get('k1'))).toEqual(new Set([a, b]));
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

  test('sends to opted-out recipients from the number they replied STOP to, never through the Messaging Service', () => {
    // Found by the soak (seed 1, message 211): a STOP to the number does not block the service (OPTOUT_SCOPE=sender).
    for (const seed of [1, 2, 8]) {
      const { messages, optedOut } = plan(seed, 300);
      const toOptedOut = messages.filter((m) => optedOut.includes(m.to) && m.expect === 'reject');
      expect(toOptedOut.length).toBeGreaterThan(0);
      const text = (m: { text: string; producer: string }) =>
        m.producer === 'queue-base64' ? Buffer.from(m.text, 'base64').toString() : m.text;
      expect(toOptedOut.filter((m) => text(m).includes('messagingServiceSid'))).toEqual([]);
    }
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

describe('the surface audits', () => {
  const event = (key: string, change: number, status: string, previousStatus: string | null, id = `outbound-${key}/${change}-${status}`) =>
    ({ id, type: 'twilio.outbound.status', subject: key, data: { status, previousStatus } }) satisfies AuditEvent;
  const events = (rows: Map<string, Record<string, unknown>>, list: AuditEvent[]) =>
    auditEvents({ rows, events: list, eventStatuses: OUTBOUND_EVENT_STATUSES });

  test('every change a row counted, with its event on the queue, is neither lost nor duplicated; a redelivered copy is neither', () => {
    const rows = new Map([['k1', { status: 'sent', eventCount: 2 }]]);
    const audit = events(rows, [event('k1', 1, 'accepted', null), event('k1', 2, 'sent', 'sending'), event('k1', 2, 'sent', 'sending')]);
    expect(audit).toMatchObject({ changes: 2, published: 3, lost: 0, duplicated: 0, redeliveredCopies: 1, orphans: 0 });
  });

  test('a counted change without its event, an event left in the outbox, or a final status no event states is lost', () => {
    const missing = events(new Map([['k1', { status: 'sent', eventCount: 2 }]]), [event('k1', 2, 'sent', 'sending')]);
    expect(missing.lost).toBe(1);
    const outbox = events(new Map([['k1', { status: 'sent', eventCount: 1, pendingEvents: [event('k1', 1, 'sent', 'sending')] }]]), []);
    expect(outbox.lost).toBe(1);
    // A status change written without its event (nothing counted it): the final status has no event.
    const uncounted = events(new Map([['k1', { status: 'rejected' }]]), []);
    expect(uncounted.lost).toBe(1);
    // A status that makes no event (sending) is not expected on the queue.
    expect(events(new Map([['k1', { status: 'sending' }]]), []).lost).toBe(0);
  });

  test('one change under two ids is a duplicate, and an event for a key with no row an orphan', () => {
    const rows = new Map([['k1', { status: 'sent', eventCount: 1 }]]);
    const audit = events(rows, [
      event('k1', 1, 'sent', 'sending'),
      event('k1', 1, 'sent', 'sending', 'outbound-k1/other'),
      event('k9', 1, 'sent', null),
    ]);
    expect(audit).toMatchObject({ duplicated: 1, orphans: 1 });
  });

  test('a cancel is right when it answered 200 and nothing was created, or 409 and the message was sent once', () => {
    const rows = new Map([
      ['c1', { status: 'canceled' }],
      ['c2', { status: 'sent', sid: 'SM2' }],
      ['c3', { status: 'canceled' }],
      ['c4', { status: 'sent', sid: 'SM4' }],
      ['c5', { status: 'canceled' }],
    ]);
    const creates = [
      { key: 'c2', sid: 'SM2' },
      { key: 'c3', sid: 'SM3' },
      { key: 'c4', sid: 'SM4' },
    ];
    const audit = auditCancels({
      rows,
      creates,
      cancels: [
        { key: 'c1', answer: 200, answers: [503, 200] },
        { key: 'c2', answer: 409, answers: [409] },
        // Canceled, yet Twilio has it.
        { key: 'c3', answer: 200, answers: [200] },
        // Answered canceled, yet sent.
        { key: 'c4', answer: 200, answers: [200] },
        // Refused, yet canceled.
        { key: 'c5', answer: 409, answers: [409] },
      ],
    });
    expect(audit).toMatchObject({ cancels: 5, canceled: 1, refused: 1, violations: 3 });
  });

  test('a batch recipient sent twice, or a batch never answered in full twice, is a violation', () => {
    const record = { batchKey: 'b', recipientKeys: ['b-1', 'b-2'], answers: [200, 503, 200], completePosts: 2 };
    const rows = new Map([
      ['b-1', { status: 'sent' }],
      ['b-2', { status: 'sent' }],
    ]);
    const once = [
      { key: 'b-1', sid: 'SM1' },
      { key: 'b-2', sid: 'SM2' },
    ];
    expect(auditBatches({ batches: [record], rows, creates: once })).toMatchObject({ recipients: 2, sentOnce: 2, posts: 2, violations: 0 });
    expect(auditBatches({ batches: [record], rows, creates: [...once, { key: 'b-2', sid: 'SM3' }] }).violations).toBe(1);
    expect(auditBatches({ batches: [{ ...record, completePosts: 1 }], rows, creates: once }).violations).toBe(1);
  });

  test('a recording is right when it was copied, texted once with its link, and the link opened', () => {
    const sid = 'RE' + '0'.repeat(32);
    const recording = { sid, notificationKey: `voicemail-recording-${sid}`, webhooks: 1, killedBetweenCopyAndEnqueue: true };
    const text = { key: recording.notificationKey, sid: 'SM1', body: `New voicemail: https://x/api/recordings/${sid}?exp=1&sig=s` };
    const good = auditRecordings({
      recordings: [recording],
      copies: new Set([sid]),
      creates: [text],
      opened: new Set([sid]),
      rows: new Map(),
    });
    expect(good).toMatchObject({ copied: 1, notifiedOnce: 1, survivedKill: 1, linksOpened: 1, violations: 0 });
    expect(
      auditRecordings({ recordings: [recording], copies: new Set(), creates: [text], opened: new Set([sid]), rows: new Map() }).violations,
    ).toBe(1);
    expect(
      auditRecordings({
        recordings: [recording],
        copies: new Set([sid]),
        creates: [text, { ...text, sid: 'SM2' }],
        opened: new Set([sid]),
        rows: new Map(),
      }),
    ).toMatchObject({ notifiedOnce: 0, violations: 1 });
    // Copied, and its notification poisoned by the faults (or refused by Twilio): accounted for, not lost. A row
    // that is not final, or none at all, is still wrong.
    const unsent = (status?: string) =>
      auditRecordings({
        recordings: [recording],
        copies: new Set([sid]),
        creates: [],
        opened: new Set(),
        rows: new Map(status ? [[recording.notificationKey, { status }]] : []),
      });
    expect(unsent('poisoned')).toMatchObject({ notificationsUnsent: 1, violations: 0 });
    expect(unsent('failed')).toMatchObject({ notificationsUnsent: 1, violations: 0 });
    expect(unsent('accepted')).toMatchObject({ notificationsUnsent: 0, violations: 1 });
    expect(unsent()).toMatchObject({ notificationsUnsent: 0, violations: 1 });
  });

  test('re-checks converge to what Twilio reports, or end with a reason; a row still checking or checked past the last is wrong', () => {
    const twilioStatus = (sid: string) => (sid === 'SM1' ? 'delivered' : undefined);
    const audit = (row: Record<string, unknown>, checks: number[]) =>
      auditRechecks({
        rows: new Map([['k', { type: 'sms', ...row }]]),
        checks: checks.map((check) => ({ key: 'k', check })),
        twilioStatus,
        maxChecks: 6,
        maxChains: 5,
      });
    expect(audit({ status: 'delivered', sid: 'SM1' }, [1])).toMatchObject({ final: 1, violations: 0 });
    expect(audit({ status: 'sent', sid: 'SM2', statusChecks: 6, reason: 'no report' }, [1, 2, 3, 4, 5, 6])).toMatchObject({
      checksEnded: 1,
      violations: 0,
    });
    expect(audit({ status: 'sent', sid: 'SM2' }, [1, 2])).toMatchObject({ violations: 1 });
    expect(audit({ status: 'sent', sid: 'SM1', statusChecks: 6, reason: 'gave up' }, [1, 2, 3, 4, 5, 6]).violations).toBe(1);
    expect(
      audit({ status: 'sent', sid: 'SM1', statusChecks: 6, reason: 'the last status check failed: 503' }, [1, 2, 3, 4, 5, 6]).violations,
    ).toBe(0);
    expect(audit({ status: 'delivered', sid: 'SM1' }, [1, 7]).violations).toBe(1);
    expect(
      audit(
        { status: 'delivered', sid: 'SM1' },
        Array.from({ length: 6 }, () => 1),
      ).violations,
    ).toBe(1);
  });

  test('a long schedule sent before it was due, or twice, is wrong', () => {
    const schedules = [{ key: 's', dueAt: 10_000 }];
    const rows = new Map([['s', { status: 'sent' }]]);
    const run = (creates: Array<{ key: string; sid: string; at: number }>) =>
      auditSchedules({ schedules, rows, creates, hops: new Map([['s', 3]]), slackMs: 1000 });
    expect(run([{ key: 's', sid: 'SM1', at: 10_200 }])).toMatchObject({ sentOnTime: 1, hops: 3, fewestHops: 3, violations: 0 });
    expect(run([{ key: 's', sid: 'SM1', at: 5000 }]).violations).toBe(1);
    expect(
      run([
        { key: 's', sid: 'SM1', at: 10_200 },
        { key: 's', sid: 'SM2', at: 10_300 },
      ]).violations,
    ).toBe(1);
  });
});

describe('the surface plan', () => {
  test('is seeded, has at least one of each, and numbers apart from the workload and from each other', () => {
    const plan = planSurface({ count: 300, seed: 4, longestScheduleMs: 60_000 });
    expect(planSurface({ count: 300, seed: 4, longestScheduleMs: 60_000 })).toEqual(plan);
    expect(plan).toMatchObject({
      cancels: { length: 20 },
      batches: { length: 4 },
      recordings: { length: 6 },
      longSchedules: { length: 10 },
    });
    const small = planSurface({ count: 10, seed: 4, longestScheduleMs: 60_000 });
    expect([small.cancels.length, small.batches.length, small.recordings.length, small.longSchedules.length].every((n) => n >= 1)).toBe(
      true,
    );
    const numbers = [
      ...plan.cancels.map((c) => c.to),
      ...plan.batches.flatMap((b) => b.recipients),
      ...plan.recordings.map((r) => r.notify),
      ...plan.longSchedules.map((l) => l.to),
    ];
    expect(new Set(numbers).size).toBe(numbers.length);
    const workload = planWorkload({ count: 300, seed: 4, fromNumber: '+15005550006', now: new Date() });
    expect(numbers.filter((n) => workload.messages.some((m) => m.to === n))).toEqual([]);
    expect(plan.recordings.every((r) => /^RE[0-9a-f]{32}$/.test(r.sid))).toBe(true);
    expect(Math.max(...plan.longSchedules.map((l) => l.dueInMs))).toBe(60_000);
  });

  test('Twilio reports a final status for most SIDs and none for some, the same each time', () => {
    const sids = Array.from({ length: 400 }, (_, i) => `SM${String(i).padStart(32, '0')}`);
    const statuses = sids.map((sid) => fetchedStatus(1, sid, 'sms'));
    expect(sids.map((sid) => fetchedStatus(1, sid, 'sms'))).toEqual(statuses);
    const none = statuses.filter((s) => s === undefined).length / sids.length;
    expect(none).toBeGreaterThan(0.2);
    expect(none).toBeLessThan(0.5);
    expect(new Set(statuses)).toEqual(new Set(['delivered', 'undelivered', undefined]));
  });
});

describe('the audit of the calls and Event Streams batches', () => {
  const call = (callSid: string, confirmed = true) => ({
    callSid,
    greeted: true,
    messageConfirmed: confirmed,
    textConfirmed: confirmed,
    turnPosts: 2,
  });
  const keys = (sid: string) => assistantKeys(sid);
  const activityOf = (...sids: string[]) => sids.map((sid) => ({ kind: 'call', sid }));

  test('a message and a text created once each, one activity row: nothing wrong', () => {
    const creates = [
      { key: keys('CA1').message, sid: 'SM1' },
      { key: keys('CA1').text, sid: 'SM2' },
    ];
    const audit = auditCalls({ calls: [call('CA1')], creates, rows: new Map(), activity: activityOf('CA1') });
    expect(audit).toMatchObject({ messagesSentOnce: 1, textsSentOnce: 1, activityOnce: 1, violations: 0 });
  });

  test('a message created twice is duplicated; one the caller was told about and never created is lost, unless the ledger says why', () => {
    const creates = [
      { key: keys('CA1').message, sid: 'SM1' },
      { key: keys('CA1').message, sid: 'SM2' },
    ];
    const rows = new Map([[keys('CA2').text, { status: 'poisoned', reason: 'gave up' }]]);
    const audit = auditCalls({ calls: [call('CA1'), call('CA2')], creates, rows, activity: activityOf('CA1', 'CA2') });
    // CA1: message twice, text never; CA2: message never, text poisoned (accounted for).
    expect(audit).toMatchObject({ duplicated: 1, lost: 2, violations: 3 });
    // Not confirmed (the fallback answered) and never created: nothing was promised, nothing is lost.
    expect(auditCalls({ calls: [call('CA3', false)], creates: [], rows: new Map(), activity: activityOf('CA3') }).violations).toBe(0);
    expect(callMessages({ calls: [call('CA3', false)], streams: [] }, new Map([[keys('CA3').text, { status: 'sent' }]]))).toEqual([
      { key: keys('CA3').text, expect: 'send' },
    ]);
  });

  test('a call answered 200 without its activity row, or with two, is counted', () => {
    const audit = auditCalls({
      calls: [call('CA1', false), call('CA2', false)],
      creates: [],
      rows: new Map(),
      activity: activityOf('CA2', 'CA2'),
    });
    expect(audit).toMatchObject({ activityMissing: 1, activityDuplicated: 1, violations: 2 });
  });

  test('an Event Streams event missing from the queue is lost; one there more than once is duplicated, alike or not', () => {
    const streams = [{ ids: ['EZ1', 'EZ2', 'EZ3', 'EZ4'], accepted: 1, retried: 0, cutOff: 0 }];
    const event = (id: string, status = 'delivered') => ({ id, type: 'com.twilio.messaging.message.delivered', data: { status } });
    const events = [event('EZ1'), event('EZ3'), event('EZ3'), event('EZ4'), event('EZ4', 'failed'), event('other')];
    const audit = auditStreams({ streams, events, hostOutput: '' });
    expect(audit).toMatchObject({ events: 4, publishedOnce: 1, lost: 1, duplicated: 2, copies: 2, duplicatedUnknowable: 0, differing: 1 });
    expect(audit.examples.map((e) => e.key)).toEqual(['EZ2', 'EZ3', 'EZ4']);
  });

  test('copies of a batch the host was killed in the middle of publishing, or whose queue send was dropped, are counted apart, and only those', () => {
    const line = (fields: object) => `[eventStreams] warning: ${JSON.stringify({ event: 'event-streams', ...fields })}`;
    const hostOutput = [
      // B's publish outlived its answer and never said how it ended; C's did.
      line({ correlationId: 'b', outcome: 'publishing after the deadline', ids: ['EZb'] }),
      line({ correlationId: 'c', outcome: 'publishing after the deadline', ids: ['EZc'] }),
      `{"event":"event-streams","correlationId":"c","outcome":"published after the deadline","ids":["EZc"]}`,
      // D's queue send failed on a refused connection (its first try may have landed); E's on a 503.
      line({
        correlationId: 'd',
        outcome: 'unavailable after the deadline',
        reason: 'events queue: RestError: connect ECONNREFUSED 127.0.0.1:1',
        ids: ['EZd'],
      }),
      line({
        correlationId: 'e',
        outcome: 'not published',
        reason: 'The events sink is unavailable (events queue: RestError: Server busy). Retry.',
        ids: ['EZe'],
      }),
    ].join('\n');
    const streams = [
      { ids: ['EZa'], accepted: 1, retried: 2, cutOff: 1 },
      { ids: ['EZb'], accepted: 1, retried: 1, cutOff: 0 },
      { ids: ['EZc'], accepted: 1, retried: 1, cutOff: 0 },
      { ids: ['EZd'], accepted: 1, retried: 1, cutOff: 0 },
      { ids: ['EZe'], accepted: 1, retried: 1, cutOff: 0 },
    ];
    const event = (id: string) => ({ id, type: 'com.twilio.messaging.message.delivered', data: {} });
    const events = ['EZa', 'EZa', 'EZb', 'EZb', 'EZc', 'EZc', 'EZd', 'EZd', 'EZe', 'EZe'].map(event);
    const audit = auditStreams({ streams, events, hostOutput });
    expect(audit).toMatchObject({ duplicated: 2, duplicatedUnknowable: 3, copies: 5 });
    expect(audit.examples.map((e) => e.key)).toEqual(['EZc', 'EZe']);
  });
});

describe("the fault phase's AMD results", () => {
  const sids = Array.from({ length: 200 }, (_, i) => `CA${String(i).padStart(32, '0')}`);
  const call = (sid: string, mode?: string): Created => ({
    sid,
    kind: 'call',
    callback: 'https://calls.example.test/api/status?key=k1',
    ...(mode && { amdCallback: 'https://calls.example.test/api/status?key=k1', amdMode: mode }),
  });
  const answeredSid = sids.find((sid) => fetchedStatus(1, sid, 'call') === 'completed')!;
  const unansweredSid = sids.find((sid) => fetchedStatus(1, sid, 'call') !== 'completed')!;

  test('an answered call placed with machine detection gets its result after in-progress, in the order its callbacks take', () => {
    const created = call(answeredSid, 'Enable');
    const amd = { answeredBy: amdResultOf(1, answeredSid, 'Enable') };
    const inOrder = [{ status: 'ringing' }, { status: 'in-progress' }, amd, { status: 'completed' }];
    expect(callbackSequence(1, created, 'in order')).toEqual(inOrder);
    expect(callbackSequence(1, created, 'reordered')).toEqual([...inOrder].reverse());
    expect(callbackSequence(1, created, 'replayed')).toEqual([...inOrder.flatMap((c) => [c, c]), ...inOrder]);
    expect(callbackSequence(1, created, 'dropped')).toEqual([]);
  });

  test('no result for a call never answered, or placed without machine detection', () => {
    expect(callbackSequence(1, call(unansweredSid, 'Enable'), 'in order').filter((c) => 'answeredBy' in c)).toEqual([]);
    expect(callbackSequence(1, call(answeredSid), 'in order').filter((c) => 'answeredBy' in c)).toEqual([]);
  });

  test('a machineSay call mostly meets a machine at its beep; the plan places calls of both kinds', () => {
    const results = sids.map((sid) => amdResultOf(2, sid, 'DetectMessageEnd'));
    expect(new Set(results)).toEqual(new Set(['machine_end_beep', 'human']));
    expect(new Set(sids.map((sid) => amdResultOf(2, sid, 'Enable')))).toEqual(new Set(['human', 'machine_start']));
    const calls = planWorkload({ count: 300, seed: 1, fromNumber: '+15005550006', now: new Date() }).messages.filter(
      (m) => m.type === 'call' && m.expect === 'send',
    );
    const text = (m: { text: string; producer: string }) =>
      m.producer === 'queue-base64' ? Buffer.from(m.text, 'base64').toString() : m.text;
    expect(calls.filter((m) => text(m).includes('"machineDetection":"Enable"')).length).toBeGreaterThan(calls.length / 5);
    expect(calls.filter((m) => text(m).includes('"machineSay"')).length).toBeGreaterThan(calls.length / 10);
  });

  test('the row must end with the result posted, and a machine at its beep on a machineSay call be given the message once', () => {
    const given = [
      { key: 'k1', sid: 'CA1', answeredBy: 'human', mode: 'Enable' },
      { key: 'k2', sid: 'CA2', answeredBy: 'machine_end_beep', mode: 'DetectMessageEnd' },
    ];
    const rows = new Map([
      ['k1', { answeredBy: 'human' }],
      ['k2', { answeredBy: 'machine_end_beep' }],
    ]);
    expect(auditAmd({ given, rows, callUpdates: new Map([['CA2', 1]]) })).toMatchObject({
      calls: 2,
      recorded: 2,
      machineMessages: 1,
      switchedOnce: 1,
      violations: 0,
    });
    const wrongRow = new Map([...rows, ['k1', { answeredBy: 'machine_start' }]]);
    expect(auditAmd({ given, rows: wrongRow, callUpdates: new Map([['CA2', 1]]) })).toMatchObject({ recorded: 1, violations: 1 });
    expect(auditAmd({ given, rows, callUpdates: new Map() })).toMatchObject({ switchMissing: 1, violations: 1 });
    expect(auditAmd({ given, rows, callUpdates: new Map([['CA2', 2]]) })).toMatchObject({ switchedTwice: 1, violations: 1 });
    expect(
      auditAmd({
        given,
        rows,
        callUpdates: new Map([
          ['CA1', 1],
          ['CA2', 1],
        ]),
      }),
    ).toMatchObject({ switchedTwice: 1, violations: 1 });
  });
});

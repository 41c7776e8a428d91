// The fault soak's verdict: where each planned message ended up (ledger row, poison queue) and what Twilio
// received for it, from which it counts the lost, the duplicated and anything else that breaks the outbound
// guarantee (docs/outbound.md, The guarantee, precisely); then the rest of the surface: events, cancels, batches, recordings, status
// re-checks and long schedules. Pure: the caller reads the table, the queues, the blobs, the log and the proxy's record.
import type { Expectation } from './faultPlan';

export interface AuditMessage {
  key: string;
  expect: Expectation;
}

/** The ledger row fields the audit reads. */
export interface AuditRow {
  status?: unknown;
  sid?: unknown;
  reason?: unknown;
  errorCode?: unknown;
  errorMessage?: unknown;
  reconciled?: unknown;
  attempts?: unknown;
  correlationId?: unknown;
  to?: unknown;
}

/** A create Twilio answered 201 to, whether or not the app heard the answer. */
export interface AuditCreate {
  /** From the statusCallback URL the app sent (…/api/status?key=…). */
  key?: string;
  sid: string;
  /** When Twilio got it (ms since the epoch). */
  at?: number;
  /** The SMS body sent. */
  body?: string;
}

export interface AuditInput {
  messages: AuditMessage[];
  rows: Map<string, AuditRow>;
  /** Keys of the messages in `<queue>-poison`, with how many copies. */
  poison: Map<string, number>;
  creates: AuditCreate[];
  /**
   * Per key, the message's correlationId as each of its structured log lines names it (docs/outbound.md, One id through the
   * path): a line's `correlationId`, or for a producer's retried acceptance its `messageCorrelationId`.
   */
  lineIds?: Map<string, string[]>;
}

export interface KeyDetail {
  key: string;
  detail: string;
}

export interface Audit {
  messages: number;
  /** Per final place: ledger status, `poisoned` (row poisoned and message in the poison queue), or `lost`. */
  outcomes: Record<string, number>;
  /** No final ledger status and not in the poison queue; or the ledger says sent and Twilio has no create for it. */
  lost: number;
  /** More than one create at Twilio for one key. */
  duplicated: number;
  /** The ledger's SID is another key's create: a lookup took someone else's message for this one. */
  misattributed: number;
  /** In the poison queue while the ledger says something else. */
  poisonUnrecorded: number;
  /** In the poison queue although Twilio did create it (the app never heard): not lost, not sent twice. */
  poisonedAfterTwilioCreated: number;
  /** Found on Twilio after a lost answer rather than sent again. */
  reconciled: number;
  /**
   * Pairs of keys with the same recipient and text where, after a lost answer, one key's lookup took its twin's
   * message and the twin then sent its own: two identical messages for two keys, each row a different one of them.
   * The recipient gets what was asked; by key it would read as one lost and one sent twice (docs/outbound.md).
   */
  twinsSwapped: number;
  /** An outcome the message cannot have: e.g. an invalid one sent, a valid one rejected. */
  unexpected: number;
  /** failed without an error code or message, rejected without a reason. */
  withoutReason: number;
  /** Creates whose statusCallback carries no key of this run. */
  unknownCreates: number;
  /** Messages whose log lines name more than one correlationId, or not their ledger row's. */
  splitIds: number;
  /** The first few of each kind of problem, for the report. */
  examples: KeyDetail[];
}

const SENT = new Set(['sent', 'delivered', 'undelivered']);
const ALLOWED: Record<Expectation, ReadonlySet<string>> = {
  send: new Set([...SENT, 'poisoned']),
  reject: new Set(['rejected']),
  refuse: new Set(['failed', 'poisoned']),
  // Either outcome of a cancel racing the send; auditCancels checks that the cancel's answer agrees.
  'send-or-cancel': new Set([...SENT, 'poisoned', 'canceled']),
};
const MAX_EXAMPLES = 20;

function place(row: AuditRow | undefined, inPoison: boolean): string {
  const status = typeof row?.status === 'string' ? row.status : undefined;
  if (status && (SENT.has(status) || status === 'failed' || status === 'rejected' || status === 'canceled')) return status;
  if (inPoison) return status === 'poisoned' ? 'poisoned' : `in poison, ledger ${status ?? 'missing'}`;
  return 'lost';
}

export function auditOutbound(input: AuditInput): Audit {
  const audit: Audit = {
    messages: input.messages.length,
    outcomes: {},
    lost: 0,
    duplicated: 0,
    misattributed: 0,
    poisonUnrecorded: 0,
    poisonedAfterTwilioCreated: 0,
    reconciled: 0,
    twinsSwapped: 0,
    unexpected: 0,
    withoutReason: 0,
    unknownCreates: 0,
    splitIds: 0,
    examples: [],
  };
  const note = (key: string, detail: string) => {
    if (audit.examples.length < MAX_EXAMPLES) audit.examples.push({ key, detail });
  };
  const createsByKey = new Map<string, AuditCreate[]>();
  const planned = new Set(input.messages.map((m) => m.key));
  for (const create of input.creates) {
    if (!create.key || !planned.has(create.key)) audit.unknownCreates++;
    if (create.key) createsByKey.set(create.key, [...(createsByKey.get(create.key) ?? []), create]);
  }
  const swapped = twinSwaps(input, createsByKey);
  audit.twinsSwapped = swapped.size / 2;
  for (const [key, twin] of swapped) if (key < twin) note(key, `swapped with its twin ${twin}: same recipient and text, one message each`);

  for (const message of input.messages) {
    const row = input.rows.get(message.key);
    // A swapped twin's message is the one its row holds, whichever key Twilio's callback URL names.
    const creates = swapped.has(message.key) ? input.creates.filter((c) => c.sid === row?.sid) : (createsByKey.get(message.key) ?? []);
    const described = `row ${JSON.stringify(row?.status ?? null)}, ${creates.length} create(s) at Twilio${input.poison.has(message.key) ? ', in poison' : ''}`;
    let outcome = place(row, input.poison.has(message.key));
    if (SENT.has(outcome) && creates.length === 0) {
      outcome = 'lost';
      note(message.key, `ledger says ${String(row?.status)} (sid ${String(row?.sid)}) but Twilio has no create for this key`);
    } else if (outcome === 'lost') {
      note(message.key, `lost: ${described}`);
    }
    audit.outcomes[outcome] = (audit.outcomes[outcome] ?? 0) + 1;
    if (outcome === 'lost') audit.lost++;
    if (outcome.startsWith('in poison,')) {
      audit.poisonUnrecorded++;
      note(message.key, `in the poison queue but the ledger says ${String(row?.status ?? 'nothing')}`);
    }
    if ((outcome === 'poisoned' || outcome.startsWith('in poison,')) && creates.length > 0) audit.poisonedAfterTwilioCreated++;
    if (creates.length > 1) {
      audit.duplicated++;
      note(message.key, `sent ${creates.length} times: ${creates.map((c) => c.sid).join(', ')}`);
    }
    if (typeof row?.sid === 'string' && !creates.some((c) => c.sid === row.sid)) {
      audit.misattributed++;
      note(message.key, `ledger sid ${row.sid} is not a create for this key`);
    }
    if (row?.reconciled === true) audit.reconciled++;
    const isUnexpected = outcome !== 'lost' && !outcome.startsWith('in poison,') && !ALLOWED[message.expect].has(outcome);
    const invalidSent = (message.expect === 'reject' || message.expect === 'refuse') && creates.length > 0;
    if (isUnexpected || invalidSent) {
      audit.unexpected++;
      note(message.key, `expected ${message.expect}, got ${outcome} (${described})`);
    }
    const missingReason =
      (outcome === 'failed' && row?.errorCode === undefined && row?.errorMessage === undefined) ||
      ((outcome === 'rejected' || outcome === 'poisoned') && !row?.reason);
    if (missingReason) {
      audit.withoutReason++;
      note(message.key, `${outcome} without a reason`);
    }
    const ids = new Set(input.lineIds?.get(message.key) ?? []);
    if (typeof row?.correlationId === 'string' && ids.size > 0) ids.add(row.correlationId);
    if (ids.size > 1) {
      audit.splitIds++;
      note(message.key, `log lines under ${ids.size} correlation ids (row: ${String(row?.correlationId)}): ${[...ids].join(', ')}`);
    }
  }
  return audit;
}

/**
 * Keys A and B (each mapped to the other) where A's row holds one of B's two creates and A has none, B's row holds
 * the other, both rows name the same recipient and both creates carry the same text (or none, for calls).
 */
function twinSwaps(input: AuditInput, createsByKey: Map<string, AuditCreate[]>): Map<string, string> {
  const owner = new Map(input.creates.flatMap((c) => (c.key ? [[c.sid, c.key] as const] : [])));
  const swapped = new Map<string, string>();
  for (const { key } of input.messages) {
    const row = input.rows.get(key);
    if ((createsByKey.get(key) ?? []).length || typeof row?.sid !== 'string' || !SENT.has(String(row.status))) continue;
    const twin = owner.get(row.sid);
    const twinRow = twin === undefined ? undefined : input.rows.get(twin);
    const twinCreates = twin === undefined ? [] : (createsByKey.get(twin) ?? []);
    const isTwin =
      twin !== undefined &&
      twin !== key &&
      !swapped.has(twin) &&
      typeof row.to === 'string' &&
      twinRow?.to === row.to &&
      SENT.has(String(twinRow.status)) &&
      twinCreates.length === 2 &&
      twinCreates[0].body === twinCreates[1].body &&
      typeof twinRow.sid === 'string' &&
      twinRow.sid !== row.sid &&
      twinCreates.some((c) => c.sid === twinRow.sid);
    if (isTwin) swapped.set(key, twin).set(twin, key);
  }
  return swapped;
}

/** What makes the phase fail: every count here must be 0. */
export function auditProblems(audit: Audit): string[] {
  const problems: string[] = [];
  const check = (count: number, what: string) => {
    if (count > 0) problems.push(`${count} ${what}`);
  };
  check(audit.lost, 'lost (no final ledger status and not in the poison queue)');
  check(audit.duplicated, 'sent more than once');
  check(audit.misattributed, "recorded with another message's SID");
  check(audit.poisonUnrecorded, 'in the poison queue without the ledger saying so');
  check(audit.unexpected, 'with an outcome they cannot have');
  check(audit.withoutReason, 'failed, rejected or poisoned without a reason');
  check(audit.unknownCreates, 'creates at Twilio for no message of this run');
  check(audit.splitIds, 'with log lines under more than one correlation id');
  return problems;
}

// The rest of the surface under the same faults. Each audit reads only what the run recorded and returns counts
// (every `violations` must be 0) plus a few examples.

const FINAL_AFTER_SENT = new Set(['delivered', 'undelivered', 'failed']);
export const pushExample = (examples: KeyDetail[], key: string, detail: string) => {
  if (examples.length < MAX_EXAMPLES) examples.push({ key, detail });
};
const createsFor = (creates: AuditCreate[], key: string) => creates.filter((c) => c.key === key);

/** A twilio.outbound.status event as read back from the events queue. */
export interface AuditEvent {
  id: string;
  type: string;
  subject: string;
  data?: { status?: unknown; previousStatus?: unknown; answeredBy?: unknown };
}

export interface EventRow extends AuditRow {
  eventCount?: unknown;
  pendingEvents?: unknown;
}

export interface EventsAudit {
  /** Ledger rows looked at, and the status changes their counters say they made. */
  rows: number;
  changes: number;
  /** twilio.outbound.status messages on the events queue (copies included). */
  published: number;
  /**
   * Changes with no event on the queue: a change number the row counted with no event of that number, an event
   * still in the row's outbox at the end, or a row whose final status has no event saying so.
   */
  lost: number;
  /** Changes published under more than one id (a redelivery that a consumer would not recognise as one). */
  duplicated: number;
  /** Extra copies of an id already on the queue: at-least-once redelivery, which consumers drop by id. */
  redeliveredCopies: number;
  /** Events about a key the ledger has no row for. */
  orphans: number;
  examples: KeyDetail[];
}

/**
 * Every status change of a ledger row has its event on the queue, under one id. `eventStatuses`: the statuses
 * that make events (shared/events/cloudEvent.ts OUTBOUND_EVENT_STATUSES), so a status added there is audited too.
 */
export function auditEvents(input: { rows: Map<string, EventRow>; events: AuditEvent[]; eventStatuses: readonly string[] }): EventsAudit {
  const audit: EventsAudit = {
    rows: input.rows.size,
    changes: 0,
    published: 0,
    lost: 0,
    duplicated: 0,
    redeliveredCopies: 0,
    orphans: 0,
    examples: [],
  };
  const byKey = new Map<string, AuditEvent[]>();
  const copies = new Map<string, number>();
  for (const event of input.events) {
    if (event.type !== 'twilio.outbound.status') continue;
    audit.published++;
    copies.set(event.id, (copies.get(event.id) ?? 0) + 1);
    byKey.set(event.subject, [...(byKey.get(event.subject) ?? []), event]);
  }
  for (const count of copies.values()) audit.redeliveredCopies += count - 1;
  for (const [key, events] of byKey) {
    if (!input.rows.has(key)) {
      audit.orphans++;
      pushExample(audit.examples, key, `${events.length} event(s) for a key with no ledger row`);
    }
    // One change, one id: the same transition (the status, the one it left) under two ids is a duplicate.
    const idsPerChange = new Map<string, Set<string>>();
    for (const e of events) {
      // A call's answering-machine result is a change of its own, without a change of status.
      const change = `${String(e.data?.previousStatus)}->${String(e.data?.status)}${e.data?.answeredBy ? ` (${String(e.data.answeredBy)})` : ''}`;
      idsPerChange.set(change, (idsPerChange.get(change) ?? new Set()).add(e.id));
    }
    for (const [change, ids] of idsPerChange) {
      if (ids.size < 2) continue;
      audit.duplicated++;
      pushExample(audit.examples, key, `change ${change} published under ${ids.size} ids: ${[...ids].join(', ')}`);
    }
  }
  for (const [key, row] of input.rows) {
    const events = byKey.get(key) ?? [];
    const ids = new Set(events.map((e) => e.id));
    const count = typeof row.eventCount === 'number' ? row.eventCount : 0;
    audit.changes += count;
    let lost = 0;
    for (let change = 1; change <= count; change++) {
      if (!events.some((e) => e.id.startsWith(`outbound-${key}/${change}-`))) lost++;
    }
    const pending = Array.isArray(row.pendingEvents) ? (row.pendingEvents as Array<{ id?: unknown }>) : [];
    const unpublished = pending.filter((e) => !ids.has(String(e.id))).length;
    const status = typeof row.status === 'string' ? row.status : undefined;
    const finalWithoutEvent =
      status !== undefined && input.eventStatuses.includes(status) && !events.some((e) => e.data?.status === status);
    // A pending event missing from the queue is also a change number without its event: count it once.
    const missing = Math.max(lost, unpublished) + (finalWithoutEvent && lost === 0 && unpublished === 0 ? 1 : 0);
    if (missing > 0) {
      audit.lost += missing;
      pushExample(
        audit.examples,
        key,
        `row ${status} counts ${count} change(s); ${lost} without an event, ${unpublished} still in the outbox` +
          (finalWithoutEvent ? `, no event says ${status}` : ''),
      );
    }
  }
  return audit;
}

export interface CancelRecord {
  key: string;
  /** The DELETE's final answer (after retries while the app or storage was down). */
  answer: number;
  /** Every answer, retries included. */
  answers: number[];
}

export interface CancelsAudit {
  cancels: number;
  /** 200, the row canceled, nothing created on Twilio. */
  canceled: number;
  /** 409, and the message sent once (or poisoned by the faults, never sent twice). */
  refused: number;
  /** Anything else: a cancel answered 200 for a message that went out, a 409 for one that did not, 404, two creates. */
  violations: number;
  examples: KeyDetail[];
}

/** A cancel racing a send ends in exactly one outcome: canceled and never created, or sent and the cancel refused. */
export function auditCancels(input: { cancels: CancelRecord[]; rows: Map<string, AuditRow>; creates: AuditCreate[] }): CancelsAudit {
  const audit: CancelsAudit = { cancels: input.cancels.length, canceled: 0, refused: 0, violations: 0, examples: [] };
  for (const cancel of input.cancels) {
    const status = input.rows.get(cancel.key)?.status;
    const created = createsFor(input.creates, cancel.key).length;
    const described = `DELETE answered ${cancel.answers.join(', ')}; row ${String(status)}; ${created} create(s) at Twilio`;
    if (cancel.answer === 200 && status === 'canceled' && created === 0) audit.canceled++;
    else if (cancel.answer === 409 && status !== 'canceled' && created <= 1 && (created === 1 || status === 'poisoned')) audit.refused++;
    else {
      audit.violations++;
      pushExample(audit.examples, cancel.key, described);
    }
  }
  return audit;
}

export interface BatchRecord {
  batchKey: string;
  /** The keys the batch API derived, one per recipient. */
  recipientKeys: string[];
  /** The answers to every POST of the batch, retries while the app or storage was down included. */
  answers: number[];
  /** POSTs answered 200, each with one result per recipient. */
  completePosts: number;
}

export interface BatchesAudit {
  batches: number;
  recipients: number;
  /** POSTs answered 200 (each batch is posted at least twice). */
  posts: number;
  /** Recipients with exactly one create on Twilio. */
  sentOnce: number;
  /** Recipients the faults poisoned (at most one create, the row `poisoned`, the message in the poison queue). */
  poisoned: number;
  violations: number;
  examples: KeyDetail[];
}

/** A batch posted again by its producer sends each recipient once. */
export function auditBatches(input: { batches: BatchRecord[]; rows: Map<string, AuditRow>; creates: AuditCreate[] }): BatchesAudit {
  const audit: BatchesAudit = {
    batches: input.batches.length,
    recipients: 0,
    posts: 0,
    sentOnce: 0,
    poisoned: 0,
    violations: 0,
    examples: [],
  };
  for (const batch of input.batches) {
    audit.posts += batch.completePosts;
    if (batch.completePosts < 2) {
      audit.violations++;
      pushExample(audit.examples, batch.batchKey, `only ${batch.completePosts} complete answer(s): ${batch.answers.join(', ')}`);
    }
    for (const key of batch.recipientKeys) {
      audit.recipients++;
      const created = createsFor(input.creates, key).length;
      const status = input.rows.get(key)?.status;
      if (created === 1 && typeof status === 'string' && SENT.has(status)) audit.sentOnce++;
      else if (created <= 1 && status === 'poisoned') audit.poisoned++;
      else {
        audit.violations++;
        pushExample(audit.examples, key, `recipient of ${batch.batchKey}: row ${String(status)}, ${created} create(s)`);
      }
    }
  }
  return audit;
}

export interface RecordingRecord {
  sid: string;
  /** The notification's idempotency key (voicemail-recording-<sid>). */
  notificationKey: string;
  /** Record action webhooks that answered 200 (Twilio's retries included). */
  webhooks: number;
  /** The host was killed after the copy was made and before the notification was queued. */
  killedBetweenCopyAndEnqueue: boolean;
}

export interface RecordingsAudit {
  recordings: number;
  /** With their copy in Blob storage. */
  copied: number;
  /** Texted exactly once, with a link to this recording. */
  notifiedOnce: number;
  /** Of those, the ones whose host was killed between the copy and the enqueue. */
  survivedKill: number;
  /** The notification's link opened the copy (200, the audio). */
  linksOpened: number;
  /**
   * Copied, but the notification never reached Twilio and its ledger row says why: `poisoned` (in the outbound
   * poison queue, for replay) or `failed` (refused by Twilio). Accounted for as any outbound message is.
   */
  notificationsUnsent: number;
  violations: number;
  examples: KeyDetail[];
}

/** Each recording callback copies its recording and texts its link exactly once, whatever killed the host when. */
export function auditRecordings(input: {
  recordings: RecordingRecord[];
  copies: ReadonlySet<string>;
  creates: AuditCreate[];
  /** The SIDs whose notified link opened the audio. */
  opened: ReadonlySet<string>;
  /** Ledger rows by key (the notifications' included). */
  rows: ReadonlyMap<string, AuditRow>;
}): RecordingsAudit {
  const audit: RecordingsAudit = {
    recordings: input.recordings.length,
    copied: 0,
    notifiedOnce: 0,
    survivedKill: 0,
    linksOpened: 0,
    notificationsUnsent: 0,
    violations: 0,
    examples: [],
  };
  for (const recording of input.recordings) {
    const copied = input.copies.has(recording.sid);
    const texts = createsFor(input.creates, recording.notificationKey);
    const linked = texts.length === 1 && (texts[0].body ?? '').includes(`/recordings/${recording.sid}?`);
    const opened = input.opened.has(recording.sid);
    if (copied) audit.copied++;
    if (linked) audit.notifiedOnce++;
    if (opened) audit.linksOpened++;
    if (linked && copied && recording.killedBetweenCopyAndEnqueue) audit.survivedKill++;
    const status = input.rows.get(recording.notificationKey)?.status;
    const unsent = copied && texts.length === 0 && (status === 'poisoned' || status === 'failed');
    if (unsent) audit.notificationsUnsent++;
    if (!unsent && (!copied || !linked || !opened || recording.webhooks === 0)) {
      audit.violations++;
      pushExample(
        audit.examples,
        recording.sid,
        `${recording.webhooks} webhook(s); copy ${copied ? 'made' : 'missing'}; ${texts.length} notification(s)${linked ? '' : ' (none with its link)'}, ledger ${status ?? 'none'}; link ${opened ? 'opened' : 'did not open'}`,
      );
    }
  }
  return audit;
}

/** One `status-check` log entry of the app: a check of `key`, number `check`. */
export interface CheckEntry {
  key: string;
  check: number;
}

export interface RechecksAudit {
  /** Rows sent under a SID, each of which has a chain of status checks. */
  rows: number;
  /** Rows the checks moved to what Twilio reports (delivered, undelivered, failed). */
  final: number;
  /** Rows left `sent` after the last check, with its reason (Twilio never gave a final status). */
  checksEnded: number;
  /** Checks made in all, and the most for one row. */
  checks: number;
  maxChecksPerRow: number;
  /** A row still checking, one left at a status other than Twilio's, a check past the last, or more than two chains. */
  violations: number;
  examples: KeyDetail[];
}

/**
 * Status re-checks of rows without callbacks converge: each row ends at the status Twilio reports, or, when Twilio
 * never reports a final one, stays `sent` with its checks counted and a reason; and no row is checked without end
 * (check numbers up to `maxChecks`, at most `maxChains` chains: a redelivery may start another, see the orchestrator).
 */
export function auditRechecks(input: {
  rows: Map<string, AuditRow & { type?: unknown; statusChecks?: unknown; twilioStatus?: unknown }>;
  checks: CheckEntry[];
  /** What Twilio answers a fetch of this SID, as the run told the mock (undefined: no final status). */
  twilioStatus: (sid: string, kind: 'sms' | 'call') => string | undefined;
  maxChecks: number;
  /** The most chains one row may have: one per delivery of its message (maxDequeueCount). */
  maxChains: number;
}): RechecksAudit {
  const audit: RechecksAudit = {
    rows: 0,
    final: 0,
    checksEnded: 0,
    checks: input.checks.length,
    maxChecksPerRow: 0,
    violations: 0,
    examples: [],
  };
  const perKey = new Map<string, number[]>();
  for (const { key, check } of input.checks) perKey.set(key, [...(perKey.get(key) ?? []), check]);
  const ledgerFor = (twilio: string | undefined) =>
    twilio === undefined ? 'sent' : twilio === 'delivered' || twilio === 'completed' ? 'delivered' : 'undelivered';
  for (const [key, row] of input.rows) {
    const status = typeof row.status === 'string' ? row.status : '';
    if (typeof row.sid !== 'string' || (status !== 'sent' && !FINAL_AFTER_SENT.has(status))) continue;
    if (row.type !== 'sms' && row.type !== 'call') continue;
    audit.rows++;
    const checks = perKey.get(key) ?? [];
    audit.maxChecksPerRow = Math.max(audit.maxChecksPerRow, checks.length);
    const chains = Math.max(1, checks.filter((c) => c === 1).length);
    const expected = ledgerFor(input.twilioStatus(row.sid, row.type));
    const problems: string[] = [];
    const ended = status === 'sent' && row.statusChecks === input.maxChecks;
    // The last check's lookup failing ends the checks too (the orchestrator's rule): an outcome with its reason.
    const endedOnFailure = ended && /last status check failed/.test(String(row.reason ?? ''));
    if (status === 'sent' && !ended) problems.push(`still sent after ${checks.length} check(s), none the last`);
    if (ended && !row.reason) problems.push('checks ended without a reason');
    if (FINAL_AFTER_SENT.has(status)) audit.final++;
    else if (ended) audit.checksEnded++;
    if (status !== expected && !endedOnFailure)
      problems.push(`ends ${status} while Twilio reports ${input.twilioStatus(row.sid, row.type) ?? 'no final status'}`);
    if (checks.some((c) => c > input.maxChecks)) problems.push(`check number past ${input.maxChecks}`);
    // Each delivery of the send may start a chain (a redelivery after the process died); a redelivered check repeats one.
    if (chains > input.maxChains || checks.length > 2 * input.maxChains * input.maxChecks)
      problems.push(`${checks.length} checks in ${chains} chains`);
    if (problems.length) {
      audit.violations++;
      pushExample(audit.examples, key, `${problems.join('; ')} (checks ${checks.join(',') || 'none'})`);
    }
  }
  return audit;
}

export interface ScheduleRecord {
  key: string;
  /** The sendAt given (ms since the epoch). */
  dueAt: number;
}

export interface SchedulesAudit {
  schedules: number;
  /** Sent once, not before they were due. */
  sentOnTime: number;
  /** Poisoned by the faults (at most one create, none early, the message in the poison queue). */
  poisoned: number;
  /** Times a message came back before it was due and went back on the queue for the rest, in all and the fewest for one. */
  hops: number;
  fewestHops: number;
  violations: number;
  examples: KeyDetail[];
}

/** Long schedules survive the faults between their hops: each is sent once, and not early. */
export function auditSchedules(input: {
  schedules: ScheduleRecord[];
  rows: Map<string, AuditRow>;
  creates: AuditCreate[];
  /** The app's `scheduled` log entries per key: one per hop. */
  hops: Map<string, number>;
  /** Twilio's clock may be this much ahead of the app's decision (the orchestrator's slack). */
  slackMs: number;
}): SchedulesAudit {
  const audit: SchedulesAudit = {
    schedules: input.schedules.length,
    sentOnTime: 0,
    poisoned: 0,
    hops: 0,
    fewestHops: Infinity,
    violations: 0,
    examples: [],
  };
  for (const schedule of input.schedules) {
    const creates = createsFor(input.creates, schedule.key);
    const status = input.rows.get(schedule.key)?.status;
    const hops = input.hops.get(schedule.key) ?? 0;
    audit.hops += hops;
    audit.fewestHops = Math.min(audit.fewestHops, hops);
    const early = creates.some((c) => c.at !== undefined && c.at < schedule.dueAt - input.slackMs);
    if (creates.length === 1 && !early && typeof status === 'string' && SENT.has(status)) audit.sentOnTime++;
    else if (creates.length <= 1 && !early && status === 'poisoned') audit.poisoned++;
    else {
      audit.violations++;
      pushExample(
        audit.examples,
        schedule.key,
        `row ${String(status)}, ${creates.length} create(s)${early ? `, sent ${Math.round((schedule.dueAt - creates[0].at!) / 1000)} s early` : ''}; ${hops} hop(s)`,
      );
    }
  }
  if (!Number.isFinite(audit.fewestHops)) audit.fewestHops = 0;
  return audit;
}

export interface ActivityAudit {
  /** Voicemail webhooks that answered 200 (each recording's, once or twice). */
  answered: number;
  /** Of their events, those with exactly one activity row. */
  recordedOnce: number;
  /** An answered event without its row. */
  missing: number;
  /** An event with more than one row. */
  duplicated: number;
  violations: number;
  examples: KeyDetail[];
}

/** Every inbound event whose webhook answered 200 has exactly one activity row (the voicemails' here). */
export function auditActivity(input: {
  recordings: Array<{ sid: string; webhooks: number }>;
  /** The activity table's rows: their recording SID, for a voicemail. */
  rows: Array<{ kind: string; recordingSid?: string }>;
}): ActivityAudit {
  const audit: ActivityAudit = { answered: 0, recordedOnce: 0, missing: 0, duplicated: 0, violations: 0, examples: [] };
  for (const recording of input.recordings) {
    if (recording.webhooks === 0) continue;
    audit.answered++;
    const rows = input.rows.filter((r) => r.kind === 'voicemail' && r.recordingSid === recording.sid).length;
    if (rows === 1) audit.recordedOnce++;
    else if (rows === 0) {
      audit.missing++;
      pushExample(audit.examples, recording.sid, 'its voicemail webhook answered 200 and no activity row exists');
    } else {
      audit.duplicated++;
      pushExample(audit.examples, recording.sid, `${rows} activity rows for one event`);
    }
  }
  audit.violations = audit.missing + audit.duplicated;
  return audit;
}

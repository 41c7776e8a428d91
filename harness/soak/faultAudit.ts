// The fault soak's verdict: where each planned message ended up (ledger row, poison queue) and what Twilio
// received for it, from which it counts the lost, the duplicated and anything else that breaks the outbound
// guarantee (README, Outbound queue). Pure: the caller reads the table, the queues and the proxy's record.
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
}

/** A create Twilio answered 201 to, whether or not the app heard the answer. */
export interface AuditCreate {
  /** From the statusCallback URL the app sent (…/api/status?key=…). */
  key?: string;
  sid: string;
}

export interface AuditInput {
  messages: AuditMessage[];
  rows: Map<string, AuditRow>;
  /** Keys of the messages in `<queue>-poison`, with how many copies. */
  poison: Map<string, number>;
  creates: AuditCreate[];
  /**
   * Per key, the message's correlationId as each of its structured log lines names it (README, One id through the
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
};
const MAX_EXAMPLES = 20;

function place(row: AuditRow | undefined, inPoison: boolean): string {
  const status = typeof row?.status === 'string' ? row.status : undefined;
  if (status && (SENT.has(status) || status === 'failed' || status === 'rejected')) return status;
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

  for (const message of input.messages) {
    const row = input.rows.get(message.key);
    const creates = createsByKey.get(message.key) ?? [];
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
    const invalidSent = message.expect !== 'send' && creates.length > 0;
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

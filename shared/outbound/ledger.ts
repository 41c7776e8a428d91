// The ledger's state machine: one row per idempotency key, and every change to it as a pure transition
// `(row | undefined) => new row | undefined` (undefined: leave the row alone). shared/outbound/ledgerTable.ts applies a
// transition with an ETag, re-reading and re-applying it when another writer got there first.
//
//   accepted ──► sending ──► sent ──► delivered | undelivered | failed
//      │            │ ▲
//      │            ▼ │ (lease expired: take over, look the send up on Twilio first)
//      │         poisoned (also while the queue's last delivery is under way: see claim)
//      ├──► rejected (invalid or opted out; nothing was sent, so a later message may claim the key again)
//      └──► canceled (DELETE /api/outbound/{key} before the send; for good: the queued message then does nothing)
//
// Rows never move backwards: a late `sent` callback after `delivered` changes nothing.
// Each status change also carries its twilio.outbound.status event in `pendingEvents` until it is published
// (shared/events/outbox.ts).
import type { CloudEvent } from '../events/cloudEvent';
import { isCorrelationId } from './correlation';

export const LEDGER_STATUSES = [
  'accepted',
  'sending',
  'poisoned',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'rejected',
  'canceled',
] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];
export const MESSAGE_KINDS = ['sms', 'call'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export interface LedgerRow {
  key: string;
  status: LedgerStatus;
  type?: MessageKind;
  to?: string;
  from?: string;
  messagingServiceSid?: string;
  /** Twilio's SID (SM... / CA...) once known. */
  sid?: string;
  /** Twilio's own status from the REST answer or the latest callback (queued, ringing, delivered, ...). */
  twilioStatus?: string;
  errorCode?: number | string;
  errorMessage?: string;
  /** Why the row is rejected or poisoned. */
  reason?: string;
  /** Send attempts: how many times a worker claimed the row. */
  attempts: number;
  /** The queue's dequeue count at the latest attempt. */
  dequeueCount?: number;
  queueMessageId?: string;
  /** Identifies the worker attempt that holds the row while it is `sending`. */
  claimId?: string;
  /** Until when that attempt may still be talking to Twilio. */
  leaseUntil?: string;
  /** The first attempt's start: no send for this key can be older (lower bound of the Twilio lookup). */
  firstAttemptAt?: string;
  sendAt?: string;
  sentAt?: string;
  completedAt?: string;
  /** The SID was learned after the REST answer was lost: by a status callback or a Twilio lookup. */
  reconciled?: boolean;
  /** Other SIDs Twilio reported for this key: a second message went out (see docs/outbound.md, The guarantee, precisely). */
  duplicateSids?: string;
  metadata?: Record<string, unknown>;
  // Answering-machine detection and cancel.
  /** Twilio's AnsweredBy for a call with machineDetection: human, machine_end_beep, fax, unknown, ... */
  answeredBy?: string;
  /** Milliseconds Twilio took to decide AnsweredBy. */
  machineDetectionDuration?: string;
  /** The TwiML a call switches to when a machine answers (from machineSay). */
  machineTwiml?: string;
  /** When the call was switched to machineTwiml: a later AMD callback does not switch it again. */
  machineMessageAt?: string;
  canceledAt?: string;
  /** Status checks made on Twilio for a row that heard no final status (see statusCheck.ts). */
  statusChecks?: number;
  /** How many events this row's changes have made: numbers the next one. */
  eventCount?: number;
  /** The status the row's last event announced: a return to it (via `sending`) is no new event. */
  lastEventStatus?: LedgerStatus;
  /** Events written with their change and not yet published (the outbox). */
  pendingEvents?: CloudEvent[];
  /** Each status change its event announced, oldest first (at most MAX_STATUS_HISTORY): what the console shows. */
  statusHistory?: StatusChange[];
  /** sha256 of the message the key was taken for (shared/outbound/contentHash.ts): another message under the key is refused. */
  contentHash?: string;
  /** The id of the acceptance that took effect; every log line and event of the message carries it. */
  correlationId?: string;
  createdAt: string;
  updatedAt: string;
}

/** One announced status change: when, to what, and the event that told consumers. */
export interface StatusChange {
  status: LedgerStatus;
  at: string;
  eventId: string;
  twilioStatus?: string;
  errorCode?: number | string;
}

/** A row changes status a handful of times; a bound keeps a misbehaving row well inside storage's 64 KB per field. */
export const MAX_STATUS_HISTORY = 30;

export type Transition = (row: LedgerRow | undefined) => LedgerRow | undefined;

/** A stored row that is not a ledger row: written by something else, or by a version that wrote other fields. */
export class CorruptLedgerRowError extends Error {
  override name = 'CorruptLedgerRowError';
}

const STRING_FIELDS = [
  'to',
  'from',
  'messagingServiceSid',
  'sid',
  'twilioStatus',
  'errorMessage',
  'reason',
  'queueMessageId',
  'claimId',
  'leaseUntil',
  'firstAttemptAt',
  'sendAt',
  'sentAt',
  'completedAt',
  'duplicateSids',
  'answeredBy',
  'machineDetectionDuration',
  'machineTwiml',
  'machineMessageAt',
  'canceledAt',
  'contentHash',
  'lastEventStatus',
  'correlationId',
] as const;

/** A row as storage returned it (system fields removed, metadata parsed), checked field by field rather than cast. */
export function parseLedgerRow(fields: Record<string, unknown>): LedgerRow {
  const fail = (problem: string) => new CorruptLedgerRowError(`ledger row ${String(fields.key)}: ${problem}`);
  const { key, status, type, attempts, dequeueCount, errorCode, reconciled, metadata, createdAt, updatedAt } = fields;
  if (typeof key !== 'string' || !key) throw fail('no key');
  if (typeof status !== 'string' || !(LEDGER_STATUSES as readonly string[]).includes(status))
    throw fail(`unknown status ${JSON.stringify(status)}`);
  if (type !== undefined && type !== 'sms' && type !== 'call') throw fail(`unknown type ${JSON.stringify(type)}`);
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0) throw fail('attempts is not a whole number');
  if (typeof createdAt !== 'string' || typeof updatedAt !== 'string') throw fail('no createdAt/updatedAt');
  if (dequeueCount !== undefined && typeof dequeueCount !== 'number') throw fail('dequeueCount is not a number');
  if (errorCode !== undefined && typeof errorCode !== 'number' && typeof errorCode !== 'string')
    throw fail('errorCode is neither number nor text');
  if (reconciled !== undefined && typeof reconciled !== 'boolean') throw fail('reconciled is not a boolean');
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)))
    throw fail('metadata is not an object');
  for (const name of ['eventCount', 'statusChecks'] as const) {
    const value = fields[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0))
      throw fail(`${name} is not a whole number`);
  }
  const history = fields.statusHistory;
  if (
    history !== undefined &&
    (!Array.isArray(history) ||
      history.some(
        (h) =>
          typeof h !== 'object' ||
          h === null ||
          typeof (h as StatusChange).at !== 'string' ||
          typeof (h as StatusChange).eventId !== 'string' ||
          !(LEDGER_STATUSES as readonly string[]).includes((h as StatusChange).status),
      ))
  )
    throw fail('statusHistory is not a list of status changes');
  const pending = fields.pendingEvents;
  if (
    pending !== undefined &&
    (!Array.isArray(pending) || pending.some((e) => typeof e !== 'object' || e === null || typeof (e as { id?: unknown }).id !== 'string'))
  )
    throw fail('pendingEvents is not a list of events');
  for (const name of STRING_FIELDS) if (fields[name] !== undefined && typeof fields[name] !== 'string') throw fail(`${name} is not text`);
  if (fields.correlationId !== undefined && !isCorrelationId(fields.correlationId)) throw fail('correlationId is not a W3C trace id');
  return fields as unknown as LedgerRow;
}

export interface LedgerUpdate {
  /** The row as it was when the transition was (last) applied. */
  previous?: LedgerRow;
  /** The row as it is now. */
  row?: LedgerRow;
  /** Whether this call wrote it. */
  changed: boolean;
  /** The stored row's ETag, so the caller's next update can skip re-reading it. */
  etag?: string;
}

/**
 * What the caller believes is stored: `absent` for a key it expects to be new, or the row and ETag its last
 * update left. The first try then writes without reading; if the belief was wrong the write is refused
 * (409 or 412) and the update falls back to reading. This saves a table read per step on the send path.
 */
export type LedgerExpectation = 'absent' | { row: LedgerRow; etag: string };

/** What is known about the message when a row is first written. */
export interface MessageInfo {
  type?: MessageKind;
  to?: string;
  from?: string;
  messagingServiceSid?: string;
  sendAt?: string;
  metadata?: Record<string, unknown>;
  queueMessageId?: string;
  machineTwiml?: string;
  contentHash?: string;
  /** The id of the producer attempt this message came from (see ./correlation.ts). */
  correlationId?: string;
}

const RANK: Record<LedgerStatus, number> = {
  accepted: 0,
  sending: 1,
  poisoned: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  rejected: 3,
  canceled: 3,
};

/**
 * The row was taken for another message: its content hash differs from this one's. A rejected row is free for any
 * content; a row without a hash (written before hashes were kept) is taken to match.
 */
export function takenForOtherContent(row: LedgerRow | undefined, hash: string | undefined): boolean {
  return row !== undefined && row.status !== 'rejected' && !!row.contentHash && !!hash && row.contentHash !== hash;
}

/** Nothing was sent under this key (yet): a new message may claim it. */
const CLAIMABLE: ReadonlySet<LedgerStatus> = new Set(['accepted', 'rejected']);
/** An attempt may have reached Twilio: the next one looks the send up before sending. */
const UNCERTAIN: ReadonlySet<LedgerStatus> = new Set(['sending', 'poisoned']);

export const isFinal = (status: LedgerStatus) => RANK[status] >= RANK.sent;

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function newRow(key: string, status: LedgerStatus, info: MessageInfo, now: Date): LedgerRow {
  const at = now.toISOString();
  return withoutUndefined({ key, status, ...info, attempts: 0, createdAt: at, updatedAt: at });
}

function change(row: LedgerRow, fields: Partial<LedgerRow>, now: Date): LedgerRow {
  return withoutUndefined({ ...row, ...fields, updatedAt: now.toISOString() });
}

/** POST /api/outbound and sendAt: the row exists, waiting for its send. A rejected key is free again. */
export function accepted(key: string, info: MessageInfo, now: Date): Transition {
  return (row) => {
    if (!row) return newRow(key, 'accepted', info, now);
    if (row.status !== 'rejected') return undefined;
    return change(row, { ...info, status: 'accepted', reason: undefined, completedAt: undefined }, now);
  };
}

export interface ClaimRequest {
  key: string;
  claimId: string;
  now: Date;
  leaseMs: number;
  info: MessageInfo;
  dequeueCount?: number;
  /**
   * The queue's last delivery of this message. Should this attempt never finish (the process dies, storage is
   * down when it ends), the host moves the message to the poison queue on its next receive without invoking the
   * function again, so the row says `poisoned` from the start of the attempt.
   */
  lastTry?: boolean;
}

const lastTryReason = (deliveries: number | undefined) =>
  `the last of ${deliveries ?? 'the'} deliveries the queue allows is under way; if it fails, the message is in the poison queue`;

/** Take the row for one send attempt: new, accepted, rejected, or `sending`/`poisoned` with an expired lease. */
export function claim(request: ClaimRequest): Transition {
  const { claimId, now, leaseMs, info, dequeueCount, lastTry } = request;
  return (row) => {
    if (takenForOtherContent(row, info.contentHash)) return undefined;
    const current = row ?? newRow(request.key, 'accepted', info, now);
    const takeOver = UNCERTAIN.has(current.status) && Date.parse(current.leaseUntil ?? '') <= now.getTime();
    if (!CLAIMABLE.has(current.status) && !takeOver) return undefined;
    // An accepted row keeps the id of its acceptance; a new or rejected one takes this message's (a new acceptance).
    const correlationId = row && row.status !== 'rejected' ? (row.correlationId ?? info.correlationId) : info.correlationId;
    return change(
      current,
      {
        ...info,
        correlationId,
        status: lastTry ? 'poisoned' : 'sending',
        claimId,
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
        attempts: current.attempts + 1,
        dequeueCount,
        firstAttemptAt: current.firstAttemptAt ?? now.toISOString(),
        reason: lastTry ? lastTryReason(dequeueCount) : undefined,
        completedAt: undefined,
      },
      now,
    );
  };
}

/** The attempt `claimId` holds the row: it claimed it and nothing has settled it since. */
const holds = (row: LedgerRow | undefined, claimId: string) => row !== undefined && UNCERTAIN.has(row.status) && row.claimId === claimId;

export type ClaimOutcome =
  | { kind: 'claimed'; row: LedgerRow; /** An earlier attempt may have reached Twilio. */ lookUpFirst: boolean }
  | { kind: 'done'; row: LedgerRow }
  | { kind: 'busy'; row: LedgerRow; until: Date }
  /** The key was taken for a different message: one send per key, so this one is not sent. */
  | { kind: 'different content'; row: LedgerRow };

/** Reads the result of applying `claim`: did this attempt get the row, and if not, why. */
export function claimOutcome(previous: LedgerRow | undefined, row: LedgerRow, claimId: string, contentHash?: string): ClaimOutcome {
  if (holds(row, claimId)) return { kind: 'claimed', row, lookUpFirst: previous !== undefined && UNCERTAIN.has(previous.status) };
  if (takenForOtherContent(row, contentHash)) return { kind: 'different content', row };
  if (isFinal(row.status)) return { kind: 'done', row };
  return { kind: 'busy', row, until: new Date(row.leaseUntil ?? Date.now()) };
}

export interface SentUpdate {
  sid: string;
  twilioStatus?: string;
  now: Date;
  /** True when the SID came from a lookup or callback rather than the REST answer. */
  reconciled?: boolean;
  from?: string;
  messagingServiceSid?: string;
}

function recordOtherSid(row: LedgerRow, sid: string, now: Date): LedgerRow | undefined {
  const known = row.duplicateSids ? row.duplicateSids.split(',') : [];
  if (known.includes(sid)) return undefined;
  return change(row, { duplicateSids: [...known, sid].join(',') }, now);
}

/** Twilio accepted the message: whoever holds the claim, the send happened and is recorded. */
export function sent(update: SentUpdate): Transition {
  return (row) => {
    if (!row) return undefined;
    if (row.sid && row.sid !== update.sid) return recordOtherSid(row, update.sid, update.now);
    if (isFinal(row.status)) return undefined;
    return change(
      row,
      {
        status: 'sent',
        sid: update.sid,
        twilioStatus: update.twilioStatus,
        from: update.from ?? row.from,
        messagingServiceSid: update.messagingServiceSid ?? row.messagingServiceSid,
        sentAt: update.now.toISOString(),
        reconciled: update.reconciled || undefined,
        claimId: undefined,
        leaseUntil: undefined,
        errorCode: undefined,
        errorMessage: undefined,
        reason: undefined,
      },
      update.now,
    );
  };
}

/** Twilio refused the message for good. Only the attempt holding the claim decides that. */
export function failed(update: { claimId: string; code?: number | string; message: string; now: Date }): Transition {
  return (row) =>
    holds(row, update.claimId)
      ? change(
          row!,
          {
            status: 'failed',
            errorCode: update.code,
            errorMessage: update.message,
            claimId: undefined,
            leaseUntil: undefined,
            completedAt: update.now.toISOString(),
          },
          update.now,
        )
      : undefined;
}

/**
 * The message is invalid or its recipient opted out. Applies to a missing, accepted or rejected row, or to the
 * row this attempt holds; never to a row something was sent for.
 */
export function rejected(update: { key: string; reason: string; now: Date; info?: MessageInfo; claimId?: string }): Transition {
  return (row) => {
    const mine = update.claimId !== undefined && holds(row, update.claimId);
    if (row && !CLAIMABLE.has(row.status) && !mine) return undefined;
    const base = row ?? newRow(update.key, 'rejected', update.info ?? {}, update.now);
    return change(
      base,
      { status: 'rejected', reason: update.reason, claimId: undefined, leaseUntil: undefined, completedAt: update.now.toISOString() },
      update.now,
    );
  };
}

/**
 * The attempt failed in a way worth retrying. The row stays uncertain (the request may have reached Twilio), the
 * lease ends now so the retry can take over, and on the queue's last attempt the row says `poisoned`.
 */
export function released(update: { claimId: string; now: Date; code?: number | string; message: string; poisoned: boolean }): Transition {
  return (row) => {
    if (!holds(row, update.claimId)) return undefined;
    return change(
      row!,
      {
        status: update.poisoned ? 'poisoned' : 'sending',
        leaseUntil: update.now.toISOString(),
        errorCode: update.code,
        errorMessage: update.message,
        reason: update.poisoned
          ? `gave up after ${row!.dequeueCount ?? row!.attempts} deliveries; the message is in the poison queue`
          : undefined,
      },
      update.now,
    );
  };
}

/** Why the poison sweep marked a row: see poisonedByHost. */
export const hostPoisonedReason = (deliveries: number) =>
  `the Functions host moved it to the poison queue after ${deliveries} deliveries; the last did not finish`;

/**
 * The host moved the key's message to the poison queue without running its last delivery (a prefetched message
 * whose process died: its dequeue count rose without a run), so no attempt marked the row. Any row not final and
 * not yet `poisoned` becomes `poisoned`; its lease ends now at the latest, so that a replay may claim it (after a
 * look-up on Twilio, as for any uncertain row). The claim stays: an attempt that does still hold it may record its end.
 */
export function poisonedByHost(update: { deliveries: number; now: Date }): Transition {
  return (row) => {
    if (!row || isFinal(row.status) || row.status === 'poisoned') return undefined;
    const leaseEnds = Math.min(Date.parse(row.leaseUntil ?? '') || Infinity, update.now.getTime());
    return change(
      row,
      { status: 'poisoned', reason: hostPoisonedReason(update.deliveries), leaseUntil: new Date(leaseEnds).toISOString() },
      update.now,
    );
  };
}

/**
 * Cancel a message that has not been sent. Only an `accepted` row can be canceled: once an attempt has
 * claimed the row the send may already have reached Twilio. Applied by ETag like the claim, so of a cancel and a
 * claim racing for the same accepted row exactly one wins, and the other finds the row changed.
 */
export function cancel(update: { now: Date }): Transition {
  return (row) => {
    if (!row || row.status !== 'accepted') return undefined;
    const at = update.now.toISOString();
    return change(row, { status: 'canceled', canceledAt: at, completedAt: at, reason: 'canceled before it was sent' }, update.now);
  };
}

/** The asynchronous answering-machine detection result for the call this row placed. */
export function answered(update: { sid: string; answeredBy: string; duration?: string; now: Date }): Transition {
  return (row) => {
    if (!row || (row.sid && row.sid !== update.sid) || row.answeredBy === update.answeredBy) return undefined;
    return change(row, { answeredBy: update.answeredBy, machineDetectionDuration: update.duration }, update.now);
  };
}

/** The call this row placed now plays the message for machines. */
export function machineMessagePlaying(update: { sid: string; now: Date }): Transition {
  return (row) => {
    if (!row || row.sid !== update.sid || row.machineMessageAt) return undefined;
    return change(row, { machineMessageAt: update.now.toISOString() }, update.now);
  };
}

/** The switch marked at `at` did not happen (Twilio could not be reached): a later callback may claim it again. */
export function machineMessageReleased(update: { sid: string; at: string; now: Date }): Transition {
  return (row) => {
    if (!row || row.sid !== update.sid || row.machineMessageAt !== update.at) return undefined;
    return change(row, { machineMessageAt: undefined }, update.now);
  };
}

// Twilio statuses, in the order they happen, and what each means for the ledger.
const MESSAGE_STATUSES: Record<string, [LedgerStatus, number]> = {
  accepted: ['sent', 0],
  scheduled: ['sent', 0],
  queued: ['sent', 1],
  sending: ['sent', 2],
  sent: ['sent', 3],
  delivered: ['delivered', 0],
  read: ['delivered', 0],
  undelivered: ['undelivered', 0],
  canceled: ['undelivered', 0],
  failed: ['failed', 0],
};
const CALL_STATUSES: Record<string, [LedgerStatus, number]> = {
  queued: ['sent', 0],
  initiated: ['sent', 1],
  ringing: ['sent', 2],
  'in-progress': ['sent', 3],
  completed: ['delivered', 0],
  busy: ['undelivered', 0],
  'no-answer': ['undelivered', 0],
  canceled: ['undelivered', 0],
  failed: ['failed', 0],
};

/** The ledger status for a Twilio status, and its order among Twilio statuses of the same ledger status. */
export function ledgerStatusFor(kind: MessageKind, twilioStatus: string): [LedgerStatus, number] | undefined {
  return (kind === 'sms' ? MESSAGE_STATUSES : CALL_STATUSES)[twilioStatus];
}

function progress(kind: MessageKind, row: LedgerRow): number {
  const sub = row.twilioStatus ? (ledgerStatusFor(kind, row.twilioStatus)?.[1] ?? 0) : 0;
  return RANK[row.status] * 10 + sub;
}

export interface StatusCallback {
  kind: MessageKind;
  sid: string;
  twilioStatus: string;
  errorCode?: string;
  errorMessage?: string;
  /** A call placed with machineDetection reports AnsweredBy in its callbacks too. */
  answeredBy?: string;
}

/** A status callback: moves the row forward, never back; completes a row whose REST answer was lost. */
export function callback(update: StatusCallback & { now: Date }): Transition {
  return (row) => {
    const target = ledgerStatusFor(update.kind, update.twilioStatus);
    if (!row || !target) return undefined;
    if (row.sid && row.sid !== update.sid) return recordOtherSid(row, update.sid, update.now);
    const [status] = target;
    const next: LedgerRow = { ...row, status, twilioStatus: update.twilioStatus };
    if (progress(update.kind, next) <= progress(update.kind, row)) return undefined;
    const at = update.now.toISOString();
    return change(
      row,
      {
        status,
        twilioStatus: update.twilioStatus,
        sid: update.sid,
        reconciled: row.sid ? row.reconciled : true,
        sentAt: row.sentAt ?? at,
        completedAt: RANK[status] > RANK.sent ? at : undefined,
        errorCode: update.errorCode,
        errorMessage: update.errorMessage,
        answeredBy: update.answeredBy ?? row.answeredBy,
        claimId: undefined,
        leaseUntil: undefined,
        reason: undefined,
      },
      update.now,
    );
  };
}

/** Where rows are stored, as the ETag loop below needs it. A refused write (409 on create, 412 on replace) answers undefined. */
export interface LedgerStore {
  read(key: string): Promise<{ row: LedgerRow; etag: string } | undefined>;
  create(row: LedgerRow): Promise<{ etag?: string } | undefined>;
  replace(row: LedgerRow, etag: string): Promise<{ etag?: string } | undefined>;
}

export class LedgerContentionError extends Error {
  override name = 'LedgerContentionError';
}

const MAX_CONFLICTS = 20;

/**
 * Applies a transition atomically: a conditional insert when the row is new, an ETag-matched replace otherwise,
 * re-reading and re-applying the transition whenever another writer changed the row first. Every change to a row
 * (claim, cancel, callbacks) goes through this, so two racing transitions never both apply to the same row.
 */
export async function applyTransition(
  store: LedgerStore,
  key: string,
  transition: Transition,
  options: { expect?: LedgerExpectation } = {},
): Promise<LedgerUpdate> {
  let expectation = options.expect;
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    const current = expectation === undefined ? await store.read(key) : expectation === 'absent' ? undefined : expectation;
    expectation = undefined;
    const next = transition(current?.row);
    if (!next) return { previous: current?.row, row: current?.row, changed: false, etag: current?.etag };
    const written = current ? await store.replace(next, current.etag) : await store.create(next);
    if (written) return { previous: current?.row, row: next, changed: true, etag: written.etag };
  }
  throw new LedgerContentionError(`ledger row ${key} kept changing under ${MAX_CONFLICTS} attempts to update it`);
}

// One queue delivery, start to finish: read it, validate it, claim its ledger row, look an uncertain earlier
// attempt up on Twilio, check the opt-out table, send, record. Returns normally when the message is done
// with (sent, duplicate, rejected, failed, scheduled, deferred); throws when the queue should retry it.
// Every status change of the row is written with its event (shared/events/outbox.ts) and published after it;
// a row that reaches `sent` gets a delayed status re-check on the queue (./statusCheck.ts).
// Pure: every read and write goes through the OutboundIo it is given (shared/outbound/liveIo.ts in the app,
// in-memory fakes in test/unit/outbound/orchestrator.test.ts).
import type { EnqueueOptions } from './outboundQueue';
import { publishPending, publishThenUpdate, updateWithEvents, withStatusEvent, type EventSink } from '../events/outbox';
import {
  checkDelayMs,
  checksEnded,
  MAX_STATUS_CHECKS,
  noFinalStatusReason,
  readStatusCheck,
  statusCheckMessage,
  type StatusCheckMessage,
} from './statusCheck';
import { readDelivery, type Delivery } from './envelope';
import { contentHash } from './contentHash';
import {
  AppNotConfiguredError,
  InvalidMessageError,
  KeyReusedError,
  RecipientOptedOutError,
  TwilioPermanentError,
  TwilioTransientError,
} from './errors';
import { MAX_QUEUE_DELAY_MS } from './fields';
import { sendersOf, type OptOutScope } from './optOuts';
import {
  accepted,
  callback,
  cancel,
  claim,
  claimOutcome,
  failed,
  isFinal,
  rejected,
  released,
  sent,
  takenForOtherContent,
  type LedgerExpectation,
  type LedgerRow,
  type LedgerUpdate,
  type MessageInfo,
  type Transition,
} from './ledger';
import type { OutboundMessage } from './schema';
import { pickOwnRecord, sayTwiml, twilioRequest, type RequestDefaults, type TwilioRequest } from './outboundRequest';
import type { TwilioCandidate, TwilioResource, TwilioStatus } from './twilioApi';
import { dueAt } from './sendingWindow';
import { newCorrelationId } from './correlation';
import { outcomeLine, type Decision } from './outcomes';

/** A message due within this is sent now rather than put back on the queue. */
const SCHEDULE_SLACK_MS = 1000;
/** Twilio's clock and ours may differ; the lookup window starts this much before the first attempt. */
const CLOCK_SKEW_MS = 60_000;
/** Twilio's 21610: the recipient replied STOP to this sender. */
const RECIPIENT_UNSUBSCRIBED = 21610;

export type DeliveryLog = (entry: Record<string, unknown>) => void;

type StatusCheck = NonNullable<ReturnType<typeof readStatusCheck>>;

/** Everything the orchestrator reads or changes, and the configuration it runs with. */
export interface OutboundIo {
  ledger: {
    update(key: string, transition: Transition, options?: { expect?: LedgerExpectation }): Promise<LedgerUpdate>;
    /** Which of `sids` a row other than `key`'s holds (its sid, or one of its duplicateSids); only rows to `to` can. */
    sidsHeldElsewhere(key: string, to: string, sids: string[]): Promise<Set<string>>;
  };
  optOuts: {
    /** Whether `address` opted out of every sender or of any of `senders` (see ./optOuts.ts). */
    isOptedOut(address: string, senders: string[]): Promise<boolean>;
    /** Records an opt-out from `sender` (undefined: every sender) learned from Twilio. */
    record(address: string, keyword: string, sender: string | undefined, source: 'twilio'): Promise<void>;
  };
  queue: {
    enqueue(message: OutboundMessage, options?: EnqueueOptions): Promise<void>;
    enqueueStatusCheck(check: StatusCheckMessage, options: EnqueueOptions): Promise<unknown>;
  };
  twilio: {
    create(request: TwilioRequest): Promise<TwilioResource>;
    /** What this request could have created at or after `since` (see findOnTwilio). */
    find(request: TwilioRequest, since: Date): Promise<TwilioCandidate[]>;
    fetch(kind: 'sms' | 'call', sid: string): Promise<TwilioStatus>;
  };
  /** Where events go; absent when events are off (EVENTS_QUEUE empty). */
  events?: EventSink;
  now(): Date;
  newClaimId(): string;
  /** host.json's queues.maxDequeueCount: the delivery after which the host moves a failing message to the poison queue. */
  maxDequeueCount: number;
  /** OUTBOUND_SEND_LEASE_SECONDS, in milliseconds. */
  sendLeaseMs: number;
  /** OUTBOUND_RECONCILE_AFTER_SECONDS, in milliseconds: when a sent row without a final status is first checked. */
  reconcileAfterMs: number;
  /** TWILIO_FROM_NUMBER, TWILIO_MESSAGING_SERVICE_SID and WEBHOOK_BASE_URL. */
  defaults: RequestDefaults;
  /** OPTOUT_SCOPE: where an opt-out learned from Twilio's 21610 is recorded. */
  optOutScope: OptOutScope;
}

function messageInfo(message: OutboundMessage, queueMessageId?: string, correlationId?: string): MessageInfo {
  return {
    correlationId: message.correlationId ?? correlationId,
    type: message.type,
    to: message.to,
    from: message.from,
    messagingServiceSid: message.type === 'sms' ? message.messagingServiceSid : undefined,
    sendAt: message.sendAt,
    metadata: message.metadata,
    queueMessageId,
    machineTwiml: message.type === 'call' && message.machineSay !== undefined ? sayTwiml(message.machineSay) : undefined,
    contentHash: contentHash(message),
  };
}

/**
 * How long a message due in `dueInMs` stays invisible on the queue: none when due now, at most the queue's 7 days.
 * A message due later comes back after 7 days, finds itself not yet due, and goes back for the rest (see deliverOutbound).
 */
export function visibilityDelaySeconds(dueInMs: number): number | undefined {
  if (dueInMs <= 0) return undefined;
  return Math.min(Math.ceil(dueInMs / 1000), MAX_QUEUE_DELAY_MS / 1000);
}

/**
 * Accept and schedule: every way in (POST /api/outbound, `npm run send`, a queue message with a later sendAt) goes
 * through here. It first checks that the app can send the message at all (a missing setting throws
 * AppNotConfiguredError, a message Twilio cannot take InvalidMessageError) so that it is refused now rather than when
 * due. It then records the key as `accepted` (a rejected key is free again; any other row is kept) and puts the
 * message on the queue, invisible until it is due (or for 7 days, the next hop of a longer wait). A key already
 * taken for different content throws KeyReusedError and enqueues nothing; the same content again is enqueued
 * again (a producer's retry after a failure between the two writes must not leave the row `accepted` with nothing
 * on the queue). A key whose row is
 * past `accepted` (canceled, sent, ...) is not enqueued again: its answer is the row's status. The batch API uses it too.
 */
export async function acceptAndSchedule(
  /** Without `defaults` (the CLI sending to a deployed app, whose settings it does not know) the app checks when it reads the message. */
  io: Pick<OutboundIo, 'ledger' | 'queue' | 'events'> & { defaults?: RequestDefaults },
  message: OutboundMessage & { idempotencyKey: string },
  /** `correlationId`: this producer attempt's id (see ./correlation.ts); the message's own correlationId wins. */
  options: { now: Date; queueMessageId?: string; correlationId?: string },
): Promise<LedgerUpdate> {
  const { now } = options;
  const key = message.idempotencyKey;
  if (io.defaults) twilioRequest(message, { key, defaults: io.defaults });
  const info = messageInfo(message, options.queueMessageId, options.correlationId);
  const update = await updateWithEvents(io, key, accepted(key, info, now));
  if (!update.changed && update.row && takenForOtherContent(update.row, info.contentHash)) throw new KeyReusedError(key, update.row.status);
  if (update.row?.status !== 'accepted') return update;
  const dueInMs = dueAt(message, now).getTime() - now.getTime();
  // The message carries the id of the acceptance that took effect: a producer's retry enqueues it under the first one's.
  const correlationId = update.row.correlationId ?? info.correlationId;
  await io.queue.enqueue({ ...message, correlationId }, { visibilityTimeoutSeconds: visibilityDelaySeconds(dueInMs) });
  return update;
}

/** A copy waiting behind the attempt that holds its key looks again at least this long after that attempt's claim. */
const RECHECK_MIN_MS = 1000;

/**
 * How long a copy of a message waits behind the attempt that holds its key (its claim wrote the row's updatedAt).
 * A send takes about a second, so the copy looks again soon; while the holder is still at it each wait is as long
 * as the holder has held the key so far (the waits double), and never past the holder's lease. A holder that died
 * costs about log2(lease / 1 s) looks, 9 for the default 300 s; a live one is resolved a second or two after it
 * finishes instead of at the end of its lease. Only the claim decides who sends, so looking early cannot send twice.
 */
export function recheckDelayMs(holder: Pick<LedgerRow, 'updatedAt'>, leaseUntil: Date, now: Date): number {
  const leaseLeft = leaseUntil.getTime() - now.getTime();
  const held = now.getTime() - Date.parse(holder.updatedAt);
  const wait = Number.isFinite(held) ? Math.max(RECHECK_MIN_MS, held) : leaseLeft;
  return Math.max(0, Math.min(leaseLeft, wait)) + SCHEDULE_SLACK_MS;
}

/** Puts the message back on the queue for `delayMs`, its key and correlation id made explicit (a new queue message has a new id). */
async function requeue(io: OutboundIo, message: OutboundMessage, key: string, correlationId: string, delayMs: number): Promise<void> {
  await io.queue.enqueue(
    { ...message, idempotencyKey: key, correlationId },
    { visibilityTimeoutSeconds: visibilityDelaySeconds(Math.max(delayMs, 1)) },
  );
}

function errorFields(error: unknown): { errorCode?: number | string; error: string } {
  const code = (error as { code?: unknown }).code;
  return {
    errorCode: typeof code === 'number' || typeof code === 'string' ? code : undefined,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

/**
 * The Twilio resource for a claimed key: the one an earlier attempt created (looked up when `firstAttemptAt` is given,
 * i.e. an earlier attempt may have reached Twilio), or a new one, unless the recipient opted out.
 */
async function findOrCreate(
  io: OutboundIo,
  key: string,
  request: TwilioRequest,
  firstAttemptAt: Date | undefined,
  optedOut: Promise<boolean>,
): Promise<{ resource: TwilioResource; reconciled: boolean }> {
  const found = firstAttemptAt ? await findEarlierSend(io, key, request, firstAttemptAt) : undefined;
  if (found) return { resource: found, reconciled: true };
  if (await optedOut) throw new RecipientOptedOutError();
  return { resource: await io.twilio.create(request), reconciled: false };
}

/**
 * The message or call an earlier attempt of `key` created, looked for from a minute before its first attempt. Twilio
 * keeps no reference of ours, so another key's message to the same recipient can match too: one whose SID another
 * row holds is that key's and never taken (else one message would be recorded twice and another look lost).
 */
async function findEarlierSend(
  io: OutboundIo,
  key: string,
  request: TwilioRequest,
  firstAttemptAt: Date,
): Promise<TwilioResource | undefined> {
  const candidates = await io.twilio.find(request, new Date(firstAttemptAt.getTime() - CLOCK_SKEW_MS));
  if (candidates.length === 0) return undefined;
  const held = await io.ledger.sidsHeldElsewhere(
    key,
    request.to,
    candidates.map((c) => c.sid),
  );
  const own = pickOwnRecord(candidates, held, firstAttemptAt);
  return own && { sid: own.sid, status: own.status };
}

/**
 * Twilio knows of an opt-out our table missed (the STOP went to another number or service): record it, so later
 * messages to the recipient are rejected here without a call to Twilio. The send is already settled as failed,
 * so a table error is logged rather than retried.
 */
async function rememberOptOut(io: OutboundIo, request: TwilioRequest): Promise<Decision<'outbound'>> {
  try {
    const sender =
      io.optOutScope === 'global' ? undefined : request.kind === 'sms' ? (request.messagingServiceSid ?? request.from) : request.from;
    await io.optOuts.record(request.to, `Twilio ${RECIPIENT_UNSUBSCRIBED}`, sender, 'twilio');
    return { outcome: 'opt-out-recorded', detail: 'Twilio error 21610: the recipient replied STOP to this sender' };
  } catch (error) {
    return { outcome: 'opt-out-not-recorded', detail: 'could not record the opt-out from Twilio error 21610', ...errorFields(error) };
  }
}

/** The Twilio request for a message, or the error that building it threw (thrown later, where it is handled). */
function buildRequest(message: OutboundMessage, key: string, defaults: RequestDefaults): { request: TwilioRequest } | { error: unknown } {
  try {
    return { request: twilioRequest(message, { key, defaults }) };
  } catch (error) {
    return { error };
  }
}

const withEvent = (io: OutboundIo, transition: Transition) => (io.events ? withStatusEvent(transition, io.events.source) : transition);

/** The sent record when this attempt holds no ETag for the row: written, then the re-check and the event at once. */
async function sentThenPublished(io: OutboundIo, key: string, transition: Transition, correlationId: string): Promise<void> {
  const recorded = await io.ledger.update(key, transition);
  const settled = await Promise.allSettled([
    recorded.changed && recorded.row?.status === 'sent' ? scheduleStatusCheck(io, key, 1, correlationId) : undefined,
    publishPending(io, key, recorded),
  ]);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
}

async function scheduleStatusCheck(io: OutboundIo, key: string, check: number, correlationId: string | undefined): Promise<void> {
  await io.queue.enqueueStatusCheck(statusCheckMessage(key, check, correlationId), {
    visibilityTimeoutSeconds: visibilityDelaySeconds(checkDelayMs(io.reconcileAfterMs, check)),
  });
}

/**
 * One status re-check: fetch the message or call from Twilio and apply what it says exactly as its status
 * callback would; check again later (backing off) until the row is final or the checks are used up. One log line.
 */
async function recheckStatus(io: OutboundIo, check: StatusCheck, fallbackCorrelationId: string, log: DeliveryLog): Promise<void> {
  // A touch of the row like any other: anything still pending in its outbox is published first.
  const { row } = await updateWithEvents(io, check.key, () => undefined);
  const correlationId = row?.correlationId ?? check.correlationId ?? fallbackCorrelationId;
  const decision = await checkStatus(io, check, row, correlationId);
  log(outcomeLine('status-check', { key: check.key, correlationId, check: check.check }, decision));
}

async function checkStatus(
  io: OutboundIo,
  check: StatusCheck,
  row: LedgerRow | undefined,
  correlationId: string,
): Promise<Decision<'status-check'>> {
  const { key } = check;
  const more = check.check < MAX_STATUS_CHECKS;
  const again = () => scheduleStatusCheck(io, key, check.check + 1, correlationId);
  // The send queues its first check before it writes sent (both alongside the publish): under a slow write the
  // check can come first, and finds the attempt still holding the row. It comes back later, as a check of its own.
  if (row?.status === 'sending' && !row.sid && more) {
    await again();
    return {
      outcome: 'send-not-recorded',
      detail: 'the send is not recorded yet, will check again',
      status: row.status,
      next: check.check + 1,
    };
  }
  if (!row || !row.sid || !row.type) {
    return { outcome: 'nothing-to-check', detail: 'no row, or nothing was sent under this key', status: row?.status };
  }
  if (row.status !== 'sent') {
    return isFinal(row.status)
      ? { outcome: 'already-final', status: row.status }
      : { outcome: 'not-sent-yet', detail: 'the queue retries the send', status: row.status };
  }
  let found: TwilioStatus;
  try {
    found = await io.twilio.fetch(row.type, row.sid);
  } catch (error) {
    if (more) await again();
    else
      await updateWithEvents(
        io,
        key,
        checksEnded({ reason: `the last status check failed: ${errorFields(error).error}`, checks: check.check, now: io.now() }),
      );
    return { outcome: 'lookup-failed', detail: more ? 'will check again' : 'no checks left', ...errorFields(error) };
  }
  const update = await updateWithEvents(
    io,
    key,
    callback({
      kind: row.type,
      sid: row.sid,
      twilioStatus: found.status,
      errorCode: found.errorCode,
      errorMessage: found.errorMessage,
      now: io.now(),
    }),
  );
  const status = update.row?.status ?? row.status;
  if (status !== 'sent') return { outcome: 'final-status', status, twilioStatus: found.status, changed: update.changed };
  if (more) {
    await again();
    return { outcome: 'still-sent', detail: 'will check again', twilioStatus: found.status, next: check.check + 1 };
  }
  await updateWithEvents(
    io,
    key,
    checksEnded({ reason: noFinalStatusReason(found.status, check.check, io.reconcileAfterMs), checks: check.check, now: io.now() }),
  );
  return {
    outcome: 'no-final-status',
    detail: 'the carrier sends no delivery report (an outcome, not an error)',
    twilioStatus: found.status,
  };
}

/** One delivery of a message, as its steps decided it. */
interface Settled {
  /** What the delivery did, one log line each, in order (most deliveries: one). */
  decisions: Array<Decision<'outbound'>>;
  /** The ledger row as the delivery left it: its correlationId (the acceptance that took effect) is the lines'. */
  row?: LedgerRow;
  /** Set when the queue is to retry the delivery: thrown once the lines are written. */
  retry?: unknown;
}

/** What every step of one delivery works with. */
interface Attempt {
  io: OutboundIo;
  delivery: Delivery;
  key: string;
  now: Date;
  /** The id the delivered message brought (or this invocation's): the lines' until the row names the message's. */
  producerCorrelationId: string;
}

const write = (attempt: Attempt, transition: Transition, options?: { expect?: LedgerExpectation }) =>
  updateWithEvents(attempt.io, attempt.key, transition, options);

/**
 * `invocationCorrelationId`: this invocation's own id (its trace id), for a message that brings none. Each log line
 * carries the message's correlationId: the ledger row's once it is known (the acceptance that took effect), and
 * `producerCorrelationId` when the delivered message brought another (a second producer attempt under the key).
 * The delivery's outcome lines are written here and nowhere else.
 */
export async function deliverOutbound(
  io: OutboundIo,
  queueItem: unknown,
  triggerMetadata: Record<string, unknown> | undefined,
  log: DeliveryLog,
  invocationCorrelationId: string = newCorrelationId(),
): Promise<void> {
  const delivery: Delivery = readDelivery(queueItem, triggerMetadata);
  const check = readStatusCheck(delivery.payload);
  if (check) return recheckStatus(io, check, invocationCorrelationId, log);

  const producerCorrelationId = delivery.correlationId ?? invocationCorrelationId;
  const settled = await settle({ io, delivery, key: delivery.key, now: io.now(), producerCorrelationId });
  const correlationId = settled.row?.correlationId ?? producerCorrelationId;
  const about = {
    key: delivery.key,
    correlationId,
    ...(correlationId !== producerCorrelationId && { producerCorrelationId }),
    keySource: delivery.keySource,
    producer: delivery.producer,
    dequeueCount: delivery.dequeueCount,
  };
  for (const decision of settled.decisions) log(outcomeLine('outbound', about, decision));
  if ('retry' in settled) throw settled.retry;
}

/** The steps: reject what is invalid, schedule what is due later, claim the key, send and record. */
async function settle(attempt: Attempt): Promise<Settled> {
  const { delivery, now } = attempt;
  const { validateOutboundMessage, describeIssues } = await import('./schema');
  const validation = delivery.undecodable
    ? { ok: false as const, issues: [{ path: '', message: delivery.undecodable }] }
    : validateOutboundMessage(delivery.payload, { now });
  if (!validation.ok) {
    const info = { queueMessageId: delivery.queueMessageId, correlationId: attempt.producerCorrelationId };
    return rejectInvalid(attempt, describeIssues(validation.issues), info);
  }
  const message = validation.message;
  const info = messageInfo(message, delivery.queueMessageId, attempt.producerCorrelationId);
  // sendAt, moved on to the opening of the message's quiet-hours window when it falls outside it.
  const due = dueAt(message, now);
  if (due.getTime() - now.getTime() > SCHEDULE_SLACK_MS) return scheduleLater(attempt, message, info, due);
  return claimAndSend(attempt, message, info);
}

/** The message cannot be sent as it is: the row says why (a row something was already sent under is kept). */
async function rejectInvalid(attempt: Attempt, reason: string, info: Partial<MessageInfo>): Promise<Settled> {
  const update = await write(attempt, rejected({ key: attempt.key, reason, now: attempt.now, info }));
  const outcome = update.changed
    ? { outcome: 'rejected' as const }
    : { outcome: 'rejected-row-kept' as const, detail: 'something was already sent under this key' };
  return { decisions: [{ ...outcome, reason }], row: update.row };
}

/** Not due yet: accepted (if it was not) and put back on the queue, invisible until it is due or for the next hop. */
async function scheduleLater(attempt: Attempt, message: OutboundMessage, info: MessageInfo, due: Date): Promise<Settled> {
  const { key, now, delivery } = attempt;
  let scheduled;
  try {
    scheduled = await acceptAndSchedule(
      attempt.io,
      { ...message, idempotencyKey: key },
      { now, queueMessageId: delivery.queueMessageId, correlationId: attempt.producerCorrelationId },
    );
  } catch (error) {
    if (error instanceof InvalidMessageError || error instanceof AppNotConfiguredError) return rejectInvalid(attempt, error.message, info);
    if (error instanceof KeyReusedError) return { decisions: [keyReused(error.status)] };
    throw error;
  }
  const status = scheduled.row?.status;
  const decision: Decision<'outbound'> =
    status === 'accepted'
      ? { outcome: 'scheduled', sendAt: message.sendAt, until: due.toISOString(), ...(message.window ? { window: message.window } : {}) }
      : { outcome: status === 'canceled' ? 'canceled' : 'duplicate', status };
  return { decisions: [decision], row: scheduled.row };
}

const keyReused = (status: string): Decision<'outbound'> => ({
  outcome: 'key-reused',
  detail: 'the key was already used for a different message; this one is not sent',
  status,
});

/** Claims the key's row for this attempt; a row another attempt holds or settled ends the delivery here. */
async function claimAndSend(attempt: Attempt, message: OutboundMessage, info: MessageInfo): Promise<Settled> {
  const { io, key, now, delivery } = attempt;
  const claimId = io.newClaimId();
  // After a failure of the last delivery, the host moves the message to the poison queue.
  const lastTry = delivery.dequeueCount !== undefined && delivery.dequeueCount >= io.maxDequeueCount;
  // The opt-out check does not depend on the claim: both round trips run at once. Its answer (or error) is
  // used only once the claim is ours; a request that cannot be built fails below, after the claim, as before.
  const built = buildRequest(message, key, io.defaults);
  const optedOut = 'request' in built ? io.optOuts.isOptedOut(built.request.to, sendersOf(built.request)) : Promise.resolve(false);
  optedOut.catch(() => undefined);
  // Most keys are new: try the conditional insert first, and read only when the row turns out to exist.
  const claimed = await write(
    attempt,
    claim({ key, claimId, now, leaseMs: io.sendLeaseMs, info, dequeueCount: delivery.dequeueCount, lastTry }),
    {
      expect: 'absent',
    },
  );
  const outcome = claimOutcome(claimed.previous, claimed.row!, claimId, info.contentHash);
  const { row } = outcome;
  const correlationId = row.correlationId ?? attempt.producerCorrelationId;
  if (outcome.kind === 'done') {
    // A redelivery of a message whose attempt ended before its re-check was queued (the process died, or the
    // publish failed): queue it now. A second chain of checks, should the first exist, only fetches twice.
    if (row.status === 'sent' && (delivery.dequeueCount ?? 1) > 1) await scheduleStatusCheck(io, key, 1, correlationId);
    // A canceled row stays canceled: the queued message does nothing.
    return { decisions: [{ outcome: row.status === 'canceled' ? 'canceled' : 'duplicate', status: row.status, sid: row.sid }], row };
  }
  // One send per key: the key's own message is (or was) sent; this one, different, is not.
  if (outcome.kind === 'different content') return { decisions: [keyReused(row.status)], row };
  if (outcome.kind === 'busy') {
    // Another attempt holds the row and may be talking to Twilio right now: look again once it may have finished.
    const delayMs = recheckDelayMs(row, outcome.until, now);
    await requeue(io, message, key, correlationId, delayMs);
    const until = new Date(now.getTime() + delayMs).toISOString();
    return { decisions: [{ outcome: 'deferred', status: row.status, until, leaseUntil: outcome.until.toISOString() }], row };
  }
  // The row as this claim wrote it: the next update replaces it by ETag without reading it again.
  const held = claimed.changed && claimed.etag ? { row: claimed.row!, etag: claimed.etag } : undefined;
  const firstAttemptAt = outcome.lookUpFirst ? new Date(row.firstAttemptAt!) : undefined;
  return {
    ...(await sendAndRecord(attempt, { built, optedOut, firstAttemptAt, claimId, held, lastTry, correlationId, attempts: row.attempts })),
    row,
  };
}

interface Claimed {
  built: ReturnType<typeof buildRequest>;
  optedOut: Promise<boolean>;
  /** Set when an earlier attempt (the first at this time) may have reached Twilio: look its message up before creating one. */
  firstAttemptAt?: Date;
  claimId: string;
  held?: { row: LedgerRow; etag: string };
  lastTry: boolean;
  correlationId: string;
  /** The claim's count of attempts, this one included. */
  attempts?: number;
}

/** The claim is ours: find or create the message on Twilio and record what happened. */
async function sendAndRecord(attempt: Attempt, claimed: Claimed): Promise<Omit<Settled, 'row'>> {
  const { io, key } = attempt;
  const { built, claimId, held, lastTry } = claimed;
  const ours = held ? { expect: held } : {};
  let request: TwilioRequest;
  let sendResult: { resource: TwilioResource; reconciled: boolean };
  try {
    if ('error' in built) throw built.error;
    request = built.request;
    sendResult = await findOrCreate(io, key, request, claimed.firstAttemptAt, claimed.optedOut);
  } catch (error) {
    const at = io.now();
    if (error instanceof InvalidMessageError || error instanceof AppNotConfiguredError) {
      // An app that is not configured for this message (no credentials, no sender) cannot send it by retrying:
      // the row says which setting is missing, and the producer may send the key again once it is set.
      await write(attempt, rejected({ key, reason: error.message, now: at, claimId }), ours);
      const missing = error instanceof AppNotConfiguredError && { missingSetting: error.setting };
      return { decisions: [{ outcome: 'rejected', reason: error.message, ...missing }] };
    }
    if (error instanceof TwilioPermanentError) {
      await write(attempt, failed({ claimId, code: error.code ?? error.status, message: error.message, now: at }), ours);
      const failure: Decision<'outbound'> = { outcome: 'failed', errorCode: error.code, status: error.status, error: error.message };
      if (error.code !== RECIPIENT_UNSUBSCRIBED) return { decisions: [failure] };
      return { decisions: [failure, await rememberOptOut(io, request!)] };
    }
    const fields = errorFields(error);
    await write(attempt, released({ claimId, now: at, code: fields.errorCode, message: fields.error, poisoned: lastTry }), ours);
    // Tells an operator a failure Twilio never saw (429, connection refused) from one it may have acted on.
    const reached = error instanceof TwilioTransientError ? { mayHaveReachedTwilio: error.mayHaveReachedTwilio } : {};
    return { decisions: [{ outcome: lastTry ? 'poisoned' : 'will-retry', ...fields, ...reached }], retry: error };
  }
  const { resource, reconciled } = sendResult;
  const record = sent({
    sid: resource.sid,
    twilioStatus: resource.status,
    now: io.now(),
    reconciled,
    from: request.from,
    messagingServiceSid: request.kind === 'sms' ? request.messagingServiceSid : undefined,
  });
  // If a write below fails the row keeps this attempt's lease, and the retry that follows takes over after it
  // and finds the send on Twilio instead of sending again.
  if (!held) {
    await sentThenPublished(io, key, withEvent(io, record), claimed.correlationId);
  } else {
    // The re-check is queued while the sent event is published, and the row is written once after both (three
    // independent round trips, two of them at once). Should the enqueue or the publish fail, the row is still
    // written, with the event kept in its outbox, and the delivery is retried: its redelivery finds the row sent,
    // queues the re-check and publishes what is pending. A re-check that runs before the row says sent ends.
    const checking = record(held.row)?.status === 'sent' ? scheduleStatusCheck(io, key, 1, claimed.correlationId) : undefined;
    checking?.catch(() => undefined);
    const { publishError } = await publishThenUpdate(io, key, record, held);
    await checking;
    if (publishError !== undefined) throw publishError;
  }
  return {
    decisions: [
      reconciled
        ? { outcome: 'reconciled', detail: 'found on Twilio, not sent again', sid: resource.sid, attempts: claimed.attempts }
        : { outcome: 'sent', sid: resource.sid, attempts: claimed.attempts },
    ],
  };
}

export type CancelResult =
  | { outcome: 'canceled'; row: LedgerRow }
  | { outcome: 'not-found' }
  /** The row is past `accepted`: an attempt claimed it (the send may have reached Twilio), or it is settled. */
  | { outcome: 'too-late'; row: LedgerRow };

/**
 * Cancels the message under `key` if it has not been sent. The cancel is one ETag transition, as the
 * send's claim is, so when both race exactly one applies: canceled (the claim then finds the row canceled and
 * does nothing) or claimed (the cancel then finds it `sending` and answers too-late).
 */
export async function cancelOutbound(io: Pick<OutboundIo, 'ledger' | 'now' | 'events'>, key: string): Promise<CancelResult> {
  const update = await updateWithEvents(io, key, cancel({ now: io.now() }));
  if (!update.row) return { outcome: 'not-found' };
  if (update.changed || update.row.status === 'canceled') return { outcome: 'canceled', row: update.row };
  return { outcome: 'too-late', row: update.row };
}

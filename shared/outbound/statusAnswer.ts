// What the status webhook (/api/status?key=<idempotency key>, set by the outbound sender) does with a message or
// call status callback or an answering-machine result, and what it answers. Each moves the ledger row forward,
// never back, publishes the change's event, and writes one structured log line. When the events cannot be
// published it answers 503: the change stays in the row's outbox and Twilio's retry (the URL's connection
// overrides ask for one) publishes it. The lines carry the correlationId of the ledger row (the message's, docs/outbound.md,
// One id through the path); a callback without a row, the invocation's own. Pure: the ledger, queue, event sink and Twilio come in as `io`.
import type { HttpResponseInit } from '@azure/functions';
import { EventsUnavailableError, updateWithEvents } from '../events/outbox';
import type { WebhookParams } from '../webhook/params';
import { TwilioTransientError } from './errors';
import { IDEMPOTENCY_KEY } from './fields';
import {
  answered,
  callback,
  machineMessagePlaying,
  machineMessageReleased,
  type LedgerRow,
  type LedgerUpdate,
  type Transition,
} from './ledger';
import type { OutboundIo } from './orchestrator';
import { visibilityDelaySeconds } from './orchestrator';
import { outcomeLine, type Decision, type OutcomeEvent } from './outcomes';
import { parseAmdResult, parseStatusCallback, type AmdResult } from './statusCallback';
import { checkDelayMs, statusCheckMessage } from './statusCheck';

export interface StatusCallbackIo extends Pick<OutboundIo, 'ledger' | 'events' | 'now' | 'reconcileAfterMs'> {
  queue: Pick<OutboundIo['queue'], 'enqueueStatusCheck'>;
  calls: {
    /** Switches a live call to other TwiML (Twilio's call update). */
    updateTwiml(sid: string, twiml: string): Promise<unknown>;
  };
  /**
   * Asked first: a callback that is another feature's (the number's own call ending a conversation with the
   * assistant) gets that feature's answer; undefined leaves it to the outbound path.
   */
  otherCallback?(
    params: WebhookParams,
    key: string | undefined,
    correlationId: string,
    log: StatusLog,
  ): Promise<HttpResponseInit | undefined>;
}

/** Where the lines go: the invocation's log. */
export interface StatusLog {
  log(line: string): void;
  warn(line: string): void;
}

export interface StatusRequest {
  params: WebhookParams;
  /** The callback URL's `key`. */
  key?: string;
  /** This invocation's own correlation id, for a callback without a ledger row. */
  correlationId: string;
}

const NO_CONTENT: HttpResponseInit = { status: 204 };

/** The change is in the row's outbox: Twilio's retry of this callback publishes it. */
export const EVENTS_UNAVAILABLE: HttpResponseInit = {
  status: 503,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '5' },
  body: 'Events unavailable; retry.\n',
};

const NOT_A_CALLBACK: HttpResponseInit = {
  status: 400,
  headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  body: 'Not a message or call status callback.\n',
};

const line = <E extends OutcomeEvent>(event: E, about: Record<string, unknown>, decision: Decision<E>) =>
  JSON.stringify(outcomeLine(event, about, decision));

/** Applies a status callback or an AMD result to the key's row, and answers Twilio. */
export async function answerStatusCallback(io: StatusCallbackIo, request: StatusRequest, log: StatusLog): Promise<HttpResponseInit> {
  const answered = await io.otherCallback?.(request.params, request.key, request.correlationId, log);
  if (answered) return answered;
  const amd = parseAmdResult(request.params);
  if (amd) return amdResult(io, amd, request, log);
  const update = parseStatusCallback(request.params);
  if (!update) {
    log.warn(
      line(
        'status-callback',
        { correlationId: request.correlationId },
        { outcome: 'not-a-callback', detail: 'neither MessageSid/MessageStatus nor CallSid/CallStatus' },
      ),
    );
    return NOT_A_CALLBACK;
  }
  const { key } = request;
  const about = { key, kind: update.kind, sid: update.sid, twilioStatus: update.twilioStatus, errorCode: update.errorCode };
  if (!key || !IDEMPOTENCY_KEY.test(key)) {
    const decision = { outcome: 'no-key', detail: 'no valid key in the callback URL; not an outbound-queue send' } as const;
    log.log(line('status-callback', { ...about, correlationId: request.correlationId }, decision));
    return NO_CONTENT;
  }
  const applied = await applyWithEvents(io, key, callback({ ...update, now: io.now() }), request.correlationId);
  if (!applied.update) {
    log.warn(line('status-callback', { ...about, correlationId: applied.correlationId }, eventsUnavailable(applied.error)));
    return EVENTS_UNAVAILABLE;
  }
  const result = applied.update;
  // The REST answer of this send was lost and the callback completed the row: nobody queued its re-check.
  if (result.changed && result.row?.status === 'sent' && result.previous?.status !== 'sent') {
    const delay = checkDelayMs(io.reconcileAfterMs, 1);
    await io.queue.enqueueStatusCheck(statusCheckMessage(key, 1, applied.correlationId), {
      visibilityTimeoutSeconds: visibilityDelaySeconds(delay),
    });
  }
  const decision: Decision<'status-callback'> = !result.row
    ? { outcome: 'no-row', detail: 'no ledger row for this key' }
    : result.row.sid !== update.sid
      ? { outcome: 'other-send', detail: 'another send under this key: its sid is recorded in duplicateSids' }
      : result.changed
        ? { outcome: 'applied' }
        : { outcome: 'ignored', detail: 'the row is already this far or further' };
  const fields = { ledgerStatus: result.row?.status, duplicateSids: result.row?.duplicateSids };
  log.log(line('status-callback', { ...about, correlationId: applied.correlationId }, { ...decision, ...fields }));
  return NO_CONTENT;
}

/**
 * The asynchronous answering-machine detection result. AnsweredBy lands in the ledger row and its event; when a machine
 * answered a call sent with machineSay, the call switches to the message left for machines, and the row records
 * that it does before it does: of callbacks arriving together only the one whose write marks the row switches, and
 * one that finds the result recorded but no mark (the process died between the two writes) switches the call then.
 */
async function amdResult(io: StatusCallbackIo, amd: AmdResult, request: StatusRequest, log: StatusLog): Promise<HttpResponseInit> {
  const { key } = request;
  const about = { key, sid: amd.sid, answeredBy: amd.answeredBy };
  if (!key || !IDEMPOTENCY_KEY.test(key)) {
    const decision = { outcome: 'no-key', detail: 'no valid key in the callback URL; not an outbound-queue call' } as const;
    log.log(line('amd', { ...about, correlationId: request.correlationId }, decision));
    return NO_CONTENT;
  }
  const applied = await applyWithEvents(io, key, answered({ ...amd, now: io.now() }), request.correlationId);
  const entry = { ...about, correlationId: applied.correlationId };
  if (!applied.update) {
    log.warn(line('amd', entry, eventsUnavailable(applied.error)));
    return EVENTS_UNAVAILABLE;
  }
  const result = applied.update;
  if (!result.row) return logged(log, line('amd', entry, { outcome: 'no-row', detail: 'no ledger row for this key' }));
  const row = result.row;
  const switchDue =
    amd.machineAtBeep && !!row.machineTwiml && row.sid === amd.sid && row.answeredBy === amd.answeredBy && !row.machineMessageAt;
  const ignored = () => logged(log, line('amd', entry, { outcome: 'ignored', detail: 'already recorded, or another call' }));
  if (!switchDue && !result.changed) return ignored();
  if (!switchDue || !row.machineTwiml) return logged(log, line('amd', entry, { outcome: 'recorded' }));
  const claimed = await applyWithEvents(io, key, machineMessagePlaying({ sid: amd.sid, now: io.now() }), request.correlationId);
  if (!claimed.update?.changed) return ignored();
  try {
    await io.calls.updateTwiml(amd.sid, row.machineTwiml);
  } catch (error) {
    const transient = error instanceof TwilioTransientError;
    if (transient) {
      const at = claimed.update.row?.machineMessageAt ?? '';
      await applyWithEvents(io, key, machineMessageReleased({ sid: amd.sid, at, now: io.now() }), request.correlationId);
    }
    const failure = {
      outcome: 'machine-message-failed',
      detail: transient
        ? 'recorded; Twilio could not be reached to switch the call: 503, the retry switches it'
        : 'recorded; could not switch the call to the message for machines',
      error: (error as Error).name,
      errorCode: (error as { code?: unknown }).code,
    } as const;
    log.warn(line('amd', entry, failure));
    return transient ? SWITCH_NOT_DONE : NO_CONTENT;
  }
  return logged(log, line('amd', entry, { outcome: 'machine-message-playing', detail: 'recorded; the message for machines is playing' }));
}

/** The machine message's mark was released: the retry of this callback switches the call. */
const SWITCH_NOT_DONE: HttpResponseInit = {
  status: 503,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '5' },
  body: 'The call could not be switched yet. Retry.',
};

function logged(log: StatusLog, text: string): HttpResponseInit {
  log.log(text);
  return NO_CONTENT;
}

const eventsUnavailable = (error: EventsUnavailableError) =>
  ({
    outcome: 'events-unavailable',
    detail: 'the change is in the row; its event is not published yet (503, Twilio retries)',
    error: error.message,
  }) as const;

type Applied =
  { update: LedgerUpdate; correlationId: string } | { update?: undefined; error: EventsUnavailableError; correlationId: string };

/**
 * Applies the callback's change to the row and publishes its event; no update when events are down.
 * `correlationId`: the row's as the last ledger write left it (the message's, even when the publish failed after), else `ownId`.
 */
async function applyWithEvents(io: StatusCallbackIo, key: string, transition: Transition, ownId: string): Promise<Applied> {
  let seen: LedgerRow | undefined;
  const ledger = {
    update: async (...args: Parameters<StatusCallbackIo['ledger']['update']>) => {
      const update = await io.ledger.update(...args);
      seen = update.row ?? seen;
      return update;
    },
  };
  const correlationId = () => seen?.correlationId ?? ownId;
  try {
    const update = await updateWithEvents({ ledger, events: io.events }, key, transition);
    return { update, correlationId: correlationId() };
  } catch (error) {
    if (!(error instanceof EventsUnavailableError)) throw error;
    return { error, correlationId: correlationId() };
  }
}

import { app, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { updateLedgerRow } from '../shared/outbound/ledgerTable';
import { answered, callback, type LedgerRow, type LedgerUpdate, type Transition } from '../shared/outbound/ledger';
import { updateCallTwiml } from '../shared/outbound/twilioApi';
import { enqueueStatusCheck } from '../shared/outbound/outboundQueue';
import { visibilityDelaySeconds } from '../shared/outbound/orchestrator';
import { checkDelayMs, statusCheckMessage } from '../shared/outbound/statusCheck';
import { updateWithEvents } from '../shared/events/outbox';
import { EventsUnavailableError, liveEventSink } from '../shared/events/eventsIo';
import { settings } from '../shared/platform/settings';
import { IDEMPOTENCY_KEY } from '../shared/outbound/fields';
import { parseAmdResult, parseStatusCallback, type AmdResult } from '../shared/outbound/statusCallback';
import { twilioWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';
import { invocationCorrelationId } from '../shared/outbound/correlation';

/**
 * Message and call status callbacks (/api/status?key=<idempotency key>, set by the outbound sender). Each one
 * moves the ledger row forward, never back, publishes the change's event, and writes one structured log line.
 * When the events cannot be published it answers 503: the change stays in the row's outbox and Twilio's retry
 * (the URL's connection overrides ask for one) publishes it. Its lines carry the correlationId of the ledger row
 * (the message's, docs/outbound.md, One id through the path); a callback without a row, this invocation's own.
 */
export const status = twilioWebhook(async ({ params, url, context }): Promise<HttpResponseInit> => {
  const ownId = invocationCorrelationId(context.traceContext);
  const amd = parseAmdResult(params);
  if (amd) return amdResult(amd, url.searchParams.get('key') ?? undefined, context, ownId);
  const update = parseStatusCallback(params);
  if (!update) {
    context.warn(
      JSON.stringify({
        event: 'status-callback',
        correlationId: ownId,
        outcome: 'ignored: neither MessageSid/MessageStatus nor CallSid/CallStatus',
      }),
    );
    return { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not a message or call status callback.\n' };
  }
  const key = url.searchParams.get('key') ?? undefined;
  const entry = {
    event: 'status-callback',
    key,
    kind: update.kind,
    sid: update.sid,
    twilioStatus: update.twilioStatus,
    errorCode: update.errorCode,
  };
  if (!key || !IDEMPOTENCY_KEY.test(key)) {
    context.log(
      JSON.stringify({ ...entry, correlationId: ownId, outcome: 'no valid key in the callback URL; not an outbound-queue send' }),
    );
    return { status: 204 };
  }
  const { update: result, correlationId } = await applyWithEvents(
    key,
    callback({ ...update, now: new Date() }),
    (id) => ({ ...entry, correlationId: id, outcome: 'applied' }),
    context,
    ownId,
  );
  if (!result) return EVENTS_UNAVAILABLE;
  // The REST answer of this send was lost and the callback completed the row: nobody queued its re-check.
  if (result.changed && result.row?.status === 'sent' && result.previous?.status !== 'sent') {
    const delay = checkDelayMs(settings().outboundReconcileAfterMs, 1);
    await enqueueStatusCheck(statusCheckMessage(key, 1, correlationId), { visibilityTimeoutSeconds: visibilityDelaySeconds(delay) });
  }
  const outcome = !result.row
    ? 'no ledger row for this key'
    : result.row.sid !== update.sid
      ? 'another send under this key: its sid is recorded in duplicateSids'
      : result.changed
        ? 'applied'
        : 'ignored: the row is already this far or further';
  context.log(
    JSON.stringify({ ...entry, correlationId, outcome, ledgerStatus: result.row?.status, duplicateSids: result.row?.duplicateSids }),
  );
  return { status: 204 };
});

/**
 * The asynchronous answering-machine detection result. AnsweredBy lands in the ledger row and its event; when a machine
 * answered a call sent with machineSay, the call switches to the message left for machines (once: a repeated
 * callback finds the row already says so).
 */
async function amdResult(amd: AmdResult, key: string | undefined, context: InvocationContext, ownId: string): Promise<HttpResponseInit> {
  const base = { event: 'amd', key, sid: amd.sid, answeredBy: amd.answeredBy };
  if (!key || !IDEMPOTENCY_KEY.test(key)) {
    context.log(JSON.stringify({ ...base, correlationId: ownId, outcome: 'no valid key in the callback URL; not an outbound-queue call' }));
    return { status: 204 };
  }
  const { update: result, correlationId } = await applyWithEvents(
    key,
    answered({ ...amd, now: new Date() }),
    (id) => ({ ...base, correlationId: id, outcome: 'recorded' }),
    context,
    ownId,
  );
  if (!result) return EVENTS_UNAVAILABLE;
  const entry = { ...base, correlationId };
  let outcome = !result.row ? 'no ledger row for this key' : result.changed ? 'recorded' : 'ignored: already recorded, or another call';
  if (result.changed && amd.machineAtBeep && result.row?.machineTwiml) {
    try {
      await updateCallTwiml(amd.sid, result.row.machineTwiml);
      outcome = 'recorded; the message for machines is playing';
    } catch (error) {
      context.warn(
        JSON.stringify({
          ...entry,
          outcome: 'recorded; could not switch the call to the message for machines',
          error: (error as Error).name,
          errorCode: (error as { code?: unknown }).code,
        }),
      );
      return { status: 204 };
    }
  }
  context.log(JSON.stringify({ ...entry, outcome }));
  return { status: 204 };
}

/** The change is in the row's outbox: Twilio's retry of this callback publishes it. */
const EVENTS_UNAVAILABLE: HttpResponseInit = {
  status: 503,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '5' },
  body: 'Events unavailable; retry.\n',
};

/**
 * Applies the callback's change to the row and publishes its event; no update (and a warning) when events are down.
 * `correlationId`: the row's as the last ledger write left it (the message's, even when the publish failed after), else `ownId`.
 */
async function applyWithEvents(
  key: string,
  transition: Transition,
  logEntry: (correlationId: string) => Record<string, unknown>,
  context: InvocationContext,
  ownId: string,
): Promise<{ update?: LedgerUpdate; correlationId: string }> {
  let seen: LedgerRow | undefined;
  const ledger = {
    update: async (...args: Parameters<typeof updateLedgerRow>) => {
      const update = await updateLedgerRow(...args);
      seen = update.row ?? seen;
      return update;
    },
  };
  const correlationId = () => seen?.correlationId ?? ownId;
  try {
    const update = await updateWithEvents({ ledger, events: liveEventSink() }, key, transition);
    return { update, correlationId: correlationId() };
  } catch (error) {
    if (!(error instanceof EventsUnavailableError)) throw error;
    const entry = logEntry(correlationId());
    context.warn(
      JSON.stringify({
        ...entry,
        outcome: `${String(entry.outcome)}; its event is not published yet (503, Twilio retries)`,
        error: error.message,
      }),
    );
    return { correlationId: correlationId() };
  }
}

app.http('status', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.status, handler: status });

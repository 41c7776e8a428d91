// One queue delivery, start to finish: read it, validate it, claim its ledger row, look an uncertain earlier
// attempt up on Twilio, check the opt-out table, send, record. Returns normally when the message is done
// with (sent, duplicate, rejected, failed, scheduled, deferred); throws when the queue should retry it.
import { randomUUID } from 'node:crypto';
import { queueMaxDequeueCount } from '../platform/hostJson';
import { updateLedgerRow } from './ledgerTable';
import { isOptedOut, recordOptOut } from './optOutTable';
import { enqueueOutbound } from './outboundQueue';
import { settings } from '../platform/settings';
import { readDelivery, type Delivery } from './envelope';
import { InvalidMessageError, TwilioPermanentError } from './errors';
import { accepted, claim, claimOutcome, failed, rejected, released, sent, type MessageInfo } from './ledger';
import { MAX_SCHEDULE_MS } from './fields';
import type { OutboundMessage } from './schema';
import { createOnTwilio, findOnTwilio, type TwilioResource } from './twilioApi';
import { twilioRequest, type TwilioRequest } from './outboundRequest';

/** A message due within this is sent now rather than put back on the queue. */
const SCHEDULE_SLACK_MS = 1000;
/** Twilio's clock and ours may differ; the lookup window starts this much before the first attempt. */
const CLOCK_SKEW_MS = 60_000;

export type DeliveryLog = (entry: Record<string, unknown>) => void;

function messageInfo(message: OutboundMessage, delivery: Delivery): MessageInfo {
  return {
    type: message.type,
    to: message.to,
    from: message.from,
    messagingServiceSid: message.type === 'sms' ? message.messagingServiceSid : undefined,
    sendAt: message.sendAt,
    metadata: message.metadata,
    queueMessageId: delivery.queueMessageId,
  };
}

/** Puts the message back on the queue, invisible for `delayMs`, with its key made explicit (a new queue message has a new id). */
async function requeue(message: OutboundMessage, key: string, delayMs: number): Promise<void> {
  const seconds = Math.min(Math.max(1, Math.ceil(delayMs / 1000)), MAX_SCHEDULE_MS / 1000);
  await enqueueOutbound({ ...message, idempotencyKey: key }, { visibilityTimeoutSeconds: seconds });
}

function errorFields(error: unknown): { errorCode?: number | string; error: string } {
  const code = (error as { code?: unknown }).code;
  return {
    errorCode: typeof code === 'number' || typeof code === 'string' ? code : undefined,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

/**
 * The Twilio resource for a claimed key: the one an earlier attempt created (looked up when `since` is given,
 * i.e. an earlier attempt may have reached Twilio), or a new one, unless the recipient opted out.
 */
async function findOrCreate(request: TwilioRequest, since: Date | undefined): Promise<{ resource: TwilioResource; reconciled: boolean }> {
  const found = since ? await findOnTwilio(request, since) : undefined;
  if (found) return { resource: found, reconciled: true };
  if (await isOptedOut(request.to)) throw new InvalidMessageError('the recipient opted out (replied STOP); nothing was sent');
  return { resource: await createOnTwilio(request), reconciled: false };
}

/** Twilio's 21610: the recipient replied STOP to this sender. */
const RECIPIENT_UNSUBSCRIBED = 21610;

/**
 * Twilio knows of an opt-out our table missed (the STOP went to another number or service): record it, so later
 * messages to the recipient are rejected here without a call to Twilio. The send is already settled as failed,
 * so a table error is logged rather than retried.
 */
async function rememberOptOut(to: string, logged: DeliveryLog): Promise<void> {
  try {
    await recordOptOut(to, `Twilio ${RECIPIENT_UNSUBSCRIBED}`);
    logged({ outcome: 'opt-out recorded from Twilio error 21610' });
  } catch (error) {
    logged({ outcome: 'could not record the opt-out from Twilio error 21610', ...errorFields(error) });
  }
}

export async function deliverOutbound(queueItem: unknown, triggerMetadata: Record<string, unknown> | undefined, log: DeliveryLog): Promise<void> {
  const now = new Date();
  const delivery = readDelivery(queueItem, triggerMetadata);
  const { key } = delivery;
  const logged = (entry: Record<string, unknown>) =>
    log({ event: 'outbound', key, keySource: delivery.keySource, producer: delivery.producer, dequeueCount: delivery.dequeueCount, ...entry });

  const { validateOutboundMessage, describeIssues } = await import('./schema');
  const validation = delivery.undecodable ? { ok: false as const, issues: [{ path: '', message: delivery.undecodable }] } : validateOutboundMessage(delivery.payload, { now });
  if (!validation.ok) {
    const reason = describeIssues(validation.issues);
    const update = await updateLedgerRow(key, rejected({ key, reason, now, info: { queueMessageId: delivery.queueMessageId } }));
    logged({ outcome: update.changed ? 'rejected' : 'rejected, row kept (something was already sent under this key)', reason });
    return;
  }
  const message = validation.message;
  const info = messageInfo(message, delivery);

  const dueInMs = message.sendAt ? Date.parse(message.sendAt) - now.getTime() : 0;
  if (dueInMs > SCHEDULE_SLACK_MS) {
    await updateLedgerRow(key, accepted(key, info, now));
    await requeue(message, key, dueInMs);
    logged({ outcome: 'scheduled', sendAt: message.sendAt });
    return;
  }

  const config = settings();
  const claimId = randomUUID();
  // After a failure of the last delivery, the host moves the message to the poison queue.
  const lastTry = delivery.dequeueCount !== undefined && delivery.dequeueCount >= queueMaxDequeueCount();
  // Most keys are new: try the conditional insert first, and read only when the row turns out to exist.
  const claimed = await updateLedgerRow(key, claim({ key, claimId, now, leaseMs: config.outboundSendLeaseMs, info, dequeueCount: delivery.dequeueCount, lastTry }), {
    expect: 'absent',
  });
  const outcome = claimOutcome(claimed.previous, claimed.row!, claimId);
  // The row as this claim wrote it: the next update replaces it by ETag without reading it again.
  const ours = claimed.changed && claimed.etag ? { expect: { row: claimed.row!, etag: claimed.etag } } : {};
  if (outcome.kind === 'done') {
    logged({ outcome: 'duplicate', status: outcome.row.status, sid: outcome.row.sid });
    return;
  }
  if (outcome.kind === 'busy') {
    // Another attempt holds the row and may be talking to Twilio right now. Come back when its lease ends.
    await requeue(message, key, outcome.until.getTime() - now.getTime() + SCHEDULE_SLACK_MS);
    logged({ outcome: 'deferred', status: outcome.row.status, until: outcome.until.toISOString() });
    return;
  }

  const since = outcome.lookUpFirst ? new Date(Date.parse(outcome.row.firstAttemptAt!) - CLOCK_SKEW_MS) : undefined;
  let request: TwilioRequest;
  let sendResult: { resource: TwilioResource; reconciled: boolean };
  try {
    request = twilioRequest(message, { key, defaults: { ...config.twilio, webhookBaseUrl: config.webhookBaseUrl } });
    sendResult = await findOrCreate(request, since);
  } catch (error) {
    const at = new Date();
    if (error instanceof InvalidMessageError) {
      await updateLedgerRow(key, rejected({ key, reason: error.message, now: at, claimId }), ours);
      logged({ outcome: 'rejected', reason: error.message });
      return;
    }
    if (error instanceof TwilioPermanentError) {
      await updateLedgerRow(key, failed({ claimId, code: error.code ?? error.status, message: error.message, now: at }), ours);
      logged({ outcome: 'failed', errorCode: error.code, status: error.status, error: error.message });
      if (error.code === RECIPIENT_UNSUBSCRIBED) await rememberOptOut(message.to, logged);
      return;
    }
    const fields = errorFields(error);
    await updateLedgerRow(key, released({ claimId, now: at, code: fields.errorCode, message: fields.error, poisoned: lastTry }), ours);
    logged({ outcome: lastTry ? 'poisoned' : 'will retry', ...fields });
    throw error;
  }
  const { resource, reconciled } = sendResult;
  // Outside the try: if this write fails the row keeps this attempt's lease, and the retry that follows
  // takes over after it and finds the send on Twilio instead of sending again.
  await updateLedgerRow(
    key,
    sent({ sid: resource.sid, twilioStatus: resource.status, now: new Date(), reconciled, from: request.from, messagingServiceSid: request.kind === 'sms' ? request.messagingServiceSid : undefined }),
    ours,
  );
  logged({ outcome: reconciled ? 'reconciled (found on Twilio, not sent again)' : 'sent', sid: resource.sid, attempts: outcome.row.attempts });
}

// The orchestrator's real I/O: the ledger and opt-out tables, the outbound queue and Twilio's REST API, with the
// settings and host.json values it runs with. Built once per process, on the first message.
import { randomUUID } from 'node:crypto';
import { queueMaxDequeueCount } from '../platform/hostJson';
import { settings } from '../platform/settings';
import { updateLedgerRow } from './ledgerTable';
import { isOptedOut, recordOptOut } from './optOutTable';
import type { OutboundIo } from './orchestrator';
import { enqueueOutbound, enqueueStatusCheck } from './outboundQueue';
import { createOnTwilio, fetchFromTwilio, findOnTwilio } from './twilioApi';
import { liveEventSink } from '../events/eventsIo';

let io: OutboundIo | undefined;

export function liveOutboundIo(): OutboundIo {
  if (io) return io;
  const config = settings();
  io = {
    ledger: { update: updateLedgerRow },
    optOuts: { isOptedOut, record: recordOptOut },
    queue: { enqueue: enqueueOutbound, enqueueStatusCheck },
    twilio: { create: createOnTwilio, find: findOnTwilio, fetch: fetchFromTwilio },
    events: liveEventSink(),
    now: () => new Date(),
    newClaimId: randomUUID,
    maxDequeueCount: queueMaxDequeueCount(),
    sendLeaseMs: config.outboundSendLeaseMs,
    reconcileAfterMs: config.outboundReconcileAfterMs,
    defaults: { ...config.twilio, webhookBaseUrl: config.webhookBaseUrl },
  };
  return io;
}

// The orchestrator's real I/O: the ledger and opt-out tables, the outbound queue and Twilio's REST API, with the
// settings and host.json values it runs with. Built once per process, on the first message.
import { randomUUID } from 'node:crypto';
import { queueMaxDequeueCount } from '../platform/hostJson';
import { settings } from '../platform/settings';
import { updateLedgerRow } from './ledgerTable';
import { isOptedOut, recordOptOut } from './optOutTable';
import type { OutboundIo } from './orchestrator';
import { enqueueOutbound } from './outboundQueue';
import { createOnTwilio, findOnTwilio } from './twilioApi';

let io: OutboundIo | undefined;

export function liveOutboundIo(): OutboundIo {
  if (io) return io;
  const config = settings();
  io = {
    ledger: { update: updateLedgerRow },
    optOuts: { isOptedOut, record: recordOptOut },
    queue: { enqueue: enqueueOutbound },
    twilio: { create: createOnTwilio, find: findOnTwilio },
    now: () => new Date(),
    newClaimId: randomUUID,
    maxDequeueCount: queueMaxDequeueCount(),
    sendLeaseMs: config.outboundSendLeaseMs,
    defaults: { ...config.twilio, webhookBaseUrl: config.webhookBaseUrl, allowedCountries: config.allowedCountries },
  };
  return io;
}

// The orchestrator's real I/O: the ledger and opt-out tables, the outbound queue and Twilio's REST API, with the
// settings and host.json values it runs with. Built once per process, on the first message.
import { randomUUID } from 'node:crypto';
import { queueMaxDequeueCount } from '../platform/hostJson';
import { settings } from '../platform/settings';
import type { StorageProfile } from '../platform/storageClients';
import { sidsHeldElsewhere, updateLedgerRow } from './ledgerTable';
import { isOptedOut, listOptOuts, optOutsOf, recordOptOut, removeOptOut } from './optOutTable';
import type { OptOutIo } from './optOutAnswer';
import { asRestError } from '../platform/azureErrors';
import type { OutboundIo } from './orchestrator';
import { enqueueOutbound, enqueueStatusCheck } from './outboundQueue';
import { createOnTwilio, fetchFromTwilio, findOnTwilio, updateCallTwiml } from './twilioApi';
import type { StatusCallbackIo } from './statusAnswer';
import type { AcceptIo } from './acceptAnswer';
import { storageUnavailableResponse } from '../platform/storageUnavailable';
import { liveEventSink } from '../events/eventsIo';

const ios = new Map<StorageProfile, OutboundIo>();

/**
 * `background` for the queue trigger; `request` for HTTP callers (POST /api/outbound) and the CLI, whose storage
 * calls retry once rather than for seconds, so that a storage outage is answered at once.
 */
export function liveOutboundIo(profile: StorageProfile = 'background'): OutboundIo {
  const cached = ios.get(profile);
  if (cached) return cached;
  const config = settings();
  const io: OutboundIo = {
    ledger: {
      update: (key, transition, options) => updateLedgerRow(key, transition, { ...options, profile }),
      sidsHeldElsewhere: (key, to, sids) => sidsHeldElsewhere(key, to, sids, profile),
    },
    optOuts: {
      isOptedOut: (address, senders) => isOptedOut(address, senders, profile),
      record: (address, keyword, sender, source) => recordOptOut(address, keyword, sender, source, profile),
    },
    queue: { enqueue: (message, options) => enqueueOutbound(message, { ...options, profile }), enqueueStatusCheck },
    twilio: { create: createOnTwilio, find: findOnTwilio, fetch: fetchFromTwilio },
    events: liveEventSink(),
    now: () => new Date(),
    newClaimId: randomUUID,
    maxDequeueCount: queueMaxDequeueCount(),
    sendLeaseMs: config.outboundSendLeaseMs,
    reconcileAfterMs: config.outboundReconcileAfterMs,
    defaults: { ...config.twilio, webhookBaseUrl: config.webhookBaseUrl, allowedCountries: config.allowedCountries },
    optOutScope: config.optOutScope,
  };
  ios.set(profile, io);
  return io;
}

/** The status webhook's I/O: the send path's ledger, queue and events, and Twilio's call update. */
export function liveStatusCallbackIo(): StatusCallbackIo {
  return { ...liveOutboundIo(), calls: { updateTwiml: updateCallTwiml } };
}

/** POST /api/outbound and its batch: the request profile (a storage outage is answered at once, 503). */
export function liveAcceptIo(): AcceptIo {
  return { ...liveOutboundIo('request'), storageUnavailable: storageUnavailableResponse, newKey: randomUUID };
}

/** The opt-out management API: the opt-out table, with the request profile. */
export const liveOptOutIo: OptOutIo = {
  optOutsOf,
  record: recordOptOut,
  remove: removeOptOut,
  list: listOptOuts,
  fromStorage: async (error) => (await asRestError(error)) !== undefined,
};

// The outbound poison queue, as the poison sweep reads it: peeked, never changed.
import { queueMaxDequeueCount } from '../platform/hostJson';
import { settings } from '../platform/settings';
import { queueClient } from '../platform/storageClients';
import { liveEventSink } from '../events/eventsIo';
import { updateLedgerRow } from './ledgerTable';
import type { PoisonSweepIo } from './poisonSweep';

/**
 * The oldest 32 messages of <OUTBOUND_QUEUE>-poison, peeked: nothing is hidden, moved or deleted, so `npm run replay`,
 * the console and anyone auditing the queue see every message at every moment. A queue holding more than 32 is
 * swept only as far as its first 32 (the queue service peeks no further); none when the queue is absent.
 */
export async function receivePoisonMessages(): Promise<string[]> {
  const client = await queueClient(`${settings().outboundQueue}-poison`);
  const { peekedMessageItems } = await client.peekMessages({ numberOfMessages: 32 });
  return peekedMessageItems.map((m) => m.messageText);
}

export function livePoisonSweepIo(): PoisonSweepIo {
  return {
    poisonMessages: receivePoisonMessages,
    ledger: { update: (key, transition, options) => updateLedgerRow(key, transition, options) },
    events: liveEventSink(),
    maxDequeueCount: queueMaxDequeueCount(),
    now: () => new Date(),
  };
}

// The outbound poison queue, as the poison sweep reads it: every message received and left there.
import { queueMaxDequeueCount } from '../platform/hostJson';
import { settings } from '../platform/settings';
import { queueClient } from '../platform/storageClients';
import { liveEventSink } from '../events/eventsIo';
import { updateLedgerRow } from './ledgerTable';
import type { PoisonSweepIo } from './poisonSweep';

/**
 * Long enough to read the queue through (a received message is hidden meanwhile, so each is read once), short
 * enough that `npm run replay` and the console see every message again soon after. Nothing is deleted.
 */
const HOLD_SECONDS = 30;

/** The text of every message of <OUTBOUND_QUEUE>-poison; none when the queue is empty or absent (it is created). */
export async function receivePoisonMessages(): Promise<string[]> {
  const client = await queueClient(`${settings().outboundQueue}-poison`);
  const texts: string[] = [];
  for (;;) {
    const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32, visibilityTimeout: HOLD_SECONDS });
    if (receivedMessageItems.length === 0) return texts;
    texts.push(...receivedMessageItems.map((m) => m.messageText));
  }
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

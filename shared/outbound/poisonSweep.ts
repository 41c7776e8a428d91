// The poison sweep: rows whose message the Functions host moved to the poison queue without running it. The host
// prefetches a batch; when its process dies, every prefetched message's dequeue count has risen without a run, so a
// message can reach maxDequeueCount with its last delivery never run. On its next receive the host moves it to
// <queue>-poison without invoking the function, and its ledger row would stay `sending` (or `accepted`) for good.
// The sweep reads the poison queue (leaving every message there: operators replay from it) and marks those rows
// `poisoned`. Pure: the queue, the ledger and the events come in as PoisonSweepIo (./poisonQueue.ts reads the queue).
import { updateWithEvents, type OutboxPorts } from '../events/outbox';
import { readDelivery } from './envelope';
import { poisonedByHost } from './ledger';

export interface PoisonSweepIo extends OutboxPorts {
  /** The text of every message in the outbound poison queue; each reappears there shortly after. */
  poisonMessages(): Promise<string[]>;
  /** host.json's queues.maxDequeueCount: how many deliveries a poison message had. */
  maxDequeueCount: number;
  now(): Date;
}

export interface PoisonSweepResult {
  messages: number;
  /** Keys whose row this sweep marked `poisoned`. */
  marked: string[];
  /** Messages without a key of their own: the host gave the copy a new id, so their row cannot be found by key. */
  keyless: number;
}

/**
 * The key a poison message's row is under, when the message says it: its own idempotencyKey or its Event Grid
 * event id. A message keyed by its queue message id has lost that id in the copy (npm run replay matches those).
 */
export function poisonMessageKey(text: string): string | undefined {
  const delivery = readDelivery(text, undefined);
  if (delivery.undecodable) return undefined;
  return delivery.keySource === 'idempotencyKey' || delivery.keySource === 'event id' ? delivery.key : undefined;
}

/** Marks `poisoned` (with its event, once) every row not final whose message is in the poison queue. */
export async function sweepPoisonQueue(io: PoisonSweepIo): Promise<PoisonSweepResult> {
  const texts = await io.poisonMessages();
  const keys = new Set<string>();
  let keyless = 0;
  for (const text of texts) {
    const key = poisonMessageKey(text);
    if (key === undefined) keyless++;
    else keys.add(key);
  }
  const marked: string[] = [];
  for (const key of keys) {
    const update = await updateWithEvents(io, key, poisonedByHost({ deliveries: io.maxDequeueCount, now: io.now() }));
    if (update.changed) marked.push(key);
  }
  return { messages: texts.length, marked, keyless };
}

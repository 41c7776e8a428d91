// The events queue (EVENTS_QUEUE): one CloudEvent per message, as JSON text, kept until read.
import { queueJson } from '../platform/queueText';
import { queueClient } from '../platform/storageClients';
import type { PublishedEvent } from './eventsGrid';

/**
 * A caller with a deadline (a webhook, the Event Streams sink: someone waits for the answer) gets the request profile:
 * the abort signal stops the send, but not the client's creation, which would otherwise go on retrying for half a
 * minute after the caller gave up.
 */
export async function enqueueEvents(queueName: string, events: PublishedEvent[], abortSignal?: AbortSignal): Promise<void> {
  const queue = await queueClient(queueName, abortSignal ? 'request' : 'background');
  const sent = await Promise.allSettled(events.map((event) => queue.sendMessage(queueJson(event), { messageTimeToLive: -1, abortSignal })));
  const failed = sent.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (!failed) return;
  const landed = new Set(events.filter((_, i) => sent[i].status === 'fulfilled').map((e) => e.id));
  if (!landed.size) throw failed.reason;
  throw new PartlyQueuedError(`${landed.size} of ${events.length} event(s) queued`, landed, { cause: failed.reason });
}

/** Some of the events are on the queue, one message each, and the rest are not: `landed` holds the ids queued. */
export class PartlyQueuedError extends Error {
  override name = 'PartlyQueuedError';
  constructor(
    message: string,
    readonly landed: ReadonlySet<string>,
    options: ErrorOptions,
  ) {
    super(`${message}: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

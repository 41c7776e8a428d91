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
  await Promise.all(events.map((event) => queue.sendMessage(queueJson(event), { messageTimeToLive: -1, abortSignal })));
}

// The events queue (EVENTS_QUEUE): one CloudEvent per message, as JSON text, kept until read.
import { queueClient } from '../platform/storageClients';
import type { PublishedEvent } from './eventsGrid';

export async function enqueueEvents(queueName: string, events: PublishedEvent[], abortSignal?: AbortSignal): Promise<void> {
  const queue = await queueClient(queueName);
  await Promise.all(events.map((event) => queue.sendMessage(JSON.stringify(event), { messageTimeToLive: -1, abortSignal })));
}

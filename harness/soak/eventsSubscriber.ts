// The soak's events subscriber: beside the load, it takes every message off the events queue and deletes it, as a
// subscriber (a Function, a Logic App) does in production. Without one, an hour's events pile up in Azurite by the
// hundred thousand and the emulator, which scans its messages on every dequeue, becomes what the run measures.
import { QueueClient } from '@azure/storage-queue';

export interface EventsSubscriberResult {
  consumed: number;
  /** Messages that were not a JSON event: the webhooks and the sink publish nothing else. */
  notEvents: number;
  /** The Event Streams events the load sent through the sink, each of which must be taken off the queue once. */
  sinkEvents?: { sent: number; once: number; lost: number; duplicated: number; examples: string[] };
}

export interface EventsSubscriber {
  /** With `sinkIds`, waits (up to the timeout) until each has been taken off the queue, then counts them. */
  stop(sinkIds?: string[], timeoutMs?: number): Promise<EventsSubscriberResult>;
}

export function startEventsSubscriber(connectionString: string, queueName: string): EventsSubscriber {
  const queue = new QueueClient(connectionString, queueName);
  const result: EventsSubscriberResult = { consumed: 0, notEvents: 0 };
  const seen = new Map<string, number>();
  let stopping = false;
  const loop = (async () => {
    await queue.createIfNotExists();
    while (!stopping) {
      const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
      for (const message of receivedMessageItems) {
        const id = eventId(message.messageText);
        if (id === undefined) result.notEvents++;
        else seen.set(id, (seen.get(id) ?? 0) + 1);
        await queue.deleteMessage(message.messageId, message.popReceipt);
        result.consumed++;
      }
      if (!receivedMessageItems.length) await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    async stop(sinkIds, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (sinkIds?.some((id) => !seen.has(id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
      stopping = true;
      await loop;
      if (!sinkIds) return result;
      const lost = sinkIds.filter((id) => !seen.has(id));
      const duplicated = sinkIds.filter((id) => (seen.get(id) ?? 0) > 1);
      result.sinkEvents = {
        sent: sinkIds.length,
        once: sinkIds.filter((id) => seen.get(id) === 1).length,
        lost: lost.length,
        duplicated: duplicated.length,
        examples: [
          ...lost.slice(0, 3).map((id) => `${id} never published`),
          ...duplicated.slice(0, 3).map((id) => `${id} published ${seen.get(id)} times`),
        ],
      };
      return result;
    },
  };
}

/** The id of the JSON event the message holds (as text or base64), or undefined. */
function eventId(text: string): string | undefined {
  for (const candidate of [text, Buffer.from(text, 'base64').toString('utf8')]) {
    try {
      const parsed = JSON.parse(candidate) as { id?: unknown; type?: unknown };
      if (typeof parsed.id === 'string' && typeof parsed.type === 'string') return parsed.id;
    } catch {
      // not this encoding
    }
  }
  return undefined;
}

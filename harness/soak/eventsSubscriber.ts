// The soak's events subscriber: beside the load, it takes every message off the events queue and deletes it, as a
// subscriber (a Function, a Logic App) does in production. Without one, an hour's events pile up in Azurite by the
// hundred thousand and the emulator, which scans its messages on every dequeue, becomes what the run measures.
import { QueueClient } from '@azure/storage-queue';

export interface EventsSubscriberResult {
  consumed: number;
  /** Messages that were not a JSON event: the webhooks and the sink publish nothing else. */
  notEvents: number;
}

export interface EventsSubscriber {
  stop(): Promise<EventsSubscriberResult>;
}

export function startEventsSubscriber(connectionString: string, queueName: string): EventsSubscriber {
  const queue = new QueueClient(connectionString, queueName);
  const result: EventsSubscriberResult = { consumed: 0, notEvents: 0 };
  let stopping = false;
  const loop = (async () => {
    await queue.createIfNotExists();
    while (!stopping) {
      const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
      for (const message of receivedMessageItems) {
        if (!isEvent(message.messageText)) result.notEvents++;
        await queue.deleteMessage(message.messageId, message.popReceipt);
        result.consumed++;
      }
      if (!receivedMessageItems.length) await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return result;
    },
  };
}

function isEvent(text: string): boolean {
  for (const candidate of [text, Buffer.from(text, 'base64').toString('utf8')]) {
    try {
      const parsed = JSON.parse(candidate) as { id?: unknown; type?: unknown };
      if (typeof parsed.id === 'string' && typeof parsed.type === 'string') return true;
    } catch {
      // not this encoding
    }
  }
  return false;
}

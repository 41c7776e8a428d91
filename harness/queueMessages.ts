// Reading a storage queue the way the tests' consumers do.
import type { QueueClient } from '@azure/storage-queue';

/** Takes every message visible on `queue` now: receives and deletes each, and returns their JSON, oldest first. */
export async function takeJsonMessages<T>(queue: QueueClient): Promise<T[]> {
  const taken: T[] = [];
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    if (receivedMessageItems.length === 0) return taken;
    for (const m of receivedMessageItems) {
      taken.push(JSON.parse(m.messageText) as T);
      await queue.deleteMessage(m.messageId, m.popReceipt);
    }
  }
}

// Why queue messages escape U+FFFE and U+FFFF: through the Queue service (Azurite here) the raw characters do not come
// back as written, while the escaped JSON does.
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { queueJson } from '../../shared/platform/queueText';

let azurite: RunningAzurite;
let queue: QueueClient;
beforeAll(async () => {
  azurite = await startAzurite();
  queue = new QueueClient(azurite.connectionString, 'queue-text');
  await queue.create();
}, 90_000);
afterAll(async () => {
  await azurite?.stop();
});

async function roundTrip(text: string): Promise<string | undefined> {
  await queue.sendMessage(text).catch(() => undefined);
  const [message] = (await queue.receiveMessages()).receivedMessageItems;
  if (message) await queue.deleteMessage(message.messageId, message.popReceipt);
  return message?.messageText;
}

test('the raw characters do not survive the queue, the escaped JSON does', async () => {
  const event = { id: 'e1', data: { body: 'before\uFFFEafter\uFFFF' } };
  expect(await roundTrip(JSON.stringify(event))).not.toBe(JSON.stringify(event));
  const read = await roundTrip(queueJson(event));
  expect(JSON.parse(read!)).toEqual(event);
});

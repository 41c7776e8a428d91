// The stores an erasure reads and deletes (see forgetNumber.ts): the app's tables on its storage account, and the
// recordings' blob container. A person waits at the command line: the request profile's short retries.
import { deleteRecordingCopy } from '../recordings/recordingBlob';
import { azureStatusOf } from '../platform/azureErrors';
import { settings } from '../platform/settings';
import { blobContainer, queueClient, tableClient } from '../platform/storageClients';
import type { FoundRow, ForgetIo, HeldMessage, KeptEventBlob, TableStore } from './forgetNumber';

/** Long enough to read a poison queue through and delete its matches; then the other messages show again. */
const HOLD_SECONDS = 60;

/** The properties the rules read; the rest of a row (a transcript, a message's metadata) is never loaded. */
const SELECT = ['PartitionKey', 'RowKey', 'status', 'sid', 'recordingSid'];

export function storageForgetIo(): ForgetIo {
  const config = settings();
  const tables: Record<TableStore, string | undefined> = {
    ledger: config.outboundLedger,
    optOuts: config.optOutTable,
    activity: config.activity.table,
    autoReplies: config.autoReplyTable,
    conversations: config.assistant.table,
  };
  const table = (store: TableStore) => {
    const name = tables[store];
    if (!name) throw new Error(`The ${store} table is turned off`);
    return tableClient(name, 'request');
  };
  return {
    has: { activity: tables.activity !== undefined, conversations: tables.conversations !== undefined },
    async find(store, filter) {
      const rows: FoundRow[] = [];
      for await (const entity of (await table(store)).listEntities<Record<string, unknown>>({ queryOptions: { filter, select: SELECT } }))
        rows.push({ ...entity, partitionKey: entity.partitionKey!, rowKey: entity.rowKey! });
      return rows;
    },
    async deleteRow(store, row) {
      try {
        await (await table(store)).deleteEntity(row.partitionKey, row.rowKey);
      } catch (error) {
        if ((await azureStatusOf(error)) !== 404) throw error;
      }
    },
    deleteRecording: deleteRecordingCopy,
    async poisonMessages() {
      const held: HeldMessage[] = [];
      for (const queue of [`${config.outboundQueue}-poison`, `${config.recordings.queue}-poison`]) {
        const client = await queueClient(queue, 'request');
        for (;;) {
          const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32, visibilityTimeout: HOLD_SECONDS });
          if (receivedMessageItems.length === 0) break;
          held.push(...receivedMessageItems.map((m) => ({ queue, messageId: m.messageId, popReceipt: m.popReceipt, text: m.messageText })));
        }
      }
      return held;
    },
    async deleteMessage(message) {
      await (await queueClient(message.queue, 'request')).deleteMessage(message.messageId, message.popReceipt);
    },
    async releaseMessage(message) {
      await (await queueClient(message.queue, 'request')).updateMessage(message.messageId, message.popReceipt, undefined, 0);
    },
    async keptEvents() {
      const container = await blobContainer(config.eventStreams.oversizedContainer, 'request');
      const kept: KeptEventBlob[] = [];
      for await (const blob of container.listBlobsFlat())
        kept.push({ name: blob.name, text: (await container.getBlockBlobClient(blob.name).downloadToBuffer()).toString('utf8') });
      return kept;
    },
    async deleteKeptEvent(blob) {
      await (await blobContainer(config.eventStreams.oversizedContainer, 'request')).getBlockBlobClient(blob.name).deleteIfExists();
    },
  };
}

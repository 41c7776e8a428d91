// The stores an erasure reads and deletes (see forgetNumber.ts): the app's tables on its storage account, and the
// recordings' blob container. A person waits at the command line: the request profile's short retries.
import { deleteRecordingCopy } from '../recordings/recordingBlob';
import { azureStatusOf } from '../platform/azureErrors';
import { settings } from '../platform/settings';
import { tableClient } from '../platform/storageClients';
import type { FoundRow, ForgetIo, TableStore } from './forgetNumber';

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
  };
}

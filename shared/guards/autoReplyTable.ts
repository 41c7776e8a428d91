// Counts auto-replies per sender and hour in AUTO_REPLY_TABLE, so every instance of the app spends one budget.
// Each increment is conditional on the row's ETag (or on the row not existing yet): two instances racing for the
// last slot cannot both win; the loser reads again and finds the budget spent.
import { azureStatusOf } from '../platform/azureErrors';
import { settings } from '../platform/settings';
import { tableClient } from '../platform/storageClients';
import { autoReplyRowKeys, countOf } from './autoReplyLimit';

/** Rounds of read-and-write before giving up on a hot row; giving up sends no reply (a loop is what this prevents). */
const MAX_ROUNDS = 8;

/** Takes one of the sender's replies this hour: true when it may be sent. */
export async function takeAutoReply(sender: string, limit: number, now = new Date()): Promise<boolean> {
  // The SMS webhook waits on this: one quick retry, then no reply rather than a slow answer.
  const table = await tableClient(settings().autoReplyTable, 'request');
  const keys = autoReplyRowKeys(sender, now);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let row: { count?: unknown; etag: string } | undefined;
    try {
      row = await table.getEntity<{ count?: unknown }>(keys.partitionKey, keys.rowKey);
    } catch (error) {
      if ((await azureStatusOf(error)) !== 404) throw error;
    }
    try {
      if (!row) {
        await table.createEntity({ ...keys, count: 1 });
        return true;
      }
      const count = countOf(row.count, limit);
      if (count >= limit) return false;
      await table.updateEntity({ ...keys, count: count + 1 }, 'Merge', { etag: row.etag });
      return true;
    } catch (error) {
      const status = await azureStatusOf(error);
      // 409: another instance created the row first; 412: it changed since we read it. Read again.
      if (status !== 409 && status !== 412) throw error;
    }
  }
  return false;
}

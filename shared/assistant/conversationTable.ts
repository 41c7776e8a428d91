// The assistant's conversations, one row per CallSid in their own table (ASSISTANT_TABLE), with their own
// retention: rows are deleted ASSISTANT_RETENTION_DAYS after their last change by the assistantRetention timer.
// Writes are conditional on the row's ETag, so a Twilio retry racing its original cannot overwrite it.
import { azureStatusOf } from '../platform/azureErrors';
import { tableClient } from '../platform/storageClients';
import type { Conversation } from './conversation';

const ROW_KEY = 'conversation';

export interface StoredConversation {
  conversation: Conversation;
  /** twilio.assistant.completed was published for it. */
  completed: boolean;
  /** undefined: not stored yet. */
  etag?: string;
}

interface Row {
  state?: unknown;
  completed?: unknown;
}

/** The call's conversation, or undefined when the assistant never spoke with this call. */
export async function readConversation(tableName: string, callSid: string): Promise<StoredConversation | undefined> {
  const table = await tableClient(tableName, 'request');
  try {
    const row = await table.getEntity<Row>(callSid, ROW_KEY);
    const conversation = JSON.parse(String(row.state)) as Conversation;
    return { conversation, completed: row.completed === true, etag: row.etag };
  } catch (error) {
    if ((await azureStatusOf(error)) === 404) return undefined;
    throw error;
  }
}

/** false: someone else wrote the row since `etag` (or created it first); nothing was written. */
export async function writeConversation(tableName: string, stored: StoredConversation): Promise<boolean> {
  const table = await tableClient(tableName, 'request');
  const entity = {
    partitionKey: stored.conversation.callSid,
    rowKey: ROW_KEY,
    state: JSON.stringify(stored.conversation),
    completed: stored.completed,
  };
  try {
    if (stored.etag) await table.updateEntity(entity, 'Replace', { etag: stored.etag });
    else await table.createEntity(entity);
    return true;
  } catch (error) {
    const status = await azureStatusOf(error);
    if (status === 409 || status === 412) return false;
    throw error;
  }
}

/** Deletes the rows not changed for `days`; returns how many. */
export async function deleteOldConversations(tableName: string, days: number, now = new Date()): Promise<number> {
  const table = await tableClient(tableName);
  const before = new Date(now.getTime() - days * 86_400_000).toISOString();
  let deleted = 0;
  for await (const row of table.listEntities<object>({
    queryOptions: { filter: `Timestamp lt datetime'${before}'`, select: ['PartitionKey', 'RowKey'] },
  })) {
    try {
      await table.deleteEntity(row.partitionKey!, row.rowKey!);
      deleted++;
    } catch (error) {
      if ((await azureStatusOf(error)) !== 404) throw error;
    }
  }
  return deleted;
}

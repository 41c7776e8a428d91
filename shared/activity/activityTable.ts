// The inbound activity table: one entity per inbound event (PartitionKey 'inbound', RowKey the event id). Written
// with a conditional insert, so Twilio's retry of a webhook finds its row already there and writes nothing.
import { azureStatusOf } from '../platform/azureErrors';
import { tableClient, type StorageProfile } from '../platform/storageClients';
import type { CloudEvent } from '../events/cloudEvent';
import { activityFromEvent, parseActivityRow, type ActivityOutcome, type ActivityRow } from './activity';

const PARTITION = 'inbound';

/** Writes the row unless its event already has one. Returns whether this call wrote it; throws when storage fails. */
export async function recordActivity(tableName: string, row: ActivityRow): Promise<boolean> {
  const table = await tableClient(tableName, 'request');
  const { eventId, ...fields } = row;
  try {
    await table.createEntity({ partitionKey: PARTITION, rowKey: eventId, eventId, ...fields });
    return true;
  } catch (error) {
    if ((await azureStatusOf(error)) === 409) return false;
    throw error;
  }
}

/** The rows from `since` on (ISO), at most `limit`; `readAll` says whether that was all of them. */
export async function listActivity(
  tableName: string,
  options: { since?: string; limit: number; profile?: StorageProfile },
): Promise<{ rows: ActivityRow[]; readAll: boolean }> {
  const table = await tableClient(tableName, options.profile ?? 'request');
  const filter = `PartitionKey eq '${PARTITION}'${options.since ? ` and at ge '${options.since.replace(/'/g, "''")}'` : ''}`;
  const rows: ActivityRow[] = [];
  for await (const entity of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
    const row = parseActivityRow(entity);
    if (row) rows.push(row);
    if (rows.length >= options.limit) return { rows, readAll: false };
  }
  return { rows, readAll: true };
}

/** Deletes the rows `filter` selects (see activityRetentionFilter); returns how many. */
export async function deleteActivity(tableName: string, filter: string): Promise<number> {
  const table = await tableClient(tableName);
  let deleted = 0;
  const pages = table
    .listEntities({ queryOptions: { filter: `PartitionKey eq '${PARTITION}' and (${filter})`, select: ['PartitionKey', 'RowKey'] } })
    .byPage({ maxPageSize: 100 });
  for await (const page of pages) {
    for (const entity of page) {
      try {
        await table.deleteEntity(entity.partitionKey!, entity.rowKey!);
        deleted++;
      } catch (error) {
        if ((await azureStatusOf(error)) !== 404) throw error;
      }
    }
  }
  return deleted;
}

/**
 * A webhook's inbound activity, written before it answers: the event (made only when needed) and what the number
 * did with it. `tableName` undefined: activity is off. Throws when storage fails, so that the webhook cannot
 * answer 200 without its row (Twilio then retries, or plays its fallback).
 */
export async function recordInboundActivity(
  tableName: string | undefined,
  event: () => CloudEvent | undefined,
  outcome: () => ActivityOutcome,
): Promise<void> {
  if (!tableName) return;
  const made = event();
  const row = made && activityFromEvent(made, outcome());
  if (row) await recordActivity(tableName, row);
}

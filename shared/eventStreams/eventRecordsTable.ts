// The sink's record of each event id (see publishOnce.ts) in a storage table: one row per id, written with ETags.
// A row older than the dedupe window counts as absent, so an id is de-duplicated for that window and no longer;
// the retention timer deletes such rows.
import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { azureStatusOf } from '../platform/azureErrors';
import { tableClient } from '../platform/storageClients';
import type { Claim, EventRecord, EventRecords } from './publishOnce';

interface Row {
  partitionKey: string;
  rowKey: string;
  /** The event's id, as Twilio sent it (the keys are its hash: RowKey forbids / \ # ? and control characters). */
  eventId: string;
  /** The destinations done, comma-separated. */
  done: string;
  leaseUntil: number;
  /** When the row stops de-duplicating the id. */
  expiresAt: Date;
}

export function rowKeysOf(id: string): { partitionKey: string; rowKey: string } {
  const hash = createHash('sha256').update(id).digest('hex');
  return { partitionKey: hash.slice(0, 2), rowKey: hash };
}

const recordOf = (row: Pick<Row, 'done' | 'leaseUntil'>): EventRecord => ({
  done: row.done ? row.done.split(',') : [],
  leaseUntil: Number(row.leaseUntil) || 0,
});

export function eventRecordsTable(tableName: string, options: { windowMs: number; now: () => number }): EventRecords {
  const table = (): Promise<TableClient> => tableClient(tableName, 'request');
  const row = (id: string, record: EventRecord): Row => ({
    ...rowKeysOf(id),
    eventId: id,
    done: record.done.join(','),
    leaseUntil: record.leaseUntil,
    expiresAt: new Date(options.now() + options.windowMs),
  });
  return {
    async claim(id, record, abortSignal): Promise<Claim> {
      const client = await table();
      try {
        const created = await client.createEntity(row(id, record), { abortSignal });
        return { etag: created.etag!, record, created: true };
      } catch (error) {
        if ((await azureStatusOf(error)) !== 409) throw error;
      }
      const { partitionKey, rowKey } = rowKeysOf(id);
      const existing = await client.getEntity<Row>(partitionKey, rowKey, { abortSignal });
      const expired = new Date(existing.expiresAt).getTime() <= options.now();
      return { etag: existing.etag, record: expired ? { done: [], leaseUntil: 0 } : recordOf(existing), created: false };
    },
    async update(id, etag, record, abortSignal) {
      const client = await table();
      try {
        const updated = await client.updateEntity(row(id, record), 'Replace', { etag, abortSignal });
        return updated.etag!;
      } catch (error) {
        if ((await azureStatusOf(error)) === 412) return undefined;
        throw error;
      }
    },
  };
}

/**
 * Deletes the rows whose window has passed; returns how many. Each delete is conditional on the row's ETag as listed:
 * a row that a request claimed again in the meantime (a late redelivery) is that request's now, and is kept.
 */
export async function deleteExpiredEventRecords(tableName: string, now: number): Promise<number> {
  const client = await tableClient(tableName);
  let deleted = 0;
  for await (const row of client.listEntities<Row>({
    queryOptions: { filter: `expiresAt le datetime'${new Date(now).toISOString()}'`, select: ['PartitionKey', 'RowKey'] },
  })) {
    try {
      await client.deleteEntity(row.partitionKey, row.rowKey, { etag: row.etag });
      deleted++;
    } catch (error) {
      const status = await azureStatusOf(error);
      if (status !== 404 && status !== 412) throw error;
    }
  }
  return deleted;
}

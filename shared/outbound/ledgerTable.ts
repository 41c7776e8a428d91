// The outbound ledger's table I/O: one entity per idempotency key (PartitionKey = key, RowKey ''), changed only
// through the pure transitions of shared/outbound/ledger.ts, each applied with optimistic concurrency:
// a conditional insert when the row is new, an ETag-matched replace otherwise, retried on conflict.
import type { TableEntityResult } from '@azure/data-tables';
import {
  applyTransition,
  CorruptLedgerRowError,
  parseLedgerRow,
  type LedgerStore,
  type LedgerExpectation,
  type LedgerRow,
  type LedgerUpdate,
  type Transition,
} from './ledger';
import { azureStatusOf } from '../platform/azureErrors';
import { settings } from '../platform/settings';
import { tableClient, type StorageProfile } from '../platform/storageClients';

const ROW_KEY = '';

export { LedgerContentionError } from './ledger';

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

function toEntity(row: LedgerRow): Entity {
  const { key, metadata, pendingEvents, statusHistory, ...fields } = row;
  const entity: Entity = { partitionKey: key, rowKey: ROW_KEY };
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) entity[name] = value;
  if (metadata !== undefined) entity.metadata = JSON.stringify(metadata);
  if (pendingEvents !== undefined) entity.pendingEvents = JSON.stringify(pendingEvents);
  if (statusHistory !== undefined) entity.statusHistory = JSON.stringify(statusHistory);
  return entity;
}

const SYSTEM_FIELDS = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.metadata']);

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CorruptLedgerRowError(`${name} is not JSON`);
  }
}

function fromEntity(entity: TableEntityResult<Record<string, unknown>>): LedgerRow {
  const row: Record<string, unknown> = { key: entity.partitionKey };
  for (const [name, value] of Object.entries(entity)) if (!SYSTEM_FIELDS.has(name)) row[name] = value;
  if (typeof row.metadata === 'string') row.metadata = parseJson('metadata', row.metadata);
  if (typeof row.pendingEvents === 'string') row.pendingEvents = parseJson('pendingEvents', row.pendingEvents);
  if (typeof row.statusHistory === 'string') row.statusHistory = parseJson('statusHistory', row.statusHistory);
  return parseLedgerRow(row);
}

async function ledgerTable(profile: StorageProfile = 'background') {
  return tableClient(settings().outboundLedger, profile);
}

async function readEntity(key: string, profile?: StorageProfile): Promise<{ row: LedgerRow; etag: string } | undefined> {
  const table = await ledgerTable(profile);
  try {
    const entity = await table.getEntity<Record<string, unknown>>(key, ROW_KEY);
    return { row: fromEntity(entity), etag: entity.etag };
  } catch (error) {
    if ((await azureStatusOf(error)) === 404) return undefined;
    throw error;
  }
}

export async function readLedgerRow(key: string, profile?: StorageProfile): Promise<LedgerRow | undefined> {
  return (await readEntity(key, profile))?.row;
}

/** A 409 (someone inserted the row first) or 412 (someone changed it since it was read) is a refused write. */
async function refusedAsUndefined(write: () => Promise<{ etag?: string }>): Promise<{ etag?: string } | undefined> {
  try {
    return { etag: (await write()).etag };
  } catch (error) {
    const status = await azureStatusOf(error);
    if (status === 409 || status === 412) return undefined;
    throw error;
  }
}

async function tableStore(profile?: StorageProfile): Promise<LedgerStore> {
  const table = await ledgerTable(profile);
  return {
    read: (key) => readEntity(key, profile),
    create: (row) => refusedAsUndefined(() => table.createEntity(toEntity(row))),
    replace: (row, etag) => refusedAsUndefined(() => table.updateEntity(toEntity(row), 'Replace', { etag })),
  };
}

/** Applies a transition atomically (see applyTransition in ./ledger). */
export async function updateLedgerRow(
  key: string,
  transition: Transition,
  options: { expect?: LedgerExpectation; profile?: StorageProfile } = {},
): Promise<LedgerUpdate> {
  return applyTransition(await tableStore(options.profile), key, transition, options);
}

/**
 * Which of `sids` a row other than `key`'s holds, as its sid or among its duplicateSids. Only a message to `to` can
 * hold one. Table storage has no index on `to`, so this reads across the table: it runs only when a lookup after a
 * lost Twilio answer found something, and returns a few columns of the recipient's rows.
 */
export async function sidsHeldElsewhere(key: string, to: string, sids: string[], profile?: StorageProfile): Promise<Set<string>> {
  const { odata } = await import('@azure/data-tables');
  const table = await ledgerTable(profile);
  const wanted = new Set(sids);
  const held = new Set<string>();
  const rows = table.listEntities<{ sid?: string; duplicateSids?: string }>({
    queryOptions: { filter: odata`to eq ${to} and PartitionKey ne ${key}`, select: ['sid', 'duplicateSids'] },
  });
  for await (const row of rows) {
    for (const sid of [row.sid, ...(row.duplicateSids?.split(',') ?? [])]) if (sid && wanted.has(sid)) held.add(sid);
  }
  return held;
}

/**
 * Deletes the rows `filter` selects (see retention.ts), each by the ETag it was read with: a row that changed since
 * (a late callback) is kept for the next run. Returns how many were deleted and how many were left.
 */
export async function deleteLedgerRows(filter: string): Promise<{ deleted: number; kept: number }> {
  const table = await ledgerTable();
  let deleted = 0;
  let kept = 0;
  const pages = table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } }).byPage({ maxPageSize: 100 });
  for await (const page of pages) {
    for (const entity of page) {
      try {
        await table.deleteEntity(entity.partitionKey!, entity.rowKey!, { etag: entity.etag });
        deleted++;
      } catch (error) {
        const status = await azureStatusOf(error);
        if (status !== 404 && status !== 412) throw error;
        kept++;
      }
    }
  }
  return { deleted, kept };
}

/** The poisoned rows for one recipient (npm run replay matches keyless poison messages to them). */
export async function listPoisonedRows(to: string): Promise<LedgerRow[]> {
  const { odata } = await import('@azure/data-tables');
  return listLedgerRows(odata`status eq 'poisoned' and to eq ${to}`);
}

/** The rows an OData filter selects (operator tools: a handful of rows, never the hot path). */
export async function listLedgerRows(filter: string, limit = 1000): Promise<LedgerRow[]> {
  const table = await ledgerTable();
  const rows: LedgerRow[] = [];
  for await (const entity of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
    rows.push(fromEntity(entity));
    if (rows.length >= limit) break;
  }
  return rows;
}

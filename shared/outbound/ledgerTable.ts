// The outbound ledger's table I/O: one entity per idempotency key (PartitionKey = key, RowKey ''), changed only
// through the pure transitions of shared/outbound/ledger.ts, each applied with optimistic concurrency:
// a conditional insert when the row is new, an ETag-matched replace otherwise, retried on conflict.
import type { TableEntityResult } from '@azure/data-tables';
import type { LedgerRow, Transition } from './ledger';
import { settings } from '../platform/settings';
import { tableClient } from '../platform/storageClients';

const ROW_KEY = '';
const MAX_CONFLICTS = 20;

export class LedgerContentionError extends Error {
  override name = 'LedgerContentionError';
}

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

function toEntity(row: LedgerRow): Entity {
  const { key, metadata, ...fields } = row;
  const entity: Entity = { partitionKey: key, rowKey: ROW_KEY };
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) entity[name] = value;
  if (metadata !== undefined) entity.metadata = JSON.stringify(metadata);
  return entity;
}

const SYSTEM_FIELDS = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.metadata']);

function fromEntity(entity: TableEntityResult<Record<string, unknown>>): LedgerRow {
  const row: Record<string, unknown> = { key: entity.partitionKey };
  for (const [name, value] of Object.entries(entity)) if (!SYSTEM_FIELDS.has(name)) row[name] = value;
  if (typeof row.metadata === 'string') row.metadata = JSON.parse(row.metadata);
  return row as unknown as LedgerRow;
}

const statusOf = (error: unknown) => (error as { statusCode?: number }).statusCode;

async function ledgerTable() {
  return tableClient(settings().outboundLedger);
}

async function readEntity(key: string): Promise<{ row: LedgerRow; etag: string } | undefined> {
  const table = await ledgerTable();
  try {
    const entity = await table.getEntity<Record<string, unknown>>(key, ROW_KEY);
    return { row: fromEntity(entity), etag: entity.etag };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

export async function readLedgerRow(key: string): Promise<LedgerRow | undefined> {
  return (await readEntity(key))?.row;
}

export interface LedgerUpdate {
  /** The row as it was when the transition was (last) applied. */
  previous?: LedgerRow;
  /** The row as it is now. */
  row?: LedgerRow;
  /** Whether this call wrote it. */
  changed: boolean;
  /** The stored row's ETag, so the caller's next update can skip re-reading it. */
  etag?: string;
}

/**
 * What the caller believes is stored: `absent` for a key it expects to be new, or the row and ETag its last
 * update left. The first try then writes without reading; if the belief was wrong the write is refused
 * (409 or 412) and the update falls back to reading. This saves a table read per step on the send path.
 */
export type LedgerExpectation = 'absent' | { row: LedgerRow; etag: string };

/** Applies a transition atomically: re-reads and re-applies it whenever another writer changed the row first. */
export async function updateLedgerRow(key: string, transition: Transition, options: { expect?: LedgerExpectation } = {}): Promise<LedgerUpdate> {
  const table = await ledgerTable();
  let expectation = options.expect;
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    const current = expectation === undefined ? await readEntity(key) : expectation === 'absent' ? undefined : expectation;
    expectation = undefined;
    const next = transition(current?.row);
    if (!next) return { previous: current?.row, row: current?.row, changed: false, etag: current?.etag };
    try {
      const written = current
        ? await table.updateEntity(toEntity(next), 'Replace', { etag: current.etag })
        : await table.createEntity(toEntity(next));
      return { previous: current?.row, row: next, changed: true, etag: written.etag };
    } catch (error) {
      // 409: someone inserted the row first; 412: someone changed it since we read it. Read again.
      const status = statusOf(error);
      if (status !== 409 && status !== 412) throw error;
    }
  }
  throw new LedgerContentionError(`ledger row ${key} kept changing under ${MAX_CONFLICTS} attempts to update it`);
}

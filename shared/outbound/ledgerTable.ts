// The outbound ledger's table I/O: one entity per idempotency key (PartitionKey = key, RowKey ''), changed only
// through the pure transitions of shared/outbound/ledger.ts, each applied with optimistic concurrency:
// a conditional insert when the row is new, an ETag-matched replace otherwise, retried on conflict.
import type { TableEntityResult } from '@azure/data-tables';
import {
  CorruptLedgerRowError,
  parseLedgerRow,
  type LedgerExpectation,
  type LedgerRow,
  type LedgerUpdate,
  type Transition,
} from './ledger';
import { azureStatusOf } from '../platform/azureErrors';
import { settings } from '../platform/settings';
import { tableClient } from '../platform/storageClients';

const ROW_KEY = '';
const MAX_CONFLICTS = 20;

export class LedgerContentionError extends Error {
  override name = 'LedgerContentionError';
}

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

function toEntity(row: LedgerRow): Entity {
  const { key, metadata, pendingEvents, ...fields } = row;
  const entity: Entity = { partitionKey: key, rowKey: ROW_KEY };
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) entity[name] = value;
  if (metadata !== undefined) entity.metadata = JSON.stringify(metadata);
  if (pendingEvents !== undefined) entity.pendingEvents = JSON.stringify(pendingEvents);
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
  return parseLedgerRow(row);
}

async function ledgerTable() {
  return tableClient(settings().outboundLedger);
}

async function readEntity(key: string): Promise<{ row: LedgerRow; etag: string } | undefined> {
  const table = await ledgerTable();
  try {
    const entity = await table.getEntity<Record<string, unknown>>(key, ROW_KEY);
    return { row: fromEntity(entity), etag: entity.etag };
  } catch (error) {
    if ((await azureStatusOf(error)) === 404) return undefined;
    throw error;
  }
}

export async function readLedgerRow(key: string): Promise<LedgerRow | undefined> {
  return (await readEntity(key))?.row;
}

/** Applies a transition atomically: re-reads and re-applies it whenever another writer changed the row first. */
export async function updateLedgerRow(
  key: string,
  transition: Transition,
  options: { expect?: LedgerExpectation } = {},
): Promise<LedgerUpdate> {
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
      const status = await azureStatusOf(error);
      if (status !== 409 && status !== 412) throw error;
    }
  }
  throw new LedgerContentionError(`ledger row ${key} kept changing under ${MAX_CONFLICTS} attempts to update it`);
}

// What an app holds in storage, as text to compare before and after a request: every entity of each table with its
// ETag (so a write of the same values shows too) and the message count of each queue (invisible, scheduled
// messages included). A table or queue that does not exist reads as empty.
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';

export interface StorageNames {
  tables: readonly string[];
  queues: readonly string[];
}

const missing = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;

export async function tableState(connectionString: string, name: string): Promise<string[]> {
  const rows: string[] = [];
  try {
    const table = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    for await (const entity of table.listEntities()) rows.push(`${entity.partitionKey}|${entity.rowKey}|${entity.etag}`);
  } catch (error) {
    if (!missing(error)) throw error;
  }
  return rows.sort();
}

export async function queueLength(connectionString: string, name: string): Promise<number> {
  try {
    return (await new QueueClient(connectionString, name).getProperties()).approximateMessagesCount ?? 0;
  } catch (error) {
    if (missing(error)) return 0;
    throw error;
  }
}

export async function storageSnapshot(connectionString: string, names: StorageNames): Promise<string> {
  const tables = await Promise.all(names.tables.map(async (name) => `${name}: ${(await tableState(connectionString, name)).join(', ')}`));
  const queues = await Promise.all(names.queues.map(async (name) => `${name}: ${await queueLength(connectionString, name)} message(s)`));
  return [...tables, ...queues].join('\n');
}

/** The snapshot once two reads a second apart agree: work started earlier (a send, a copy) has settled. */
export async function settledSnapshot(connectionString: string, names: StorageNames, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = await storageSnapshot(connectionString, names);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const next = await storageSnapshot(connectionString, names);
    if (next === last) return next;
    if (Date.now() > deadline) throw new Error(`Storage did not settle within ${timeoutMs / 1000} s:\n${next}`);
    last = next;
  }
}

// The opt-out table: numbers that texted STOP. The SMS webhook writes it; the outbound sender reads it.
// One row per number (PartitionKey "optout", RowKey the E.164 number).
import { azureStatusOf } from '../platform/azureErrors';
import { settings } from '../platform/settings';
import { tableClient } from '../platform/storageClients';

const PARTITION = 'optout';

export async function isOptedOut(number: string): Promise<boolean> {
  const table = await tableClient(settings().optOutTable);
  try {
    await table.getEntity(PARTITION, number);
    return true;
  } catch (error) {
    if ((await azureStatusOf(error)) === 404) return false;
    throw error;
  }
}

export async function recordOptOut(number: string, keyword: string): Promise<void> {
  const table = await tableClient(settings().optOutTable);
  await table.upsertEntity({ partitionKey: PARTITION, rowKey: number, keyword, optedOutAt: new Date().toISOString() }, 'Replace');
}

export async function recordOptIn(number: string): Promise<void> {
  const table = await tableClient(settings().optOutTable);
  try {
    await table.deleteEntity(PARTITION, number);
  } catch (error) {
    if ((await azureStatusOf(error)) !== 404) throw error;
  }
}

// The opt-out table: who may not be messaged, and by which sender (see ./optOuts.ts for the rules).
// PartitionKey 'optout' holds opt-outs from every sender (and every row written before opt-outs were scoped),
// PartitionKey 'sender:<sender>' those from one number or Messaging Service; RowKey is the recipient's address.
import type { TableEntityResult } from '@azure/data-tables';
import { azureStatusOf } from '../platform/azureErrors';
import { settings } from '../platform/settings';
import { tableClient, type StorageProfile } from '../platform/storageClients';
import type { OptOut } from './optOuts';

const ALL_SENDERS = 'optout';
const partitionOf = (sender: string | undefined) => (sender === undefined ? ALL_SENDERS : `sender:${sender}`);
const senderOf = (partitionKey: string) => (partitionKey === ALL_SENDERS ? undefined : partitionKey.replace(/^sender:/, ''));

type Entity = { keyword?: string; source?: OptOut['source']; optedOutAt?: string };

// Webhooks and the opt-out API answer within Twilio's or a caller's patience ('request': short retries); the
// outbound function, which the queue retries anyway, passes 'background'.
const table = async (profile: StorageProfile = 'request') => tableClient(settings().optOutTable, profile);

async function read(address: string, sender: string | undefined, profile: StorageProfile): Promise<OptOut | undefined> {
  try {
    const entity = await (await table(profile)).getEntity<Entity>(partitionOf(sender), address);
    return toOptOut(entity);
  } catch (error) {
    if ((await azureStatusOf(error)) === 404) return undefined;
    throw error;
  }
}

function toOptOut(entity: TableEntityResult<Entity>): OptOut {
  return {
    address: entity.rowKey!,
    sender: senderOf(entity.partitionKey!),
    keyword: entity.keyword,
    source: entity.source,
    optedOutAt: entity.optedOutAt,
  };
}

/** Whether `address` opted out of every sender or of any of `senders`. */
export async function isOptedOut(address: string, senders: string[] = [], profile: StorageProfile = 'request'): Promise<boolean> {
  const found = await Promise.all([undefined, ...senders].map((sender) => read(address, sender, profile)));
  return found.some(Boolean);
}

/** Records an opt-out from `sender` (undefined: every sender). */
export async function recordOptOut(
  address: string,
  keyword: string,
  sender?: string,
  source: OptOut['source'] = 'sms',
  profile: StorageProfile = 'request',
): Promise<void> {
  await (
    await table(profile)
  ).upsertEntity({ partitionKey: partitionOf(sender), rowKey: address, keyword, source, optedOutAt: new Date().toISOString() }, 'Replace');
}

/** Removes one opt-out; false when there was none. */
export async function removeOptOut(address: string, sender: string | undefined): Promise<boolean> {
  try {
    await (await table()).deleteEntity(partitionOf(sender), address);
    return true;
  } catch (error) {
    if ((await azureStatusOf(error)) === 404) return false;
    throw error;
  }
}

/**
 * START to `sender`: lifts the opt-out from that sender and an all-senders one that came by SMS or from Twilio
 * (rows from before scoping included). An all-senders opt-out put through the management API stays.
 */
export async function recordOptIn(address: string, sender?: string): Promise<void> {
  if (sender !== undefined) await removeOptOut(address, sender);
  const everySender = await read(address, undefined, 'request');
  if (everySender && everySender.source !== 'api') await removeOptOut(address, undefined);
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Every opt-out of one address. */
export async function optOutsOf(address: string): Promise<OptOut[]> {
  const found: OptOut[] = [];
  for await (const entity of (await table()).listEntities<Entity>({ queryOptions: { filter: `RowKey eq ${quote(address)}` } }))
    found.push(toOptOut(entity));
  return found;
}

/** One page of the whole table, in storage order; `next` continues it. */
export async function listOptOuts(options: { pageSize: number; continuationToken?: string }): Promise<{ items: OptOut[]; next?: string }> {
  const pages = (await table())
    .listEntities<Entity>()
    .byPage({ maxPageSize: options.pageSize, continuationToken: options.continuationToken });
  const page = await pages.next();
  if (page.done) return { items: [] };
  return { items: page.value.map(toOptOut), next: page.value.continuationToken };
}

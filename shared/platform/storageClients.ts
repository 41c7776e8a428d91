// Storage clients for the app's own tables, queues and blob containers, on the same account as AzureWebJobsStorage:
// a connection string locally (Azurite), the managed identity in Azure. Loaded on first use.
import type { TableClient } from '@azure/data-tables';
import type { QueueClient } from '@azure/storage-queue';
import type { ContainerClient } from '@azure/storage-blob';
import { azureCredential } from './azureCredential';
import { azureStatusOf } from './azureErrors';
import { cachedClient } from './clientCache';
import { settings } from './settings';

/**
 * `background`: the SDKs' own retries (about 6 s for tables, longer for queues), for the queue trigger, which has
 * time and whose retry is the queue's. `request`: one quick retry, for an HTTP caller or a person at the command
 * line waiting for an answer; when storage is down they get one at once (a 503 with Retry-After, a message).
 */
export type StorageProfile = 'background' | 'request';

const REQUEST_RETRIES = { tables: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 500 } };
export const REQUEST_QUEUE_RETRIES = { maxTries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 500, tryTimeoutInMs: 10_000 };

const tables = new Map<string, Promise<TableClient>>();
const queues = new Map<string, Promise<QueueClient>>();

async function createTableClient(tableName: string, profile: StorageProfile): Promise<TableClient> {
  const { TableClient } = await import('@azure/data-tables');
  const storage = settings().storage;
  const retryOptions = profile === 'request' ? REQUEST_RETRIES.tables : undefined;
  const client =
    storage.kind === 'connectionString'
      ? TableClient.fromConnectionString(storage.connectionString, tableName, { allowInsecureConnection: true, retryOptions })
      : new TableClient(storage.tableServiceUri, tableName, await azureCredential(), { retryOptions });
  await createIfMissing(() => client.createTable());
  return client;
}

async function createQueueClient(queueName: string, profile: StorageProfile): Promise<QueueClient> {
  const { QueueClient } = await import('@azure/storage-queue');
  const storage = settings().storage;
  const options = profile === 'request' ? { retryOptions: REQUEST_QUEUE_RETRIES } : {};
  const client =
    storage.kind === 'connectionString'
      ? new QueueClient(storage.connectionString, queueName, options)
      : new QueueClient(`${storage.queueServiceUri.replace(/\/+$/, '')}/${queueName}`, await azureCredential(), options);
  await createIfMissing(() => client.createIfNotExists());
  return client;
}

/** Infra creates tables and queues in Azure; locally they are created on first use. */
async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    const status = await azureStatusOf(error);
    // 409: already exists. 403: the identity may use but not create it (least privilege in Azure).
    if (status !== 409 && status !== 403) throw error;
  }
}

function profiledClient<T>(
  cache: Map<string, Promise<T>>,
  name: string,
  profile: StorageProfile,
  create: (name: string, profile: StorageProfile) => Promise<T>,
): Promise<T> {
  return cachedClient(cache, `${profile}:${name}`, () => create(name, profile));
}

export function tableClient(tableName: string, profile: StorageProfile = 'background'): Promise<TableClient> {
  return profiledClient(tables, tableName, profile, createTableClient);
}

export function queueClient(queueName: string, profile: StorageProfile = 'background'): Promise<QueueClient> {
  return profiledClient(queues, queueName, profile, createQueueClient);
}

/** Only the audio function reads blobs, for Twilio waiting on the answer: always the request profile. */
export function containerClient(containerName: string): Promise<ContainerClient> {
  return blobContainer(containerName, 'request');
}

export function resetStorageClientsForTests(): void {
  tables.clear();
  queues.clear();
  containers.clear();
}

const containers = new Map<string, Promise<ContainerClient>>();

async function createContainerClient(containerName: string, profile: StorageProfile): Promise<ContainerClient> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const storage = settings().storage;
  const service =
    storage.kind === 'connectionString'
      ? BlobServiceClient.fromConnectionString(
          storage.connectionString,
          profile === 'request' ? { retryOptions: REQUEST_QUEUE_RETRIES } : {},
        )
      : new BlobServiceClient(
          storage.blobServiceUri,
          await azureCredential(),
          profile === 'request' ? { retryOptions: REQUEST_QUEUE_RETRIES } : {},
        );
  const client = service.getContainerClient(containerName);
  await createIfMissing(() => client.create());
  return client;
}

/** A private blob container (no anonymous access), created locally on first use; infra creates it in Azure. */
export function blobContainer(containerName: string, profile: StorageProfile = 'background'): Promise<ContainerClient> {
  return profiledClient(containers, containerName, profile, createContainerClient);
}

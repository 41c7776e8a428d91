// Storage clients for the app's own tables and queues, on the same account as AzureWebJobsStorage:
// a connection string locally (Azurite), the managed identity in Azure. Loaded on first use.
import type { TableClient } from '@azure/data-tables';
import type { QueueClient } from '@azure/storage-queue';
import type { ContainerClient } from '@azure/storage-blob';
import { azureCredential } from './azureCredential';
import { azureStatusOf } from './azureErrors';
import { settings, SettingsError } from './settings';

const tables = new Map<string, Promise<TableClient>>();
const queues = new Map<string, Promise<QueueClient>>();
const containers = new Map<string, Promise<ContainerClient>>();

async function createTableClient(tableName: string): Promise<TableClient> {
  const { TableClient } = await import('@azure/data-tables');
  const storage = settings().storage;
  const client =
    storage.kind === 'connectionString'
      ? TableClient.fromConnectionString(storage.connectionString, tableName, { allowInsecureConnection: true })
      : new TableClient(storage.tableServiceUri, tableName, await azureCredential());
  await createIfMissing(() => client.createTable());
  return client;
}

async function createQueueClient(queueName: string): Promise<QueueClient> {
  const { QueueClient } = await import('@azure/storage-queue');
  const storage = settings().storage;
  const client =
    storage.kind === 'connectionString'
      ? new QueueClient(storage.connectionString, queueName)
      : new QueueClient(`${storage.queueServiceUri.replace(/\/+$/, '')}/${queueName}`, await azureCredential());
  await createIfMissing(() => client.createIfNotExists());
  return client;
}

/** Read-only use: infra creates the container in Azure; locally it is created on first use, empty. */
async function createContainerClient(containerName: string): Promise<ContainerClient> {
  const { ContainerClient } = await import('@azure/storage-blob');
  const storage = settings().storage;
  if (storage.kind === 'identity' && !storage.blobServiceUri) {
    throw new SettingsError('AzureWebJobsStorage', 'has no blob endpoint: set AzureWebJobsStorage__blobServiceUri (or __accountName)');
  }
  // Twilio is waiting on the answer: one quick retry, then a 503 rather than the SDK's default half-minute of retries.
  const options = { retryOptions: { maxTries: 2, retryDelayInMs: 200, tryTimeoutInMs: 10_000 } };
  const client =
    storage.kind === 'connectionString'
      ? new ContainerClient(storage.connectionString, containerName, options)
      : new ContainerClient(`${storage.blobServiceUri!.replace(/\/+$/, '')}/${containerName}`, await azureCredential(), options);
  if (storage.kind === 'connectionString') await createIfMissing(() => client.createIfNotExists());
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

function cachedClient<T>(cache: Map<string, Promise<T>>, name: string, create: (name: string) => Promise<T>): Promise<T> {
  let client = cache.get(name);
  if (!client) {
    client = create(name);
    cache.set(name, client);
    client.catch(() => cache.delete(name)); // a failed creation is retried on the next call
  }
  return client;
}

export function tableClient(tableName: string): Promise<TableClient> {
  return cachedClient(tables, tableName, createTableClient);
}

export function queueClient(queueName: string): Promise<QueueClient> {
  return cachedClient(queues, queueName, createQueueClient);
}

export function containerClient(containerName: string): Promise<ContainerClient> {
  return cachedClient(containers, containerName, createContainerClient);
}

export function resetStorageClientsForTests(): void {
  tables.clear();
  queues.clear();
  containers.clear();
}

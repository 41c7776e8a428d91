// The local host's storage queue clients: the queue triggers' and the queue output binding's.
import type { StoragePipelineOptions, QueueClient } from '@azure/storage-queue';
import type { QueueOutputWriter } from './core';
import type { HostConfig } from '../shared/platform/hostJson';
import { cachedClient } from '../shared/platform/clientCache';

export async function queueService(connectionSetting: string, options: StoragePipelineOptions = {}) {
  const { QueueServiceClient } = await import('@azure/storage-queue');
  const connectionString = process.env[connectionSetting];
  if (connectionString) return QueueServiceClient.fromConnectionString(connectionString, options);
  const serviceUri = process.env[`${connectionSetting}__queueServiceUri`];
  if (!serviceUri)
    throw new Error(
      `Queue connection "${connectionSetting}" is not set (neither ${connectionSetting} nor ${connectionSetting}__queueServiceUri)`,
    );
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new QueueServiceClient(serviceUri, new DefaultAzureCredential(), options);
}

/**
 * The queue output binding's writes, as the host's storage extension makes them (its QueueAsyncCollector.AddAsync
 * sends each message at once, through StorageQueueExtensions.AddMessageAndCreateIfNotExistsAsync): one Put Message
 * with the message as given when host.json says messageEncoding none (base64 otherwise), no time-to-live (the
 * service's default, 7 days), the queue created and the send tried again when it is missing; retried as the .NET
 * SDK's defaults retry (3 retries, exponential from 0.8 s).
 */
export function queueOutputWriter(encoding: HostConfig['queues']['messageEncoding']): QueueOutputWriter {
  const queues = new Map<string, Promise<QueueClient>>();
  const queueFor = (connection: string, queueName: string) =>
    cachedClient(queues, `${connection}/${queueName}`, async () =>
      (await queueService(connection, { retryOptions: { maxTries: 4, retryDelayInMs: 800, maxRetryDelayInMs: 60_000 } })).getQueueClient(
        queueName,
      ),
    );
  return async (connection, queueName, message) => {
    const queue = await queueFor(connection, queueName);
    const text = encoding === 'base64' ? Buffer.from(message).toString('base64') : message;
    try {
      await queue.sendMessage(text);
    } catch (error) {
      if ((error as { code?: string }).code !== 'QueueNotFound') throw error;
      await queue.createIfNotExists();
      await queue.sendMessage(text);
    }
  };
}

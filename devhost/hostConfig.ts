// The parts of host.json the local host follows, with the Functions host's defaults.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { withHostOverrides } from '../shared/platform/hostJson';

export interface QueueOptions {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  visibilityTimeoutMs: number;
  maxPollingIntervalMs: number;
  messageEncoding: 'base64' | 'none';
}

export interface HostConfig {
  routePrefix: string;
  queues: QueueOptions;
}

/** "hh:mm:ss" or "d.hh:mm:ss(.fff)" to milliseconds. */
export function parseTimeSpan(value: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!match) throw new Error(`host.json: "${value}" is not a time span (hh:mm:ss)`);
  const [, days = '0', h, m, s, fraction = '0'] = match;
  return ((Number(days) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1000 + Number(`0.${fraction}`) * 1000;
}

export function parseHostConfig(hostJson: Record<string, any>, processorCount = availableParallelism()): HostConfig {
  const http = hostJson.extensions?.http ?? {};
  const queues = hostJson.extensions?.queues ?? {};
  const batchSize = Math.min(queues.batchSize ?? 16, 32);
  const encoding = String(queues.messageEncoding ?? 'base64').toLowerCase();
  if (encoding !== 'base64' && encoding !== 'none') throw new Error(`host.json: messageEncoding must be base64 or none, got "${encoding}"`);
  return {
    routePrefix: String(http.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    queues: {
      batchSize,
      // The Storage extension's default is (batchSize / 2) x the processor count.
      newBatchThreshold: queues.newBatchThreshold ?? Math.floor(batchSize / 2) * processorCount,
      maxDequeueCount: queues.maxDequeueCount ?? 5,
      visibilityTimeoutMs: queues.visibilityTimeout ? parseTimeSpan(queues.visibilityTimeout) : 0,
      maxPollingIntervalMs: queues.maxPollingInterval ? parseTimeSpan(queues.maxPollingInterval) : 60_000,
      messageEncoding: encoding,
    },
  };
}

/** host.json with the host's app-setting overrides (AzureFunctionsJobHost__<path>) applied, as the Functions host reads it. */
export function readHostConfig(appRoot: string, env: Record<string, string | undefined> = process.env): HostConfig {
  return parseHostConfig(withHostOverrides(JSON.parse(readFileSync(join(appRoot, 'host.json'), 'utf8')), env));
}

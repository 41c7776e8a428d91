// The app's host.json, read the way the Functions host reads it, with the host's defaults. The app needs the
// queue's maxDequeueCount (so the last attempt of a failing message can tell the ledger the message is going to the
// poison queue); the local host (devhost/) follows all of it. host.json sits at the app root, above dist/main.js
// (and above shared/ when tests import the sources).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The Functions host's default for extensions.queues.maxDequeueCount. */
export const FUNCTIONS_DEFAULT_MAX_DEQUEUE_COUNT = 5;

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

export function parseHostConfig(hostJson: Record<string, any>): HostConfig {
  const http = hostJson.extensions?.http ?? {};
  const queues = hostJson.extensions?.queues ?? {};
  const batchSize = Math.min(queues.batchSize ?? 16, 32);
  const encoding = String(queues.messageEncoding ?? 'base64').toLowerCase();
  if (encoding !== 'base64' && encoding !== 'none') throw new Error(`host.json: messageEncoding must be base64 or none, got "${encoding}"`);
  return {
    routePrefix: String(http.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    queues: {
      batchSize,
      newBatchThreshold: queues.newBatchThreshold ?? Math.floor(batchSize / 2),
      maxDequeueCount: queues.maxDequeueCount ?? FUNCTIONS_DEFAULT_MAX_DEQUEUE_COUNT,
      visibilityTimeoutMs: queues.visibilityTimeout ? parseTimeSpan(queues.visibilityTimeout) : 0,
      maxPollingIntervalMs: queues.maxPollingInterval ? parseTimeSpan(queues.maxPollingInterval) : 60_000,
      messageEncoding: encoding,
    },
  };
}

export function readHostConfig(appRoot: string): HostConfig {
  return parseHostConfig(JSON.parse(readFileSync(join(appRoot, 'host.json'), 'utf8')));
}

function findHostJson(start: string): string | undefined {
  for (let dir = start, i = 0; i < 4; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'host.json');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

let cachedMaxDequeueCount: number | undefined;

/** The app's own queues.maxDequeueCount (the host's default when there is no host.json above this file). */
export function queueMaxDequeueCount(): number {
  if (cachedMaxDequeueCount === undefined) {
    const file = findHostJson(__dirname);
    const value = file ? readHostConfig(dirname(file)).queues.maxDequeueCount : FUNCTIONS_DEFAULT_MAX_DEQUEUE_COUNT;
    cachedMaxDequeueCount = value > 0 ? value : FUNCTIONS_DEFAULT_MAX_DEQUEUE_COUNT;
  }
  return cachedMaxDequeueCount;
}

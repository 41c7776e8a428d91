// The app's own host.json, for the values the code needs from it: the queue's maxDequeueCount, so the last
// attempt of a failing message can tell the ledger the message is going to the poison queue, and the queue's
// concurrency, checked against TWILIO_MAX_CONCURRENCY. host.json sits at the app root, above dist/main.js (and
// above shared/ when tests import the sources).
//
// The Functions host lets app settings named AzureFunctionsJobHost__<path> override host.json (infra sets the
// queue's batchSize and newBatchThreshold that way), so they win here too, exactly as they do in the host.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { SettingsError, type Settings } from './settings';

type Env = Record<string, string | undefined>;
type Json = Record<string, unknown>;

const OVERRIDE_PREFIX = 'azurefunctionsjobhost__';
// The Storage extension's QueuesOptions defaults.
const DEFAULT_BATCH_SIZE = 16;
const DEFAULT_MAX_DEQUEUE_COUNT = 5;

export class HostJsonError extends Error {
  override name = 'HostJsonError';
}

function findHostJson(start: string): string | undefined {
  for (let dir = start, i = 0; i < 4; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'host.json');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function overrideValue(text: string): unknown {
  if (/^-?\d+$/.test(text.trim())) return Number(text);
  if (/^(true|false)$/i.test(text.trim())) return text.trim().toLowerCase() === 'true';
  return text;
}

/**
 * host.json with the host's app-setting overrides applied: AzureFunctionsJobHost__extensions__queues__batchSize=1
 * sets extensions.queues.batchSize. Keys match case-insensitively, as .NET configuration does.
 */
export function withHostOverrides(hostJson: Json, env: Env): Json {
  const merged = structuredClone(hostJson);
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || !key.toLowerCase().startsWith(OVERRIDE_PREFIX)) continue;
    const path = key.slice(OVERRIDE_PREFIX.length).split('__');
    let node = merged;
    path.forEach((segment, i) => {
      const name = Object.keys(node).find((k) => k.toLowerCase() === segment.toLowerCase()) ?? segment;
      if (i === path.length - 1) node[name] = overrideValue(value);
      else {
        if (typeof node[name] !== 'object' || node[name] === null) node[name] = {};
        node = node[name] as Json;
      }
    });
  }
  return merged;
}

let cached: Json | undefined;

function effectiveHostJson(): Json {
  if (!cached) {
    const file = findHostJson(__dirname);
    cached = withHostOverrides(file ? (JSON.parse(readFileSync(file, 'utf8')) as Json) : {}, process.env);
  }
  return cached;
}

function queueOption(hostJson: Json, name: string): number | undefined {
  const value = ((hostJson.extensions as Json | undefined)?.queues as Json | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new HostJsonError(`host.json extensions.queues.${name} (or AzureFunctionsJobHost__extensions__queues__${name}) must be a whole number, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function queueMaxDequeueCount(hostJson: Json = effectiveHostJson()): number {
  const value = queueOption(hostJson, 'maxDequeueCount');
  return value && value > 0 ? value : DEFAULT_MAX_DEQUEUE_COUNT;
}

export interface QueueConcurrency {
  batchSize: number;
  newBatchThreshold: number;
}

/** How many messages one instance runs at once: batchSize + newBatchThreshold, with the host's defaults. */
export function queueConcurrency(hostJson: Json = effectiveHostJson(), processorCount = availableParallelism()): QueueConcurrency {
  const batchSize = queueOption(hostJson, 'batchSize') ?? DEFAULT_BATCH_SIZE;
  // Unset, newBatchThreshold is (batchSize / 2) x the processor count, not batchSize / 2 (QueuesOptions).
  const newBatchThreshold = queueOption(hostJson, 'newBatchThreshold') ?? Math.floor(batchSize / 2) * processorCount;
  return { batchSize, newBatchThreshold };
}

/**
 * Refuses to start the outbound function when its instances together could exceed TWILIO_MAX_CONCURRENCY: each of
 * OUTBOUND_MAX_INSTANCES instances runs batchSize + newBatchThreshold sends at once, one Twilio request each.
 * Infra sets all three consistently; this catches an app deployed or edited some other way.
 */
export function checkTwilioConcurrency(
  settings: Pick<Settings, 'twilioMaxConcurrency' | 'outboundMaxInstances'>,
  concurrency: QueueConcurrency = queueConcurrency(),
): void {
  const perInstance = concurrency.batchSize + concurrency.newBatchThreshold;
  const total = perInstance * settings.outboundMaxInstances;
  if (total > settings.twilioMaxConcurrency) {
    throw new SettingsError(
      'TWILIO_MAX_CONCURRENCY',
      `is ${settings.twilioMaxConcurrency}, but ${settings.outboundMaxInstances} outbound instances (OUTBOUND_MAX_INSTANCES) x (batchSize ${concurrency.batchSize} + newBatchThreshold ${concurrency.newBatchThreshold}) could send ${total} Twilio requests at once: lower the queue settings (AzureFunctionsJobHost__extensions__queues__batchSize and __newBatchThreshold) or redeploy with infra/main.bicep, which derives them`,
    );
  }
}

// The app's host.json, read the way the Functions host reads it, with the host's defaults. The app needs the
// queue's maxDequeueCount (so the last attempt of a failing message can tell the ledger the message is going to the
// poison queue) and its concurrency (checked against TWILIO_MAX_CONCURRENCY); the local host (devhost/) follows all
// of it. host.json sits at the app root, above dist/ (and above shared/ when tests import the sources).
//
// The Functions host lets app settings named AzureFunctionsJobHost__<path> override host.json (infra sets the
// queue's batchSize and newBatchThreshold that way), so they win here too, exactly as they do in the host.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { SettingsError, type Settings } from './settings';

type Env = Record<string, string | undefined>;
type Json = Record<string, unknown>;

/** The Functions host's default for extensions.queues.maxDequeueCount. */
export const FUNCTIONS_DEFAULT_MAX_DEQUEUE_COUNT = 5;
const OVERRIDE_PREFIX = 'azurefunctionsjobhost__';

export class HostJsonError extends Error {
  override name = 'HostJsonError';
}

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

function overrideValue(text: string): unknown {
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) return Number(trimmed);
  if (/^(true|false)$/i.test(trimmed)) return trimmed.toLowerCase() === 'true';
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

function wholeNumber(queues: Json, name: string): number | undefined {
  const value = queues[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new HostJsonError(
      `host.json extensions.queues.${name} (or AzureFunctionsJobHost__extensions__queues__${name}) must be a whole number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function parseHostConfig(hostJson: Record<string, any>, processorCount = availableParallelism()): HostConfig {
  const http = hostJson.extensions?.http ?? {};
  const queues = (hostJson.extensions?.queues ?? {}) as Json;
  const batchSize = Math.min(wholeNumber(queues, 'batchSize') ?? 16, 32);
  const encoding = String(queues.messageEncoding ?? 'base64').toLowerCase();
  if (encoding !== 'base64' && encoding !== 'none') throw new Error(`host.json: messageEncoding must be base64 or none, got "${encoding}"`);
  return {
    routePrefix: String(http.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    queues: {
      batchSize,
      // Unset, the Storage extension's default is (batchSize / 2) x the processor count, not batchSize / 2.
      newBatchThreshold: wholeNumber(queues, 'newBatchThreshold') ?? Math.floor(batchSize / 2) * processorCount,
      maxDequeueCount: wholeNumber(queues, 'maxDequeueCount') || FUNCTIONS_DEFAULT_MAX_DEQUEUE_COUNT,
      visibilityTimeoutMs: queues.visibilityTimeout ? parseTimeSpan(String(queues.visibilityTimeout)) : 0,
      maxPollingIntervalMs: queues.maxPollingInterval ? parseTimeSpan(String(queues.maxPollingInterval)) : 60_000,
      messageEncoding: encoding,
    },
  };
}

/** An app's host.json with the overrides in env (the process environment by default) applied, as the host reads it. */
export function readHostConfig(appRoot: string, env: Env = process.env): HostConfig {
  return parseHostConfig(withHostOverrides(JSON.parse(readFileSync(join(appRoot, 'host.json'), 'utf8')) as Json, env));
}

function findHostJson(start: string): string | undefined {
  for (let dir = start, i = 0; i < 4; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'host.json');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

let cached: HostConfig | undefined;

/** This app's own host configuration (the host's defaults when there is no host.json above this file). */
function appHostConfig(): HostConfig {
  if (!cached) {
    const file = findHostJson(__dirname);
    cached = file ? readHostConfig(dirname(file)) : parseHostConfig(withHostOverrides({}, process.env));
  }
  return cached;
}

/** The app's own queues.maxDequeueCount. */
export function queueMaxDequeueCount(): number {
  return appHostConfig().queues.maxDequeueCount;
}

/**
 * Refuses to start the outbound function when its instances together could exceed TWILIO_MAX_CONCURRENCY: each of
 * OUTBOUND_MAX_INSTANCES instances runs batchSize + newBatchThreshold sends at once, one Twilio request each.
 * Infra sets all three consistently; this catches an app deployed or edited some other way.
 */
export function checkTwilioConcurrency(
  settings: Pick<Settings, 'twilioMaxConcurrency' | 'outboundMaxInstances'>,
  queues: Pick<QueueOptions, 'batchSize' | 'newBatchThreshold'> = appHostConfig().queues,
): void {
  const total = (queues.batchSize + queues.newBatchThreshold) * settings.outboundMaxInstances;
  if (total > settings.twilioMaxConcurrency) {
    throw new SettingsError(
      'TWILIO_MAX_CONCURRENCY',
      `is ${settings.twilioMaxConcurrency}, but ${settings.outboundMaxInstances} outbound instances (OUTBOUND_MAX_INSTANCES) x (batchSize ${queues.batchSize} + newBatchThreshold ${queues.newBatchThreshold}) could send ${total} Twilio requests at once: lower the queue settings (AzureFunctionsJobHost__extensions__queues__batchSize and __newBatchThreshold) or redeploy with infra/main.bicep, which derives them`,
    );
  }
}

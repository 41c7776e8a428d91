// The outbound feature's environment on loopback, shared by the integration tests and the fault soak: Azurite,
// Prism behind the recording/fault proxy, and the built app under the local host with fast queue settings.
// Options choose what differs: where the Twilio credentials come from (app settings, or the Key Vault and
// managed identity fakes over the real credential chain), and whether Azurite keeps its data in a folder so it
// can be stopped and started again. Each piece can be made to fail: the host killed (SIGKILL) and restarted,
// Azurite restarted, the vault unreachable. Plus helpers to enqueue, read the ledger over GET /api/outbound/{key},
// and read the app's structured log lines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { freePort, MOCK_TWILIO_CREDENTIALS, startAzurite, startPrism, type RunningAzurite } from '../devhost/services';
import type { LedgerRow } from '../shared/outbound/ledger';
import { TWILIO_SECRET_NAMES } from '../shared/platform/twilioCredentials';
import { appCopyWithQueues, type AppCopy } from './appCopy';
import { startHost, type RunningHost } from './localHost';
import { SENTINEL_CREDENTIALS } from './secrets';
import { startTwilioProxy, type Fault, type RecordedRequest, type TwilioProxy } from './twilioProxy';
import { startVaultChain, type VaultChain } from './vaultChain';
import { waitFor } from './waitFor';

export const WEBHOOK_BASE_URL = 'https://calls.example.test';
export const FROM_NUMBER = MOCK_TWILIO_CREDENTIALS.TWILIO_FROM_NUMBER;
export const MAX_DEQUEUE_COUNT = 3;

export interface OutboundRigOptions {
  queueName: string;
  ledgerTable?: string;
  optOutTable?: string;
  /** OUTBOUND_SEND_LEASE_SECONDS (default 5): must outlast the longest attempt (see docs/outbound.md, The guarantee, precisely). */
  sendLeaseSeconds?: number;
  /** DEVHOST_QUEUE_LEASE_SECONDS: how long a dead host's hold on its queue messages lasts (the Functions host's is 10 minutes). */
  hostLeaseSeconds?: number;
  /** host.json queues.visibilityTimeout (default 1 s): the wait before a failed message is tried again. */
  visibilityTimeout?: string;
  /** host.json queues.maxDequeueCount (default MAX_DEQUEUE_COUNT). */
  maxDequeueCount?: number;
  /**
   * Where the app finds its Twilio credentials: `settings` (default) puts the offline mock's into app settings;
   * `keyVault` puts the sentinel credentials into the Key Vault fake, read through managed identity.
   */
  credentials?: 'settings' | 'keyVault';
  /** SECRETS_CACHE_TTL_SECONDS, with `credentials: 'keyVault'`. */
  secretsCacheTtlSeconds?: number;
  /** Azurite keeps its data in a folder, so restartAzurite() loses nothing. */
  restartableAzurite?: boolean;
  hostEnv?: Record<string, string>;
}

export interface OutboundRig {
  azurite: RunningAzurite;
  twilio: TwilioProxy;
  /** The Key Vault chain, with `credentials: 'keyVault'`. */
  vault?: VaultChain;
  host: RunningHost;
  queue: QueueClient;
  poison: QueueClient;
  ledger: TableClient;
  queueName: string;
  maxDequeueCount: number;
  env: Record<string, string>;
  /** Faults for the next creates to a number, in order; `repeat` keeps returning the last one. */
  planFaults(to: string, faults: Fault[], options?: { repeat?: boolean }): void;
  /** Every line every host printed, across restarts. */
  output(): string;
  /** Host exits nobody asked for (a crash), described. */
  unexpectedExits: string[];
  /** SIGKILL: the host dies mid-whatever, as a crashed worker would. */
  killHost(): Promise<void>;
  startHost(): Promise<RunningHost>;
  stopHost(): Promise<void>;
  /** Stops Azurite (SIGTERM), waits `downMs`, starts it again on the same ports (and folder, if restartable). */
  restartAzurite(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startOutboundRig(options: OutboundRigOptions): Promise<OutboundRig> {
  const maxDequeueCount = options.maxDequeueCount ?? MAX_DEQUEUE_COUNT;
  const location = options.restartableAzurite ? mkdtempSync(join(tmpdir(), 'azurite-outbound-')) : undefined;
  const ports = { blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() };
  const cleanups: Array<() => Promise<void> | void> = [];
  if (location) cleanups.push(() => rmSync(location, { recursive: true, force: true }));
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const [azurite, prism, vault] = await Promise.all([
      startAzurite({ location, ...ports }),
      startPrism(),
      options.credentials === 'keyVault' ? startVaultChain() : undefined,
    ]);
    let currentAzurite = azurite;
    cleanups.push(
      () => currentAzurite.stop(),
      () => prism.stop(),
    );
    if (vault) cleanups.push(() => vault.stop());
    const twilio = await startTwilioProxy(prism.url);
    cleanups.push(() => twilio.stop());
    const planned = new Map<string, { faults: Fault[]; repeat: boolean }>();
    twilio.fault = ({ method, path, form }) => {
      if (method !== 'POST' || !/\/(Messages|Calls)\.json$/.test(path)) return undefined;
      const plan = planned.get(form.get('To') ?? '');
      if (!plan || plan.faults.length === 0) return undefined;
      return plan.repeat && plan.faults.length === 1 ? plan.faults[0] : plan.faults.shift();
    };
    if (vault) {
      vault.vault.setSecret(TWILIO_SECRET_NAMES.accountSid, SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID);
      vault.vault.setSecret(TWILIO_SECRET_NAMES.authToken, SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN);
      vault.vault.setSecret(TWILIO_SECRET_NAMES.apiKeySid, SENTINEL_CREDENTIALS.TWILIO_API_KEY_SID);
      vault.vault.setSecret(TWILIO_SECRET_NAMES.apiKeySecret, SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET);
    }

    const app: AppCopy = appCopyWithQueues({
      visibilityTimeout: options.visibilityTimeout ?? '00:00:01',
      maxDequeueCount,
      maxPollingInterval: '00:00:00.5',
    });
    cleanups.push(() => app.remove());
    const env: Record<string, string> = {
      AzureWebJobsStorage: azurite.connectionString,
      OUTBOUND_QUEUE: options.queueName,
      OUTBOUND_LEDGER: options.ledgerTable ?? 'ledgertest',
      OPTOUT_TABLE: options.optOutTable ?? 'optoutstest',
      OUTBOUND_SEND_LEASE_SECONDS: String(options.sendLeaseSeconds ?? 5),
      TWILIO_API_BASE_URL: twilio.url,
      WEBHOOK_BASE_URL,
      ...(vault ? { ...vault.childEnv(), TWILIO_FROM_NUMBER: FROM_NUMBER } : MOCK_TWILIO_CREDENTIALS),
      ...(options.secretsCacheTtlSeconds !== undefined && { SECRETS_CACHE_TTL_SECONDS: String(options.secretsCacheTtlSeconds) }),
      ...(options.hostLeaseSeconds !== undefined && { DEVHOST_QUEUE_LEASE_SECONDS: String(options.hostLeaseSeconds) }),
      ...options.hostEnv,
    };
    const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const queue = service.getQueueClient(options.queueName);
    await queue.createIfNotExists();

    let earlierOutput = '';
    let exitExpected = false;
    const alive = () => rig.host !== undefined && rig.host.process.exitCode === null && rig.host.process.signalCode === null;
    const rig: OutboundRig = {
      azurite,
      twilio,
      vault,
      host: undefined as unknown as RunningHost,
      queue,
      poison: service.getQueueClient(`${options.queueName}-poison`),
      ledger: TableClient.fromConnectionString(azurite.connectionString, env.OUTBOUND_LEDGER, { allowInsecureConnection: true }),
      queueName: options.queueName,
      maxDequeueCount,
      env,
      planFaults: (to, faults, { repeat = false } = {}) => planned.set(to, { faults: [...faults], repeat }),
      output: () => earlierOutput + (rig.host?.output() ?? ''),
      unexpectedExits: [],
      async killHost() {
        if (!alive()) return;
        exitExpected = true;
        const exited = new Promise((resolve) => rig.host.process.once('exit', resolve));
        rig.host.process.kill('SIGKILL');
        await exited;
      },
      async startHost() {
        earlierOutput += rig.host?.output() ?? '';
        const host = await startHost(env, { appRoot: app.root });
        exitExpected = false;
        host.process.once('exit', (code, signal) => {
          if (!exitExpected) rig.unexpectedExits.push(`exit code ${code}, signal ${signal}`);
        });
        rig.host = host;
        return host;
      },
      async stopHost() {
        exitExpected = true;
        if (alive()) await rig.host.stop();
      },
      async restartAzurite(downMs) {
        await currentAzurite.stop();
        await new Promise((r) => setTimeout(r, downMs));
        currentAzurite = await startAzurite({ location, ...ports });
        rig.azurite = currentAzurite;
      },
      async stop() {
        await rig.stopHost();
        await stopAll();
      },
    };
    await rig.startHost();
    return rig;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The rig's Key Vault chain; the rig must have been started with `credentials: 'keyVault'`. */
export function rigVault(rig: OutboundRig): VaultChain {
  if (!rig.vault) throw new Error("the outbound rig was started without credentials: 'keyVault'");
  return rig.vault;
}

/** Every ledger row, straight from the table. */
export async function ledgerRows(rig: OutboundRig): Promise<Map<string, Record<string, unknown>>> {
  const rows = new Map<string, Record<string, unknown>>();
  for await (const entity of rig.ledger.listEntities<Record<string, unknown>>()) rows.set(String(entity.partitionKey), entity);
  return rows;
}

/** The text of every message in a queue (received with a long lease: call it once the run is over). */
export async function drainTexts(queue: QueueClient): Promise<string[]> {
  const texts: string[] = [];
  if (!(await queue.exists())) return texts;
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 });
    if (receivedMessageItems.length === 0) return texts;
    texts.push(...receivedMessageItems.map((m) => m.messageText));
  }
}

/** The host's output without the tests' own polling of GET /api/outbound, for failure messages. */
export function hostLog(host: RunningHost): string {
  return host
    .output()
    .split('\n')
    .filter((line) => !line.includes("Executed 'outboundGet'"))
    .join('\n');
}

/** `otherHosts`: further instances on the same queue, whose log lines count too (any of them may take a message). */
export function outboundHelpers(rig: () => OutboundRig, otherHosts: () => RunningHost[] = () => []) {
  const helpers = {
    async ledgerRow(key: string): Promise<LedgerRow | undefined> {
      const response = await fetch(`${rig().host.baseUrl}/api/outbound/${encodeURIComponent(key)}`);
      if (response.status === 404) return undefined;
      if (!response.ok) throw new Error(`GET /api/outbound/${key} answered ${response.status}`);
      return (await response.json()) as LedgerRow;
    },
    /** Waits until the row for `key` has one of `statuses`. */
    async rowWithStatus(key: string, ...statuses: LedgerRow['status'][]): Promise<LedgerRow> {
      let last: LedgerRow | undefined;
      return waitFor(
        async () => {
          last = await helpers.ledgerRow(key);
          return last && statuses.includes(last.status) ? last : undefined;
        },
        {
          context: () => `Row ${key} is ${JSON.stringify(last)}, waiting for ${statuses.join('|')}.\nHost output:\n${hostLog(rig().host)}`,
        },
      );
    },
    /** The app's structured log entries (one JSON object per line) for a key. */
    logEntries(key: string, event = 'outbound'): Array<Record<string, unknown>> {
      return [rig().host, ...otherHosts()]
        .map((host) => host.output())
        .join('\n')
        .split('\n')
        .filter((line) => line.includes('{"event":'))
        .map((line) => JSON.parse(line.slice(line.indexOf('{"event":'))) as Record<string, unknown>)
        .filter((entry) => entry.event === event && entry.key === key);
    },
    async logEntry(key: string, outcome: RegExp, event = 'outbound'): Promise<Record<string, unknown>> {
      return waitFor(() => helpers.logEntries(key, event).find((e) => outcome.test(String(e.outcome))), {
        context: () => `No ${event} log entry for ${key} with outcome ${outcome}.\nHost output:\n${hostLog(rig().host)}`,
      });
    },
    /** Creates (POST Messages.json / Calls.json) the app sent for a recipient. */
    creates(to: string): RecordedRequest[] {
      return rig().twilio.requests.filter(
        (r) => r.method === 'POST' && /\/(Messages|Calls)\.json$/.test(r.path) && r.form.get('To') === to,
      );
    },
    /** Lookups (GET Messages.json / Calls.json) the app made for a recipient. */
    lookups(to: string): RecordedRequest[] {
      return rig().twilio.requests.filter((r) => r.method === 'GET' && new URL(r.path, 'http://x').searchParams.get('To') === to);
    },
    async enqueue(message: unknown, encode: (text: string) => string = (t) => t): Promise<string> {
      const text = typeof message === 'string' ? message : JSON.stringify(message);
      return (await rig().queue.sendMessage(encode(text))).messageId;
    },
    /** The local host logs each settled queue message; Succeeded means it was deleted, never to be retried. */
    async completed(messageId: string): Promise<void> {
      await waitFor(() => new RegExp(`Executed 'outbound' \\(Succeeded, Id=${messageId}`).test(rig().host.output()), {
        context: () => `Message ${messageId} did not complete.\nHost output:\n${hostLog(rig().host)}`,
      });
    },
  };
  return helpers;
}

export const base64 = (text: string) => Buffer.from(text).toString('base64');

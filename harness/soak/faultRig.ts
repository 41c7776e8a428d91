// The outbound fault soak's environment, on loopback: Azurite keeping its data in a folder (so it can be stopped
// and started again), Prism behind the recording/fault proxy, the Key Vault and managed identity fakes, and
// the built app under the local host reading its Twilio credentials from that vault. Each piece can be made
// to fail: Azurite stopped and restarted, the host killed (SIGKILL) and restarted, the vault unreachable.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { azuriteConnectionString, freePort, startAzurite, startPrism, type RunningAzurite } from '../../devhost/services';
import { TWILIO_SECRET_NAMES } from '../../shared/platform/twilioCredentials';
import { appCopyWithQueues, type AppCopy } from '../appCopy';
import { startHost, type RunningHost } from '../localHost';
import { SENTINEL_CREDENTIALS } from '../secrets';
import { startTwilioProxy, type TwilioProxy } from '../twilioProxy';
import { startVaultChain, type VaultChain } from '../vaultChain';

export const WEBHOOK_BASE_URL = 'https://calls.example.test';
export const FROM_NUMBER = '+15005550006';

export interface FaultRigOptions {
  /** OUTBOUND_SEND_LEASE_SECONDS: must outlast the longest attempt (see README, the guarantee's limits). */
  sendLeaseSeconds: number;
  /** How long a dead host's hold on its queue messages lasts (the Functions host's is 10 minutes). */
  hostLeaseSeconds: number;
  /** host.json queues.visibilityTimeout: the wait before a failed message is tried again. */
  visibilityTimeout: string;
  maxDequeueCount: number;
  secretsCacheTtlSeconds: number;
}

export interface FaultRig {
  twilio: TwilioProxy;
  vault: VaultChain;
  host: RunningHost;
  connectionString: string;
  queue: QueueClient;
  poison: QueueClient;
  ledger: TableClient;
  queueName: string;
  maxDequeueCount: number;
  /** Every line every host printed, across restarts. */
  output(): string;
  /** Host exits nobody asked for (a crash), described. */
  unexpectedExits: string[];
  killHost(): Promise<void>;
  startHost(): Promise<void>;
  stopHost(): Promise<void>;
  /** Stops Azurite (SIGTERM), waits `downMs`, starts it again on the same ports and data folder. */
  restartAzurite(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const QUEUE_NAME = 'soak-faults';
const LEDGER_TABLE = 'soakledger';

export async function startFaultRig(options: FaultRigOptions): Promise<FaultRig> {
  const location = mkdtempSync(join(tmpdir(), 'azurite-soak-'));
  const ports = { blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() };
  const connectionString = azuriteConnectionString(ports.blobPort, ports.queuePort, ports.tablePort);
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(location, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    let azurite: RunningAzurite = await startAzurite({ location, ...ports });
    cleanups.push(() => azurite.stop());
    const [prism, vault] = await Promise.all([startPrism(), startVaultChain()]);
    cleanups.push(
      () => prism.stop(),
      () => vault.stop(),
    );
    const twilio = await startTwilioProxy(prism.url);
    cleanups.push(() => twilio.stop());
    vault.vault.setSecret(TWILIO_SECRET_NAMES.accountSid, SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID);
    vault.vault.setSecret(TWILIO_SECRET_NAMES.authToken, SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN);
    vault.vault.setSecret(TWILIO_SECRET_NAMES.apiKeySid, SENTINEL_CREDENTIALS.TWILIO_API_KEY_SID);
    vault.vault.setSecret(TWILIO_SECRET_NAMES.apiKeySecret, SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET);

    const app: AppCopy = appCopyWithQueues({
      visibilityTimeout: options.visibilityTimeout,
      maxDequeueCount: options.maxDequeueCount,
      maxPollingInterval: '00:00:00.5',
    });
    cleanups.push(() => app.remove());
    const env = {
      AzureWebJobsStorage: connectionString,
      OUTBOUND_QUEUE: QUEUE_NAME,
      OUTBOUND_LEDGER: LEDGER_TABLE,
      OPTOUT_TABLE: 'soakoptouts',
      OUTBOUND_SEND_LEASE_SECONDS: String(options.sendLeaseSeconds),
      SECRETS_CACHE_TTL_SECONDS: String(options.secretsCacheTtlSeconds),
      TWILIO_API_BASE_URL: twilio.url,
      TWILIO_FROM_NUMBER: FROM_NUMBER,
      WEBHOOK_BASE_URL,
      DEVHOST_QUEUE_LEASE_SECONDS: String(options.hostLeaseSeconds),
      ...vault.childEnv(),
    };
    const service = QueueServiceClient.fromConnectionString(connectionString);
    const queue = service.getQueueClient(QUEUE_NAME);
    await queue.createIfNotExists();
    let earlierOutput = '';
    let exitExpected = false;
    const launch = async () => {
      const host = await startHost(env, { appRoot: app.root });
      exitExpected = false;
      host.process.once('exit', (code, signal) => {
        if (!exitExpected) rig.unexpectedExits.push(`exit code ${code}, signal ${signal}`);
      });
      return host;
    };
    const alive = () => rig.host.process.exitCode === null && rig.host.process.signalCode === null;
    const rig: FaultRig = {
      twilio,
      vault,
      host: undefined as unknown as RunningHost,
      connectionString,
      queue,
      poison: service.getQueueClient(`${QUEUE_NAME}-poison`),
      ledger: TableClient.fromConnectionString(connectionString, LEDGER_TABLE, { allowInsecureConnection: true }),
      queueName: QUEUE_NAME,
      maxDequeueCount: options.maxDequeueCount,
      output: () => earlierOutput + rig.host.output(),
      unexpectedExits: [],
      async killHost() {
        if (!alive()) return;
        exitExpected = true;
        const exited = new Promise((resolve) => rig.host.process.once('exit', resolve));
        rig.host.process.kill('SIGKILL');
        await exited;
      },
      async startHost() {
        earlierOutput += rig.host.output();
        rig.host = await launch();
      },
      async stopHost() {
        exitExpected = true;
        if (alive()) await rig.host.stop();
      },
      async restartAzurite(downMs) {
        await azurite.stop();
        await new Promise((r) => setTimeout(r, downMs));
        azurite = await startAzurite({ location, ...ports });
      },
      stop: async () => {
        await rig.stopHost();
        await stopAll();
      },
    };
    rig.host = await launch();
    return rig;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Every ledger row, straight from the table. */
export async function ledgerRows(rig: FaultRig): Promise<Map<string, Record<string, unknown>>> {
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

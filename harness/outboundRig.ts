// What the outbound integration tests share: Azurite, Prism behind the recording/fault proxy, and the built app
// under the local host with fast queue settings; plus helpers to enqueue, read the ledger over
// GET /api/outbound/{key}, and read the app's structured log lines.
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { MOCK_TWILIO_CREDENTIALS, startAzurite, startPrism, type RunningAzurite } from '../devhost/services';
import type { LedgerRow } from '../shared/outbound/ledger';
import { appCopyWithQueues, type AppCopy } from './appCopy';
import { startHost, type RunningHost } from './localHost';
import { startTwilioProxy, type Fault, type RecordedRequest, type TwilioProxy } from './twilioProxy';

export const WEBHOOK_BASE_URL = 'https://calls.example.test';
export const MAX_DEQUEUE_COUNT = 3;

export interface OutboundRig {
  azurite: RunningAzurite;
  twilio: TwilioProxy;
  host: RunningHost;
  queue: QueueClient;
  poison: QueueClient;
  env: Record<string, string>;
  /** Faults for the next creates to a number, in order; `repeat` keeps returning the last one. */
  planFaults(to: string, faults: Fault[], options?: { repeat?: boolean }): void;
  startHost(): Promise<RunningHost>;
  stop(): Promise<void>;
}

export async function startOutboundRig(options: {
  queueName: string;
  leaseSeconds?: number;
  hostEnv?: Record<string, string>;
}): Promise<OutboundRig> {
  const [azurite, prism] = await Promise.all([startAzurite(), startPrism()]);
  const twilio = await startTwilioProxy(prism.url);
  const planned = new Map<string, { faults: Fault[]; repeat: boolean }>();
  twilio.fault = ({ method, path, form }) => {
    if (method !== 'POST' || !/\/(Messages|Calls)\.json$/.test(path)) return undefined;
    const plan = planned.get(form.get('To') ?? '');
    if (!plan || plan.faults.length === 0) return undefined;
    return plan.repeat && plan.faults.length === 1 ? plan.faults[0] : plan.faults.shift();
  };
  const app: AppCopy = appCopyWithQueues({
    visibilityTimeout: '00:00:01',
    maxDequeueCount: MAX_DEQUEUE_COUNT,
    maxPollingInterval: '00:00:00.5',
  });
  const env = {
    AzureWebJobsStorage: azurite.connectionString,
    OUTBOUND_QUEUE: options.queueName,
    OUTBOUND_LEDGER: 'ledgertest',
    OPTOUT_TABLE: 'optoutstest',
    OUTBOUND_SEND_LEASE_SECONDS: String(options.leaseSeconds ?? 5),
    TWILIO_API_BASE_URL: twilio.url,
    WEBHOOK_BASE_URL,
    ...MOCK_TWILIO_CREDENTIALS,
    ...options.hostEnv,
  };
  const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
  const queue = service.getQueueClient(options.queueName);
  await queue.createIfNotExists();
  const rig: OutboundRig = {
    azurite,
    twilio,
    host: undefined as unknown as RunningHost,
    queue,
    poison: service.getQueueClient(`${options.queueName}-poison`),
    env,
    planFaults: (to, faults, { repeat = false } = {}) => planned.set(to, { faults: [...faults], repeat }),
    async startHost() {
      rig.host = await startHost(env, { appRoot: app.root });
      return rig.host;
    },
    async stop() {
      await rig.host?.stop();
      await Promise.all([twilio.stop(), prism.stop(), azurite.stop()]);
      app.remove();
    },
  };
  await rig.startHost();
  return rig;
}

export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  describe: () => string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out. ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
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

export function outboundHelpers(rig: () => OutboundRig) {
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
      return until(
        async () => {
          last = await helpers.ledgerRow(key);
          return last && statuses.includes(last.status) ? last : undefined;
        },
        () => `Row ${key} is ${JSON.stringify(last)}, waiting for ${statuses.join('|')}.\nHost output:\n${hostLog(rig().host)}`,
      );
    },
    /** The app's structured log entries (one JSON object per line) for a key. */
    logEntries(key: string, event = 'outbound'): Array<Record<string, unknown>> {
      return rig()
        .host.output()
        .split('\n')
        .filter((line) => line.includes('{"event":'))
        .map((line) => JSON.parse(line.slice(line.indexOf('{"event":'))) as Record<string, unknown>)
        .filter((entry) => entry.event === event && entry.key === key);
    },
    async logEntry(key: string, outcome: RegExp, event = 'outbound'): Promise<Record<string, unknown>> {
      return until(
        () => helpers.logEntries(key, event).find((e) => outcome.test(String(e.outcome))),
        () => `No ${event} log entry for ${key} with outcome ${outcome}.\nHost output:\n${hostLog(rig().host)}`,
      );
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
      await until(
        () => new RegExp(`Executed 'outbound' \\(Succeeded, Id=${messageId}`).test(rig().host.output()),
        () => `Message ${messageId} did not complete.\nHost output:\n${hostLog(rig().host)}`,
      );
    },
  };
  return helpers;
}

export const base64 = (text: string) => Buffer.from(text).toString('base64');

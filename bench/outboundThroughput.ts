// Outbound throughput: messages per second through the queue function (local host, ledger and opt-out table on
// Azurite) into a fake Twilio, against the raw twilio SDK sending the same number of messages at the same
// concurrency to the same fake. Then, with added Twilio latency, how throughput follows host.json concurrency.
import { QueueServiceClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';
import { MOCK_TWILIO_CREDENTIALS, startAzurite, type RunningAzurite } from '../devhost/services';
import { appCopyWithQueues } from '../harness/appCopy';
import { startHost } from '../harness/localHost';
import { startFakeTwilio, type FakeTwilio } from '../harness/fakeTwilio';

interface QueueConcurrency {
  batchSize: number;
  newBatchThreshold: number;
}

/** Creates per second between the first and the last create the fake saw (start-up excluded). */
function rate(fake: FakeTwilio, from: number): number {
  const times = fake.creates.slice(from);
  return (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000);
}

async function waitForCreates(fake: FakeTwilio, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (fake.creates.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${fake.creates.length} of ${count} creates arrived`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let run = 0;

async function throughQueueFunction(
  azurite: RunningAzurite,
  fake: FakeTwilio,
  concurrency: QueueConcurrency,
  count: number,
  extraEnv: Record<string, string> = {},
): Promise<number> {
  run++;
  const queueName = `bench-outbound-${run}`;
  const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(queueName);
  await queue.create();
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) =>
        queue.sendMessage(
          JSON.stringify({ type: 'sms', to: '+15551230000', body: `bench ${i + j}`, idempotencyKey: `bench-${run}-${i + j}` }),
        ),
      ),
    );
  }
  const app = appCopyWithQueues({ ...concurrency, maxPollingInterval: '00:00:00.1' });
  const before = fake.creates.length;
  const host = await startHost(
    {
      AzureWebJobsStorage: azurite.connectionString,
      OUTBOUND_QUEUE: queueName,
      OUTBOUND_LEDGER: `benchledger${run}`,
      TWILIO_API_BASE_URL: fake.url,
      WEBHOOK_BASE_URL: 'https://bench.example.test',
      EVENTS_QUEUE: `bench-events-${run}`,
      ...MOCK_TWILIO_CREDENTIALS,
      ...extraEnv,
    },
    { appRoot: app.root },
  );
  try {
    await waitForCreates(fake, before + count, 120_000);
    return rate(fake, before);
  } finally {
    await host.stop();
    app.remove();
  }
}

/** The twilio SDK as anyone would use it, pointed at the fake. */
function rawTwilioClient(fake: FakeTwilio) {
  class Rebased extends RequestClient {
    override request<T>(opts: RequestClient.RequestOptions<T>) {
      return super.request({ ...opts, uri: opts.uri.replace('https://api.twilio.com', fake.url) });
    }
  }
  return twilio(MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID, MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN, { httpClient: new Rebased() });
}

async function throughRawSdk(fake: FakeTwilio, concurrency: number, count: number): Promise<number> {
  const client = rawTwilioClient(fake);
  const before = fake.creates.length;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await client.messages.create({ to: '+15551230000', from: MOCK_TWILIO_CREDENTIALS.TWILIO_FROM_NUMBER, body: `bench ${i}` });
      }
    }),
  );
  return rate(fake, before);
}

/**
 * A second baseline: the raw SDK plus the storage round trips any exactly-once sender makes per message, done
 * by hand with no framework: receive and delete the queue message, insert a ledger row, read the opt-out
 * table, replace the row by ETag. The app's ratio against it is its own overhead over the guarantee's cost.
 */
async function throughRawSdkWithLedger(azurite: RunningAzurite, fake: FakeTwilio, concurrency: number, count: number): Promise<number> {
  run++;
  const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(`bench-raw-${run}`);
  await queue.create();
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) =>
        queue.sendMessage(JSON.stringify({ to: '+15551230000', body: `bench ${i + j}`, key: `raw-${run}-${i + j}` })),
      ),
    );
  }
  const ledger = TableClient.fromConnectionString(azurite.connectionString, `benchrawledger${run}`, { allowInsecureConnection: true });
  const optOuts = TableClient.fromConnectionString(azurite.connectionString, `benchrawoptouts${run}`, { allowInsecureConnection: true });
  await Promise.all([ledger.createTable(), optOuts.createTable()]);
  const client = rawTwilioClient(fake);
  const before = fake.creates.length;
  let done = 0;
  const sendOne = async (message: { messageId: string; popReceipt: string; messageText: string }) => {
    const { to, body, key } = JSON.parse(message.messageText) as { to: string; body: string; key: string };
    const claimed = await ledger.createEntity({ partitionKey: key, rowKey: '', status: 'sending' });
    await optOuts.getEntity('optout', to).catch(() => undefined);
    const sent = await client.messages.create({ to, from: MOCK_TWILIO_CREDENTIALS.TWILIO_FROM_NUMBER, body });
    await ledger.updateEntity({ partitionKey: key, rowKey: '', status: 'sent', sid: sent.sid }, 'Replace', { etag: claimed.etag });
    await queue.deleteMessage(message.messageId, message.popReceipt);
    done++;
  };
  // Receivers whose batch sizes add up to the same concurrency as the queue function's.
  const batches = concurrency > 16 ? [16, concurrency - 16] : [concurrency];
  await Promise.all(
    batches.map(async (batch) => {
      while (done < count) {
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: batch, visibilityTimeout: 600 });
        if (receivedMessageItems.length === 0) break;
        await Promise.all(receivedMessageItems.map(sendOne));
      }
    }),
  );
  return rate(fake, before);
}

export async function outboundThroughput(quick: boolean) {
  const [azurite, fake] = await Promise.all([startAzurite(), startFakeTwilio()]);
  try {
    const count = quick ? 200 : 600;
    const defaults: QueueConcurrency = { batchSize: 16, newBatchThreshold: 8 };
    const concurrency = defaults.batchSize + defaults.newBatchThreshold;
    const baseline = await throughRawSdk(fake, concurrency, count);
    const withLedger = await throughRawSdkWithLedger(azurite, fake, concurrency, count);
    const app = await throughQueueFunction(azurite, fake, defaults, count);
    // The same run with events off (EVENTS_QUEUE empty): what the outbox and the events queue cost.
    const eventsOff = await throughQueueFunction(azurite, fake, defaults, count, { EVENTS_QUEUE: '' });
    const zeroLatency = {
      count,
      concurrency,
      baselinePerSecond: Math.round(baseline),
      appPerSecond: Math.round(app),
      ratio: app / baseline,
      goal: 0.5,
      rawWithLedgerPerSecond: Math.round(withLedger),
      ratioToRawWithLedger: app / withLedger,
      eventsOffPerSecond: Math.round(eventsOff),
      eventsOnToOff: app / eventsOff,
    };

    fake.latencyMs = 50;
    const scaling = [];
    const settingsToTry: QueueConcurrency[] = quick
      ? [
          { batchSize: 1, newBatchThreshold: 0 },
          { batchSize: 16, newBatchThreshold: 8 },
        ]
      : [
          { batchSize: 1, newBatchThreshold: 0 },
          { batchSize: 4, newBatchThreshold: 2 },
          { batchSize: 16, newBatchThreshold: 8 },
          { batchSize: 32, newBatchThreshold: 16 },
        ];
    for (const setting of settingsToTry) {
      const perSecond = await throughQueueFunction(
        azurite,
        fake,
        setting,
        Math.min(count, 40 * (setting.batchSize + setting.newBatchThreshold)),
      );
      scaling.push({ ...setting, concurrency: setting.batchSize + setting.newBatchThreshold, perSecond: Math.round(perSecond) });
    }
    return { zeroLatency, latencyMs: 50, scaling };
  } finally {
    await Promise.all([azurite.stop(), fake.stop()]);
  }
}

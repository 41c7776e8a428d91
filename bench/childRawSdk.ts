// Child process for the outbound baselines, in its own process so that its CPU time (printed as JSON) is its own,
// as the host's is measured apart from the fake Twilio and Azurite. BENCH_MODE=sdk: the twilio SDK as anyone
// would use it, pointed at the fake, BENCH_COUNT messages with BENCH_CONCURRENCY in flight. BENCH_MODE=ledger:
// the same plus the storage round trips any exactly-once sender makes per message, written by hand with no
// framework: receive and delete the queue message (BENCH_QUEUE, filled by the parent), insert a ledger row,
// read the opt-out table (every sender's and this sender's, in parallel, as the app does), replace the row by ETag.
// BENCH_MODE=features: the ledger mode plus the two requests the app's features add to each message, as the app
// makes them: the `sent` event on an events queue and the first status re-check, invisible for 15 minutes, on the
// outbound queue, both at once before the row is replaced.
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';

function rawClient() {
  const base = process.env.BENCH_TWILIO_URL!;
  class Rebased extends RequestClient {
    override request<T>(opts: RequestClient.RequestOptions<T>) {
      return super.request({ ...opts, uri: opts.uri.replace('https://api.twilio.com', base) });
    }
  }
  return twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN, { httpClient: new Rebased() });
}

const count = Number(process.env.BENCH_COUNT);
const concurrency = Number(process.env.BENCH_CONCURRENCY);
const from = process.env.TWILIO_FROM_NUMBER!;

async function sdkOnly(client: ReturnType<typeof rawClient>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await client.messages.create({ to: '+15551230000', from, body: `bench ${i}` });
      }
    }),
  );
}

async function withLedger(client: ReturnType<typeof rawClient>, setUp: () => void, features: boolean): Promise<void> {
  const { QueueClient } = await import('@azure/storage-queue');
  const { TableClient } = await import('@azure/data-tables');
  const { randomUUID } = await import('node:crypto');
  const connection = process.env.BENCH_CONNECTION!;
  const queue = new QueueClient(connection, process.env.BENCH_QUEUE!);
  const events = features ? new QueueClient(connection, `${process.env.BENCH_QUEUE!}-events`) : undefined;
  await events?.create();
  const ledger = TableClient.fromConnectionString(connection, process.env.BENCH_LEDGER!, { allowInsecureConnection: true });
  const optOuts = TableClient.fromConnectionString(connection, `${process.env.BENCH_LEDGER!}optouts`, { allowInsecureConnection: true });
  await Promise.all([ledger.createTable(), optOuts.createTable()]);
  setUp();
  let done = 0;
  const sendOne = async (message: { messageId: string; popReceipt: string; messageText: string }) => {
    const { to, body, key } = JSON.parse(message.messageText) as { to: string; body: string; key: string };
    const claimed = await ledger.createEntity({ partitionKey: key, rowKey: '', status: 'sending' });
    await Promise.all([
      optOuts.getEntity('optout', to).catch(() => undefined),
      optOuts.getEntity(`sender:${from}`, to).catch(() => undefined),
    ]);
    const sent = await client.messages.create({ to, from, body });
    if (events) {
      const event = {
        specversion: '1.0',
        id: `outbound-${key}/2-sent`,
        source: '/twilio-azure-functions',
        type: 'com.twilio.outbound.status',
        time: new Date().toISOString(),
        subject: key,
        datacontenttype: 'application/json',
        correlationid: randomUUID(),
        data: {
          key,
          type: 'sms',
          status: 'sent',
          previousStatus: 'sending',
          sid: sent.sid,
          twilioStatus: sent.status,
          errorCode: null,
          errorMessage: null,
          reason: null,
          answeredBy: null,
          metadata: null,
        },
      };
      await Promise.all([
        events.sendMessage(JSON.stringify(event), { messageTimeToLive: -1 }),
        queue.sendMessage(JSON.stringify({ statusCheck: { key, check: 1 } }), { visibilityTimeout: 900, messageTimeToLive: -1 }),
      ]);
    }
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
}

async function main(): Promise<void> {
  const client = rawClient();
  let cpu = process.cpuUsage();
  const setUp = () => (cpu = process.cpuUsage());
  if (process.env.BENCH_MODE === 'ledger' || process.env.BENCH_MODE === 'features')
    await withLedger(client, setUp, process.env.BENCH_MODE === 'features');
  else await sdkOnly(client);
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ cpuMsPerMessage: (used.user + used.system) / 1000 / count })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

// npm run send: puts one outbound message on the queue, for local use and scripts. The message is checked
// with the same schema the app uses before anything is enqueued.
//   npm run send -- sms +15551234567 "Hello"
//   npm run send -- call +15551234567 --say "Hello"
import { parseArgs } from 'node:util';
import type { QueueClient } from '@azure/storage-queue';
import { applyLocalSettings, readLocalSettings } from '../devhost/localSettings';
import { describeIssues, validateOutboundMessage } from '../shared/outbound/schema';
import { azureStatusOf } from '../shared/platform/azureErrors';
import { SETTINGS } from '../shared/platform/settings';

const USAGE = `Usage:
  npm run send -- sms <to> <body> [--media-url URL]... [options]
  npm run send -- call <to> (--say TEXT | --twiml XML | --url URL) [options]

Options:
  --from NUMBER             sender, E.164 (default: the app's TWILIO_FROM_NUMBER)
  --messaging-service SID   SMS only: Messaging Service (MG...)
  --send-at ISO-TIME        send later, at most 7 days ahead
  --key KEY                 idempotency key (default: the queue message id)
  --metadata JSON           your own data, kept in the ledger (at most 1 KB)
  --status-callback URL     where Twilio posts status changes (default: the app's /api/status)
  --queue NAME              queue (default: OUTBOUND_QUEUE, else ${SETTINGS.OUTBOUND_QUEUE.default})
  --connection-string CS    storage connection string (default: AzureWebJobsStorage from the
                            environment or local.settings.json)
  --account-url URL         queue service URL, e.g. https://<account>.queue.core.windows.net, signed in
                            with DefaultAzureCredential (az login, azd auth login, VS Code, ...)`;

class UsageError extends Error {}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'media-url': { type: 'string', multiple: true },
      say: { type: 'string' },
      twiml: { type: 'string' },
      url: { type: 'string' },
      from: { type: 'string' },
      'messaging-service': { type: 'string' },
      'send-at': { type: 'string' },
      key: { type: 'string' },
      metadata: { type: 'string' },
      'status-callback': { type: 'string' },
      queue: { type: 'string' },
      'connection-string': { type: 'string' },
      'account-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) throw new UsageError('');
  const [type, to, body, ...extra] = positionals;
  if ((type !== 'sms' && type !== 'call') || !to) throw new UsageError('Give the type (sms or call) and the recipient.');
  if (extra.length || (type === 'call' && body !== undefined))
    throw new UsageError(`Unexpected argument: ${[body, ...extra].filter(Boolean).join(' ')}`);
  let metadata: unknown;
  try {
    metadata = values.metadata === undefined ? undefined : JSON.parse(values.metadata);
  } catch {
    throw new UsageError('--metadata must be JSON, e.g. --metadata \'{"orderId": 42}\'');
  }
  const message = {
    type,
    to,
    from: values.from,
    ...(type === 'sms'
      ? { body, mediaUrls: values['media-url'], messagingServiceSid: values['messaging-service'] }
      : { say: values.say, twiml: values.twiml, url: values.url }),
    sendAt: values['send-at'],
    idempotencyKey: values.key,
    metadata,
    statusCallback: values['status-callback'],
  };
  return { message: JSON.parse(JSON.stringify(message)) as Record<string, unknown>, values };
}

async function openQueue(options: { queue?: string; connectionString?: string; accountUrl?: string }): Promise<QueueClient> {
  const { QueueClient } = await import('@azure/storage-queue');
  const name = options.queue ?? process.env.OUTBOUND_QUEUE ?? SETTINGS.OUTBOUND_QUEUE.default;
  const accountUrl = options.accountUrl ?? (options.connectionString ? undefined : process.env.AzureWebJobsStorage__queueServiceUri);
  let queue: QueueClient;
  if (accountUrl) {
    const { DefaultAzureCredential } = await import('@azure/identity');
    queue = new QueueClient(`${accountUrl.replace(/\/+$/, '')}/${name}`, new DefaultAzureCredential());
  } else {
    const connectionString = options.connectionString ?? process.env.AzureWebJobsStorage;
    if (!connectionString)
      throw new UsageError(
        'No storage account: set AzureWebJobsStorage (or local.settings.json), or pass --connection-string or --account-url.',
      );
    queue = new QueueClient(connectionString, name);
  }
  try {
    await queue.createIfNotExists();
  } catch (error) {
    if ((await azureStatusOf(error)) !== 403) throw error; // may send but not create: fine
  }
  return queue;
}

async function main(): Promise<void> {
  applyLocalSettings(readLocalSettings(process.cwd()));
  const { message, values } = parse(process.argv.slice(2));
  const now = new Date();
  const validation = validateOutboundMessage(message, { now });
  if (!validation.ok) throw new UsageError(`Not a valid outbound message: ${describeIssues(validation.issues)}`);
  const queue = await openQueue({ queue: values.queue, connectionString: values['connection-string'], accountUrl: values['account-url'] });
  const dueInMs = validation.message.sendAt ? Date.parse(validation.message.sendAt) - now.getTime() : 0;
  const sent = await queue.sendMessage(JSON.stringify(validation.message), {
    visibilityTimeout: dueInMs > 0 ? Math.ceil(dueInMs / 1000) : undefined,
    messageTimeToLive: -1,
  });
  const key = validation.message.idempotencyKey ?? sent.messageId;
  console.log(`Enqueued ${validation.message.type} on queue ${queue.name}: message id ${sent.messageId}, idempotency key ${key}.`);
  console.log(`Follow it with GET /api/outbound/${encodeURIComponent(key)}.`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    if (error.message) console.error(`${error.message}\n`);
    console.error(USAGE);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

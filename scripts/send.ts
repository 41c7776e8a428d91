// npm run send: puts one outbound message on the queue, for local use and scripts, the way POST /api/outbound
// does: the same schema, the same check that the app can send it, and its ledger row written `accepted` at once
// (acceptAndSchedule), so the status URL it prints answers from the start.
//   npm run send -- sms +15551234567 "Hello"
//   npm run send -- call +15551234567 --say "Hello"
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { applyLocalSettings, readLocalSettings } from '../devhost/localSettings';
import { offlineMockSettings, usesOfflineMock } from '../devhost/services';
import { AppNotConfiguredError, InvalidMessageError, KeyReusedError } from '../shared/outbound/errors';
import { liveOutboundIo } from '../shared/outbound/liveIo';
import { acceptAndSchedule } from '../shared/outbound/orchestrator';
import { describeIssues, validateOutboundMessage } from '../shared/outbound/schema';
import { outboundStatusUrl } from '../shared/outbound/statusUrls';
import { asRestError } from '../shared/platform/azureErrors';
import { settings, SETTINGS, SettingsError } from '../shared/platform/settings';
import { storageOutage } from '../shared/platform/storageUnavailable';

const USAGE = `Usage:
  npm run send -- sms <to> <body> [--media-url URL]... [options]
  npm run send -- call <to> (--say TEXT | --twiml XML | --url URL) [options]

Options:
  --from NUMBER             sender, E.164 (default: the app's TWILIO_FROM_NUMBER)
  --messaging-service SID   SMS only: Messaging Service (MG...)
  --send-at ISO-TIME        send later, at most 7 days ahead
  --key KEY                 idempotency key (default: a new UUID)
  --metadata JSON           your own data, kept in the ledger (at most 1 KB)
  --status-callback URL     where Twilio posts status changes (default: the app's /api/status)
  --queue NAME              queue (default: OUTBOUND_QUEUE, else ${SETTINGS.OUTBOUND_QUEUE.default}); the ledger
                            is OUTBOUND_LEDGER (else ${SETTINGS.OUTBOUND_LEDGER.default})
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

/** Points the app's own settings at the storage the options name, so the ledger and queue modules use it. */
function useStorage(options: { queue?: string; connectionString?: string; accountUrl?: string }): void {
  if (options.queue) process.env.OUTBOUND_QUEUE = options.queue;
  const accountUrl = options.accountUrl?.replace(/\/+$/, '');
  if (accountUrl) {
    delete process.env.AzureWebJobsStorage;
    process.env.AzureWebJobsStorage__queueServiceUri = accountUrl;
    process.env.AzureWebJobsStorage__tableServiceUri = accountUrl.replace('.queue.', '.table.');
  } else if (options.connectionString) {
    process.env.AzureWebJobsStorage = options.connectionString;
  } else if (!process.env.AzureWebJobsStorage && !process.env.AzureWebJobsStorage__queueServiceUri) {
    throw new UsageError(
      'No storage account: set AzureWebJobsStorage (or local.settings.json), or pass --connection-string or --account-url.',
    );
  }
}

/** The key of the message being sent, once known: a retry after an outage must use the same one. */
let sendingKey: string | undefined;

/** What to tell a person when storage does not answer: what is down, and how to start it. */
async function storageDownMessage(error: unknown): Promise<string | undefined> {
  const outage = await storageOutage(error);
  if (!outage) return undefined;
  const url = (await asRestError(error))?.request?.url;
  const where = url ? new URL(url).origin : 'the storage account';
  const local = /^http:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(where);
  return [
    `Storage is not reachable at ${where}: ${outage}. Nothing was enqueued.`,
    local
      ? 'That is the local storage emulator (Azurite). Start it with `npm start` (which starts Azurite and the app), or on its own with `npx azurite --location .azurite`.'
      : 'Check the account URL or connection string, your network, and that the storage account exists.',
    ...(sendingKey ? [`Then run the same command with --key ${sendingKey}: a message is sent once per key.`] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  applyLocalSettings(readLocalSettings(process.cwd()));
  const { message, values } = parse(process.argv.slice(2));
  const now = new Date();
  const validation = validateOutboundMessage(message, { now });
  if (!validation.ok) throw new UsageError(`Not a valid outbound message: ${describeIssues(validation.issues)}`);
  const target = values['account-url'] ? 'deployed' : 'local';
  useStorage({ queue: values.queue, connectionString: values['connection-string'], accountUrl: values['account-url'] });
  // The CLI reads local.settings.json as the app does; the local host then runs as Development.
  process.env.AZURE_FUNCTIONS_ENVIRONMENT ??= 'Development';
  // `npm start` without credentials runs the offline mock, whose default sender the app will then use.
  if (target === 'local' && usesOfflineMock(process.env)) Object.assign(process.env, offlineMockSettings(process.env).values);
  const key = validation.message.idempotencyKey ?? randomUUID();
  sendingKey = key;
  const io = liveOutboundIo('request');
  // The local settings are the app's when it runs here; a deployed app has its own, and checks them itself.
  const { row } = await acceptAndSchedule(
    target === 'local' ? io : { ...io, defaults: undefined },
    { ...validation.message, idempotencyKey: key },
    { now },
  );
  const base = settings().webhookBaseUrl ?? `http://localhost:${readLocalSettings(process.cwd()).localHttpPort ?? 7071}`;
  console.log(
    `Enqueued ${validation.message.type} on queue ${settings().outboundQueue}, idempotency key ${key}. Ledger: ${row?.status ?? 'accepted'}.`,
  );
  console.log(`Follow it with GET ${outboundStatusUrl(base, key)}`);
}

main().catch(async (error: unknown) => {
  if (error instanceof UsageError) {
    if (error.message) console.error(`${error.message}\n`);
    console.error(USAGE);
    process.exit(2);
  }
  // Refused for good: retrying the same command gives the same answer.
  if (error instanceof InvalidMessageError || error instanceof AppNotConfiguredError || error instanceof KeyReusedError) {
    console.error(`Not enqueued: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof SettingsError) {
    console.error(error.message);
    process.exit(2);
  }
  const down = await storageDownMessage(error);
  console.error(down ?? (error instanceof Error ? error.message : String(error)));
  process.exit(1);
});

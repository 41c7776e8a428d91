// npm run send: puts outbound messages on the queue, cancels one, or sends a batch file, for local use and scripts,
// the way POST /api/outbound does: the same schema, the same check that the app can send it, and its ledger row
// written `accepted` at once (acceptAndSchedule), so GET and DELETE /api/outbound/{key} know it from the start.
//   npm run send -- sms +15551234567 "Hello"
//   npm run send -- call +15551234567 --say "Hello"
//   npm run send -- cancel order-42
//   npm run send -- batch recipients.csv --key campaign-7
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { parseArgs } from 'node:util';
import { readLocalSettings, useLocalSettings } from '../devhost/localSettings';
import { offlineMockSettings, usesOfflineMock } from '../devhost/services';
import { validateBatch, mapLimited } from '../shared/outbound/batch';
import { isRefusal, REFUSAL_EXIT_CODE, refusalText } from '../shared/outbound/refusals';
import { liveOutboundIo } from '../shared/outbound/liveIo';
import { acceptAndSchedule, cancelOutbound } from '../shared/outbound/orchestrator';
import { describeIssues, validateOutboundMessage } from '../shared/outbound/schema';
import { outboundStatusUrl } from '../shared/outbound/statusUrls';
import { asRestError } from '../shared/platform/azureErrors';
import { settings, SETTINGS, SettingsError } from '../shared/platform/settings';
import { storageOutage } from '../shared/platform/storageUnavailable';
import { BatchFileError, readBatchFile } from './batchFile';
import { parseToolArgs, runTool, UsageError } from './toolCli';
import { newCorrelationId } from '../shared/outbound/correlation';

/** One id per run (docs/outbound.md, One id through the path): the run's messages and their log lines carry it. */
const runCorrelationId = newCorrelationId();

export const USAGE = `Usage:
  npm run send -- sms <to> [<body>] [--media-url URL]... [options]
  npm run send -- call <to> (--say TEXT | --twiml XML | --url URL) [options]
  npm run send -- cancel <key>
  npm run send -- batch <file.csv | file.jsonl> [--key BATCH-KEY] [storage options]

<to> and --from are E.164 numbers (+15551234567); an sms also takes WhatsApp addresses (whatsapp:+15551234567).

Options for every message:
  --from ADDRESS            sender (default: TWILIO_MESSAGING_SERVICE_SID, else TWILIO_FROM_NUMBER)
  --send-at ISO-TIME        send later, at most 35 days ahead
  --window JSON             quiet hours: send only inside {"start":"09:00","end":"20:00","timeZone":"America/New_York"}
  --key KEY                 idempotency key (default: a new UUID); for batch, the batch key
  --metadata JSON           your own data, kept in the ledger (at most 1 KB)
  --correlation-id ID       the id its log lines and events carry, a W3C trace id (default: one new id per run)
  --status-callback URL     where Twilio posts status changes (default: the app's /api/status)

SMS options:
  --messaging-service SID   Messaging Service (MG...)
  --media-url URL           media to attach (MMS), up to 10 times
  --content-sid SID         Content template (HX...) instead of <body>; needed for WhatsApp after 24 hours
  --content-variables JSON  the template's values, e.g. '{"1": "Ada"}'
  --validity-period SECONDS how long Twilio may keep it queued (1-36000)
  --shorten-urls            shorten links (Messaging Service link shortening)
  --smart-encoded           replace Unicode look-alikes with GSM-7 characters
  --send-as-mms             send as MMS even without media (Messaging Service)

Call options:
  --say TEXT | --twiml XML | --url URL   what the call plays (exactly one)
  --timeout SECONDS         how long to let it ring (5-600)
  --time-limit SECONDS      longest the call may last (1-86400)
  --record                  record the call
  --send-digits DIGITS      keys to press once connected (0-9 * # w)
  --machine-detection MODE  Enable or DetectMessageEnd (asynchronous; AnsweredBy lands in the ledger)
  --machine-say TEXT        what to leave on an answering machine instead (implies DetectMessageEnd)

Batch files: CSV with a header row naming the fields (type,to,body,contentSid,...; mediaUrls space-separated,
metadata and contentVariables as JSON), or JSONL with one message per line. Each recipient's key is derived
from the batch key and the recipient, so running the same file with the same --key again sends nothing twice.

Storage options:
  --queue NAME              queue (default: OUTBOUND_QUEUE, else ${SETTINGS.OUTBOUND_QUEUE.default})
  --ledger NAME             ledger table (default: OUTBOUND_LEDGER, else ${SETTINGS.OUTBOUND_LEDGER.default})
  --connection-string CS    storage connection string (default: AzureWebJobsStorage from the
                            environment or local.settings.json)
  --account-url URL         queue service URL, e.g. https://<account>.queue.core.windows.net (the table
                            service is the same account's), signed in with DefaultAzureCredential`;

const OPTIONS = {
  'media-url': { type: 'string', multiple: true },
  say: { type: 'string' },
  twiml: { type: 'string' },
  url: { type: 'string' },
  from: { type: 'string' },
  'messaging-service': { type: 'string' },
  'content-sid': { type: 'string' },
  'content-variables': { type: 'string' },
  'validity-period': { type: 'string' },
  'shorten-urls': { type: 'boolean' },
  'smart-encoded': { type: 'boolean' },
  'send-as-mms': { type: 'boolean' },
  timeout: { type: 'string' },
  'time-limit': { type: 'string' },
  record: { type: 'boolean' },
  'send-digits': { type: 'string' },
  'machine-detection': { type: 'string' },
  'machine-say': { type: 'string' },
  'send-at': { type: 'string' },
  window: { type: 'string' },
  key: { type: 'string' },
  'correlation-id': { type: 'string' },
  metadata: { type: 'string' },
  'status-callback': { type: 'string' },
  queue: { type: 'string' },
  ledger: { type: 'string' },
  'connection-string': { type: 'string' },
  'account-url': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function json(name: string, text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    throw new UsageError(`--${name} must be JSON, e.g. --${name} '{"orderId": 42}'`);
  }
}

/** A number option as a number when it looks like one; the schema then says what is wrong with it. */
const int = (text: string | undefined) => (text === undefined ? undefined : /^-?\d+$/.test(text) ? Number(text) : text);

function messageFrom(type: string, to: string, body: string | undefined, values: Values): Record<string, unknown> {
  const message = {
    type,
    to,
    from: values.from,
    ...(type === 'sms'
      ? {
          body,
          mediaUrls: values['media-url'],
          messagingServiceSid: values['messaging-service'],
          contentSid: values['content-sid'],
          contentVariables: json('content-variables', values['content-variables']),
          validityPeriod: int(values['validity-period']),
          shortenUrls: values['shorten-urls'],
          smartEncoded: values['smart-encoded'],
          sendAsMms: values['send-as-mms'],
        }
      : {
          say: values.say,
          twiml: values.twiml,
          url: values.url,
          timeout: int(values.timeout),
          timeLimit: int(values['time-limit']),
          record: values.record,
          sendDigits: values['send-digits'],
          machineDetection: values['machine-detection'],
          machineSay: values['machine-say'],
        }),
    sendAt: values['send-at'],
    window: json('window', values.window),
    idempotencyKey: values.key,
    correlationId: values['correlation-id'],
    metadata: json('metadata', values.metadata),
    statusCallback: values['status-callback'],
  };
  return JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
}

/** Points the app's own settings at the storage the options name, so the ledger and queue modules use it. */
function useStorage(options: { queue?: string; ledger?: string; connectionString?: string; accountUrl?: string }): void {
  if (options.queue) process.env.OUTBOUND_QUEUE = options.queue;
  if (options.ledger) process.env.OUTBOUND_LEDGER = options.ledger;
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

async function send(type: string, to: string | undefined, rest: string[], values: Values): Promise<void> {
  if (!to) throw new UsageError('Give the recipient.');
  const [body, ...extra] = rest;
  if (extra.length || (type === 'call' && body !== undefined)) throw new UsageError(`Unexpected argument: ${rest.join(' ')}`);
  const now = new Date();
  const validation = validateOutboundMessage(messageFrom(type, to, body, values), { now });
  if (!validation.ok) throw new UsageError(`Not a valid outbound message: ${describeIssues(validation.issues)}`);
  const key = validation.message.idempotencyKey ?? randomUUID();
  sendingKey = key;
  const { row } = await acceptAndSchedule(
    acceptingIo(values),
    { ...validation.message, idempotencyKey: key },
    { now, correlationId: runCorrelationId },
  );
  const base = settings().webhookBaseUrl ?? `http://localhost:${readLocalSettings(process.cwd()).localHttpPort ?? 7071}`;
  console.log(
    `Enqueued ${validation.message.type} on queue ${settings().outboundQueue}, idempotency key ${key}. Correlation id ${row?.correlationId ?? runCorrelationId}. Ledger: ${row?.status ?? 'accepted'}.`,
  );
  console.log(`Follow it with GET ${outboundStatusUrl(base, key)}`);
}

/**
 * The ledger and queue the options name, and the settings a message is checked against: the local settings are the
 * app's when it runs here (with the offline mock's default sender when `npm start` runs the mock); a deployed app
 * (`--account-url`) has its own, and checks them itself when it reads the message.
 */
function acceptingIo(values: Values) {
  const local = !values['account-url'];
  useStorage(storageOptions(values));
  if (local && usesOfflineMock(process.env))
    Object.assign(process.env, offlineMockSettings(process.env, readLocalSettings(process.cwd()).localHttpPort).values);
  const io = liveOutboundIo('request');
  return local ? io : { ...io, defaults: undefined };
}

function storageOptions(values: Values) {
  return { queue: values.queue, ledger: values.ledger, connectionString: values['connection-string'], accountUrl: values['account-url'] };
}

async function cancel(key: string | undefined, values: Values): Promise<number> {
  if (!key) throw new UsageError('Give the idempotency key of the message to cancel.');
  useStorage(storageOptions(values));
  const result = await cancelOutbound(liveOutboundIo('request'), key);
  if (result.outcome === 'not-found') {
    console.error(`No outbound message with key ${key}.`);
    return 1;
  }
  if (result.outcome === 'too-late') {
    console.error(`Too late to cancel ${key}: the message is ${result.row.status}.`);
    return 1;
  }
  console.log(`Canceled ${key}: it will not be sent.`);
  return 0;
}

function progress(done: number, total: number): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
  else if (done === total || done % 100 === 0) process.stderr.write(`${line}\n`);
}

async function batch(file: string | undefined, values: Values): Promise<number> {
  if (!file) throw new UsageError('Give the batch file (.csv or .jsonl).');
  let rows;
  try {
    rows = readBatchFile(file, readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof BatchFileError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
  const now = new Date();
  const validation = validateBatch({ idempotencyKey: values.key, messages: rows.map((r) => r.message) }, { now, newKey: randomUUID });
  if (!validation.ok) throw new UsageError(`Not a valid batch: ${describeIssues(validation.issues)}`);
  const io = acceptingIo(values);
  let done = 0;
  const outcomes = await mapLimited(validation.entries, 16, async (entry): Promise<{ status?: string; refused?: string }> => {
    try {
      return entry.ok ? { status: (await acceptAndSchedule(io, entry.message, { now, correlationId: runCorrelationId })).row?.status } : {};
    } catch (error) {
      // Refused for good (a setting it needs, a message Twilio cannot take, a key used for another message): its line says why.
      if (isRefusal(error)) return { refused: error.message };
      throw error;
    } finally {
      progress(++done, validation.entries.length);
    }
  });
  const invalid = validation.entries.filter((e) => !e.ok);
  const counts = new Map<string, number>();
  for (const { status, refused } of outcomes) {
    const label = refused ? 'refused' : status;
    if (label) counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  console.log(
    `Batch ${validation.batchKey}: ${validation.entries.length - invalid.length} valid, ${invalid.length} invalid. Correlation id ${runCorrelationId}.`,
  );
  for (const [status, count] of counts) console.log(`  ${status}: ${count}`);
  for (const entry of invalid) if (!entry.ok) console.log(`  line ${rows[entry.index].line}: ${describeIssues(entry.issues)}`);
  outcomes.forEach(({ refused }, i) => refused && console.log(`  line ${rows[validation.entries[i].index].line}: refused: ${refused}`));
  console.log(`Run it again with --key ${validation.batchKey} to retry: nothing is sent twice.`);
  // As for one message: 2 when a line was refused for good (sending it again gives the same answer).
  return invalid.length || outcomes.some((o) => o.refused) ? 2 : 0;
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(args, OPTIONS, true);
  // The CLI reads local.settings.json as the app does, and runs as Development as the local host does.
  useLocalSettings(process.cwd());
  const [command, first, ...rest] = positionals;
  if (command === 'sms' || command === 'call') {
    await send(command, first, rest, values);
    return 0;
  }
  if (rest.length) throw new UsageError(`Unexpected argument: ${rest.join(' ')}`);
  if (command === 'cancel') return cancel(first, values);
  if (command === 'batch') return batch(first, values);
  throw new UsageError('Give the command: sms, call, cancel or batch.');
}

void runTool({
  usage: USAGE,
  main,
  explain: async (error) => {
    // Refused for good: retrying the same command gives the same answer.
    if (isRefusal(error)) return { message: refusalText(error), exitCode: REFUSAL_EXIT_CODE };
    if (error instanceof SettingsError) return { message: error.message, exitCode: 2 };
    const down = await storageDownMessage(error);
    return down ? { message: down, exitCode: 1 } : undefined;
  },
});

// npm run event-streams: makes Twilio Event Streams deliver to this app's sink, /api/event-streams, through Twilio's
// Events v1 API: one webhook sink and one subscription of the event types asked for. It shows each change first and
// applies them only with --yes; what already stands is left alone, so a second run changes nothing.
// --list-types lists the event types Twilio offers.
import { useLocalSettings } from '../devhost/localSettings';
import { OFFLINE_MOCK_PORT, useRunningOfflineMock } from '../devhost/services';
import { applyStreamsChanges, listEventTypes, readStreams } from '../shared/eventStreams/eventsApi';
import {
  describeChange,
  printableDestination,
  sinkCredentialsProblem,
  sinkDestination,
  sinkUrlWithCredentials,
  streamsChanges,
} from '../shared/eventStreams/streamsPlan';
import { settings } from '../shared/platform/settings';
import { twilioCredentials } from '../shared/platform/twilioCredentials';
import { parseToolArgs, runTool, UsageError } from './toolCli';

const USAGE = `Usage:
  npm run event-streams -- [--yes] [--base URL] [--type TYPE]... [--mock-port N]
  npm run event-streams -- --list-types [--mock-port N]

Makes Twilio Event Streams deliver to this app: one webhook sink to WEBHOOK_BASE_URL (or --base) + /api/event-streams,
and one subscription on it of exactly the event types given with --type (repeat it, or separate types with commas).
Without --type it sees to the sink only and leaves its subscription as it is. It shows what it would change and
changes it only with --yes; a second run changes nothing. With TWILIO_EVENT_STREAMS_CREDENTIALS (user:password) set,
the sink's URL carries them as Basic credentials. --list-types lists the event types Twilio offers. Without Twilio
credentials it works against the offline mock \`npm start\` runs (--mock-port, default ${OFFLINE_MOCK_PORT}).`;

/** Event Streams' types are all Twilio's: com.twilio.<product>.<...> */
const EVENT_TYPE = /^com\.twilio(\.[a-z0-9_-]+)+$/i;

function eventTypes(values: string[] | undefined): string[] {
  const types = (values ?? []).flatMap((value) => value.split(',')).map((type) => type.trim());
  const wrong = types.find((type) => !EVENT_TYPE.test(type));
  if (wrong !== undefined)
    throw new UsageError(`--type takes an event type such as com.twilio.messaging.message.delivered, got "${wrong}"`);
  return types;
}

async function listTypes(offlineMock: string | undefined): Promise<number> {
  const types = await listEventTypes();
  if (!types.length) {
    console.log(
      offlineMock
        ? `The offline mock (${offlineMock}, Prism on Twilio's spec, whose example lists none) lists no event types; Twilio lists them all.`
        : 'Twilio lists no event types for this account.',
    );
    return 0;
  }
  const width = Math.max(...types.map((t) => t.type.length));
  for (const type of types.sort((a, b) => a.type.localeCompare(b.type)))
    console.log(
      `${type.type.padEnd(width)}  ${type.schemaId}${type.status && type.status !== 'active' ? ` (${type.status})` : ''}  ${type.description}`,
    );
  console.log(`\n${types.length} event type(s).`);
  return 0;
}

/** The offline mock's URL when there are no Twilio credentials. */
let offlineMock: string | undefined;

/** The offline mock not answering: `npm start` is not running, which is what to say. */
function explain(error: unknown) {
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  if (!offlineMock || code !== 'ECONNREFUSED') return undefined;
  return {
    message: `No Twilio credentials are set, and the offline mock at ${offlineMock} did not answer. Start the app (npm start), which runs it, or set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.`,
    exitCode: 1,
  };
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(
    args,
    {
      yes: { type: 'boolean' },
      base: { type: 'string' },
      type: { type: 'string', multiple: true },
      'list-types': { type: 'boolean' },
      'mock-port': { type: 'string' },
    },
    true,
  );
  if (positionals.length) throw new UsageError(`Unexpected argument: ${positionals.join(' ')}`);
  const mockPort = Number(values['mock-port'] ?? OFFLINE_MOCK_PORT);
  if (!Number.isInteger(mockPort) || mockPort < 1 || mockPort > 65535)
    throw new UsageError(`--mock-port takes a port number, got "${values['mock-port']}"`);
  if (values['list-types'] && (values.yes || values.type || values.base))
    throw new UsageError('--list-types only lists: it takes no --yes, --type or --base');
  const types = eventTypes(values.type);
  const local = useLocalSettings(process.cwd());
  offlineMock = useRunningOfflineMock(process.env, mockPort, local.localHttpPort);
  if (offlineMock) console.log(`No Twilio credentials: working against the offline mock of \`npm start\` at ${offlineMock}.`);
  if (values['list-types']) return listTypes(offlineMock);

  const base = values.base ?? settings().webhookBaseUrl;
  if (!base)
    throw new Error('No WEBHOOK_BASE_URL: set it (the public base URL of the app, e.g. https://<app>.azurewebsites.net), or pass --base.');
  const destination = sinkDestination(base);
  const credentials = (await twilioCredentials()).eventStreamsCredentials;
  const sinkUrl = sinkUrlWithCredentials(destination, credentials);
  const { sink, changes } = streamsChanges({ destination, types }, await readStreams());

  console.log(`Event Streams sink ${printableDestination(sinkUrl)}${sink ? ` (${sink.sid})` : ''}:`);
  const problem = sink && sinkCredentialsProblem(sink, credentials);
  if (problem) console.log(`  warning: ${problem}`);
  if (!changes.length) {
    console.log(`  already set up${types.length ? `, subscribed to exactly ${types.join(', ')}` : ''}: nothing to change.`);
    return 0;
  }
  for (const change of changes) console.log(`  ${describeChange(change)}`);
  if (!values.yes) {
    console.log('Nothing was changed: run with --yes to apply.');
    return 0;
  }
  for (const done of await applyStreamsChanges(changes, sink?.sid, sinkUrl)) console.log(`  ${done}`);
  return 0;
}

void runTool({ usage: USAGE, main, explain });

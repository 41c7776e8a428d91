// The whole app with sentinel credentials (harness/secrets.ts): Azurite, the Twilio mock (Prism) behind the
// recording proxy, and the built app under the local host with signature checks on, SMS relays and voicemail
// notifications configured, so a valid webhook really ends in a message at "Twilio". TWILIO_LOG_LEVEL=debug is
// set on purpose: twilio-node must not turn its request logging on from the environment. The newer ways in are on
// too: the assistant answers calls (VOICE_MODE=assistant, against the local chat-completions stand-in, with an API
// key), /api/event-streams wants Basic credentials, and the console has an admin group with the platform's
// authentication on, so its routes are reachable for an admin and refused for everyone else.
import { startChatCompletionsStandIn, type RunningStandIn } from '../devhost/chatCompletionsStandIn';
import { startAzurite, startPrism, type RunningAzurite, type RunningService } from '../devhost/services';
import { startHost, type RunningHost } from './localHost';
import { SENTINEL_CREDENTIALS, SENTINEL_SURFACE_SECRETS } from './secrets';
import { startTwilioProxy, type TwilioProxy } from './twilioProxy';
import { mediaAnswer } from './twilioMedia';
import { assistantWithStandIn } from './assistantStandIn';
import type { StorageNames } from './storageSnapshot';

export const SENTINEL_APP = {
  relayTo: '+14155550177',
  notify: '+14155550188',
  forwardTo: '+14155550100',
  autoReply: 'Thanks {from}!',
  twimlAppSid: 'AP0123456789abcdef0123456789abcdef',
  /** CONSOLE_ADMINS: the Entra group whose members may use the console. */
  consoleAdminsGroup: '5b1c0d2e-3f4a-4b5c-8d6e-7f8091a2b3c4',
} as const;

export interface SentinelApp {
  azurite: RunningAzurite;
  prism: RunningService;
  twilio: TwilioProxy;
  host: RunningHost;
  /** The chat-completions stand-in the assistant talks to. */
  model: RunningStandIn;
  optOutTable: string;
  /** EVENTS_QUEUE of this app: every event it publishes. */
  eventsQueue: string;
  /** EVENT_STREAMS_TABLE: the ids /api/event-streams has published. */
  streamIdsTable: string;
  /** Every table and queue the app writes, for storageSnapshot (harness/storageSnapshot.ts). */
  storage: StorageNames;
  stop(): Promise<void>;
}

export interface HttpFunction {
  name: string;
  methods: string[];
  /** The URL with route parameters filled in. */
  url: string;
}

/** Every HTTP function the host serves, read from the list it prints at start (as func does). */
export function httpFunctions(host: RunningHost): HttpFunction[] {
  const base = new URL(host.baseUrl);
  return [...host.output().matchAll(/^\t(\w+): \[([A-Z,]+)\] (\S+)$/gm)].map(([, name, methods, url]) => {
    const served = new URL(url.replace(/\{\*?(\w+)[^}]*\}/g, 'x'));
    return { name: name, methods: methods.split(','), url: `${base.origin}${served.pathname}` };
  });
}

/** `name` keeps each suite's queue and table apart. */
export async function startSentinelApp(name: string): Promise<SentinelApp> {
  const [azurite, prism, model] = await Promise.all([startAzurite(), startPrism(), startChatCompletionsStandIn()]);
  const twilio = await startTwilioProxy(prism.url);
  // Voicemail recordings: every RecordingSid has audio, served only with the sentinel account's Basic auth.
  const media = { recordings: new Map<string, Buffer>(), deleted: new Set<string>(), anyAudio: Buffer.from('ID3 sentinel audio') };
  const account = { accountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID, authToken: SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN };
  twilio.serve = (request) => mediaAnswer(account, media, request);
  const optOutTable = `${name}optouts`;
  const eventsQueue = `${name}-events`;
  const streamIdsTable = `${name}streamids`;
  const stopServices = () => Promise.all([twilio.stop(), prism.stop(), azurite.stop(), model.stop()]);
  const host = await startHost({
    AzureWebJobsStorage: azurite.connectionString,
    ...SENTINEL_CREDENTIALS,
    ...SENTINEL_SURFACE_SECRETS,
    TWILIO_API_BASE_URL: twilio.url,
    TWILIO_FROM_NUMBER: '+15005550006',
    TWILIO_LOG_LEVEL: 'debug',
    OUTBOUND_QUEUE: `${name}-outbound`,
    RECORDINGS_QUEUE: `${name}-recordings`,
    RECORDINGS_CONTAINER: `${name}-recordings`,
    OPTOUT_TABLE: optOutTable,
    EVENTS_QUEUE: eventsQueue,
    ...assistantWithStandIn(model, `${name}assistant`),
    // The stand-in hangs on 'slow': a hostile utterance with it in must not hold the suite up long.
    ASSISTANT_TURN_TIMEOUT_SECONDS: '2',
    ACTIVITY_TABLE: `${name}activity`,
    EVENT_STREAMS_TABLE: streamIdsTable,
    CONSOLE_ADMINS: SENTINEL_APP.consoleAdminsGroup,
    VOICE_FORWARD_TO: SENTINEL_APP.forwardTo,
    VOICEMAIL_NOTIFY: SENTINEL_APP.notify,
    SMS_FORWARD_TO: SENTINEL_APP.relayTo,
    SMS_AUTO_REPLY: SENTINEL_APP.autoReply,
    // The suites text from one sender many times and expect the reply each time; the limit has its own test.
    SMS_AUTO_REPLY_LIMIT: '1000000',
    AUTO_REPLY_TABLE: `${name}autoreplies`,
    // Browser calling on, as App Service Authentication would leave it: /api/token signs with the API key.
    TWILIO_TWIML_APP_SID: SENTINEL_APP.twimlAppSid,
    WEBSITE_AUTH_ENABLED: 'True',
  }).catch(async (error: unknown) => {
    await stopServices();
    throw error;
  });
  return {
    azurite,
    prism,
    twilio,
    host,
    model,
    optOutTable,
    eventsQueue,
    streamIdsTable,
    storage: {
      tables: ['outboundledger', optOutTable, `${name}autoreplies`, `${name}assistant`, `${name}activity`, streamIdsTable],
      queues: [`${name}-outbound`, `${name}-recordings`, eventsQueue],
    },
    async stop() {
      await host.stop();
      await stopServices();
    },
  };
}

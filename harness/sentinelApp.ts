// The whole app with sentinel credentials (harness/secrets.ts): Azurite, the Twilio mock (Prism) behind the
// recording proxy, and the built app under the local host with signature checks on, SMS relays and voicemail
// notifications configured, so a valid webhook really ends in a message at "Twilio". TWILIO_LOG_LEVEL=debug is
// set on purpose: twilio-node must not turn its request logging on from the environment.
import { startAzurite, startPrism, type RunningAzurite, type RunningService } from '../devhost/services';
import { startHost, type RunningHost } from './localHost';
import { SENTINEL_CREDENTIALS } from './secrets';
import { startTwilioProxy, type TwilioProxy } from './twilioProxy';
import { mediaAnswer } from './twilioMedia';

export const SENTINEL_APP = {
  relayTo: '+14155550177',
  notify: '+14155550188',
  forwardTo: '+14155550100',
  autoReply: 'Thanks {from}!',
  twimlAppSid: 'AP0123456789abcdef0123456789abcdef',
} as const;

export interface SentinelApp {
  azurite: RunningAzurite;
  prism: RunningService;
  twilio: TwilioProxy;
  host: RunningHost;
  optOutTable: string;
  /** EVENTS_QUEUE of this app: every event it publishes. */
  eventsQueue: string;
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
  const [azurite, prism] = await Promise.all([startAzurite(), startPrism()]);
  const twilio = await startTwilioProxy(prism.url);
  // Voicemail recordings: every RecordingSid has audio, served only with the sentinel account's Basic auth.
  const media = { recordings: new Map<string, Buffer>(), deleted: new Set<string>(), anyAudio: Buffer.from('ID3 sentinel audio') };
  const account = { accountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID, authToken: SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN };
  twilio.serve = (request) => mediaAnswer(account, media, request);
  const optOutTable = `${name}optouts`;
  const eventsQueue = `${name}-events`;
  const stopServices = () => Promise.all([twilio.stop(), prism.stop(), azurite.stop()]);
  const host = await startHost({
    AzureWebJobsStorage: azurite.connectionString,
    ...SENTINEL_CREDENTIALS,
    TWILIO_API_BASE_URL: twilio.url,
    TWILIO_FROM_NUMBER: '+15005550006',
    TWILIO_LOG_LEVEL: 'debug',
    OUTBOUND_QUEUE: `${name}-outbound`,
    RECORDINGS_QUEUE: `${name}-recordings`,
    RECORDINGS_CONTAINER: `${name}-recordings`,
    OPTOUT_TABLE: optOutTable,
    EVENTS_QUEUE: eventsQueue,
    VOICE_MODE: 'forward',
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
    optOutTable,
    eventsQueue,
    async stop() {
      await host.stop();
      await stopServices();
    },
  };
}

// Every setting the app reads, declared once with its documentation, then parsed and validated once.
// Functions call settings(); nothing else in the app reads process.env.
import { CLIENT_IDENTITY, MAX_CLIENT_TOKEN_TTL_SECONDS } from '../clientIdentity';
import { digitsOf, isE164 } from '../phone';
import { HOLIDAYS_EXAMPLE, HOURS_EXAMPLE, HoursFormatError, parseHolidays, parseHours, type BusinessHours } from '../hours/businessHours';
import { isTimeZone } from '../hours/zonedClock';
import { ALLOWED_COUNTRIES_EXAMPLE, CALLING_CODES } from '../guards/callingCodes';
import { AUDIO_PREFIX, isAudioName } from '../audio/audioNames';

export interface SettingSpec {
  description: string;
  /** Value used when the setting is absent. Absent and no default means optional. */
  default?: string;
  /** Set by infra/main.bicep on the deployed Function App. Local-only settings are false. */
  deployed: boolean;
}

export const SETTINGS = {
  AzureWebJobsStorage: {
    description:
      'Storage for the Functions host, the outbound queue, the ledger and the opt-out table. Locally `UseDevelopmentStorage=true` (Azurite). In Azure it is identity-based: AzureWebJobsStorage__queueServiceUri, __tableServiceUri, __blobServiceUri, __credential=managedidentity and __clientId.',
    deployed: true,
  },
  OUTBOUND_QUEUE: { description: 'Name of the storage queue the outbound function reads.', default: 'twilio-outbound', deployed: true },
  OUTBOUND_LEDGER: {
    description: 'Name of the table that records each outbound message once (the ledger).',
    default: 'outboundledger',
    deployed: true,
  },
  OUTBOUND_SEND_LEASE_SECONDS: {
    description:
      'How long one outbound send attempt may hold its ledger row. Another attempt for the same key waits this long before it takes over (looking the send up on Twilio first). Must exceed the longest possible Twilio request (30 s timeout, 429 retries) and functionTimeout.',
    default: '300',
    deployed: false,
  },
  OUTBOUND_RECONCILE_AFTER_SECONDS: {
    description:
      'How long after it was sent a row without a final status has its status fetched from Twilio (a delayed message on the outbound queue). Later checks back off (doubling) up to 6 checks in all; then the row keeps its status with a reason.',
    default: '900',
    deployed: false,
  },
  OUTBOUND_TEST_QUEUE_HOP_SECONDS: {
    description:
      'Tests only, and allowed only when AZURE_FUNCTIONS_ENVIRONMENT=Development: caps every delay the app puts on the outbound queue (the 7-day hop of a long sendAt, the status re-checks) at this many seconds, so that the fault soak sees long schedules hop and re-checks run out in seconds. Unset (the default) in every real deployment.',
    deployed: false,
  },
  EVENTS_QUEUE: {
    description:
      'Storage queue that gets every event (CloudEvents 1.0 JSON, one per message): SMS and calls received, voicemails, every outbound status change. Empty turns events off.',
    default: 'twilio-events',
    deployed: true,
  },
  EVENT_GRID_TOPIC_ENDPOINT: {
    description:
      "Optional Event Grid topic endpoint (https://<topic>.<region>-1.eventgrid.azure.net/api/events) that also gets every event, published with the app's identity (EventGrid Data Sender role).",
    deployed: true,
  },
  OUTBOUND_LEDGER_RETENTION_DAYS: {
    description:
      'Ledger rows in a final state (sent, delivered, undelivered, failed, rejected) are deleted this many days after their last change, by the ledgerRetention timer. Opt-outs are never deleted.',
    default: '90',
    deployed: false,
  },
  OUTBOUND_LEDGER_RETENTION_SCHEDULE: {
    description:
      'When the ledgerRetention timer runs: a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}, UTC).',
    default: '0 30 3 * * *',
    deployed: false,
  },
  TWILIO_MAX_CONCURRENCY: {
    description:
      "The most Twilio REST requests the outbound function may have in flight across all its instances (Twilio allows about 100 per account). infra/main.bicep derives the host's per-instance queue settings from it; the outbound function refuses to start when batchSize + newBatchThreshold, times OUTBOUND_MAX_INSTANCES, exceeds it.",
    default: '80',
    deployed: true,
  },
  OUTBOUND_MAX_INSTANCES: {
    description:
      'The most instances the outbound function can run on at once: in Azure maximumInstanceCount plus its always-ready instances (set by infra/main.bicep), locally 1.',
    default: '1',
    deployed: true,
  },
  OPTOUT_TABLE: { description: 'Name of the table of numbers that replied STOP.', default: 'optouts', deployed: true },
  OPTOUT_SCOPE: {
    description:
      'Where a STOP applies: `sender` (as Twilio scopes it: the number, or the Messaging Service, that received it) or `global` (every sender of this app). See README, Opt-outs.',
    default: 'sender',
    deployed: false,
  },
  RECORDINGS_QUEUE: {
    description: 'Queue of voicemail recordings to copy from Twilio into Blob storage before their notification SMS is sent.',
    default: 'voicemail-recordings',
    deployed: true,
  },
  RECORDINGS_CONTAINER: {
    description: 'Blob container the voicemail recordings are copied into (private; links go through GET /api/recordings/{sid}).',
    default: 'recordings',
    deployed: true,
  },
  RECORDING_LINK_DAYS: {
    description: 'How many days the recording link in a voicemail SMS opens the recording without Twilio credentials.',
    default: '7',
    deployed: true,
  },
  RECORDINGS_DELETE_FROM_TWILIO: {
    description: 'true deletes each recording from Twilio once it is copied into Blob storage.',
    default: 'false',
    deployed: true,
  },
  KEY_VAULT_URL: {
    description:
      'Key Vault holding the Twilio credentials, e.g. https://kv-name.vault.azure.net. When absent the TWILIO_* credential settings are used.',
    deployed: true,
  },
  AZURE_CLIENT_ID: {
    description: 'Client ID of the user-assigned managed identity used for Key Vault and storage in Azure.',
    deployed: true,
  },
  SECRETS_CACHE_TTL_SECONDS: {
    description: 'How long Twilio credentials read from Key Vault are cached per instance.',
    default: '300',
    deployed: true,
  },
  TWILIO_ACCOUNT_SID: {
    description: 'Twilio Account SID (AC...). Local development only; in Azure it lives in Key Vault.',
    deployed: false,
  },
  TWILIO_AUTH_TOKEN: {
    description: 'Twilio auth token; checks webhook signatures. Local development only; in Azure it lives in Key Vault.',
    deployed: false,
  },
  TWILIO_AUTH_TOKEN_SECONDARY: {
    description:
      "Twilio's secondary auth token during a rotation: webhooks signed with it pass too. Local development only; in Azure it is the optional vault secret twilio-auth-token-secondary.",
    deployed: false,
  },
  TWILIO_API_KEY_SID: {
    description: 'Optional Twilio API key SID (SK...) used for REST calls instead of the auth token.',
    deployed: false,
  },
  TWILIO_API_KEY_SECRET: { description: 'Secret of TWILIO_API_KEY_SID.', deployed: false },
  TWILIO_API_BASE_URL: {
    description: 'Overrides https://api.twilio.com, e.g. a local Prism mock. Leave unset in production.',
    deployed: false,
  },
  TWILIO_FROM_NUMBER: { description: 'Default E.164 sender for outbound SMS and calls.', deployed: true },
  TWILIO_MESSAGING_SERVICE_SID: {
    description: 'Default Messaging Service (MG...) for outbound SMS; used when no from number is given.',
    deployed: true,
  },
  TWILIO_PHONE_NUMBERS: {
    description:
      'Comma-separated Twilio numbers (E.164 or PN... SIDs) that npm run point-numbers points at this app (voice, SMS, status and fallback URLs) and npm run doctor checks.',
    deployed: false,
  },
  TWILIO_FALLBACK_URL: {
    description:
      "Where Twilio goes when the app cannot answer a call or message (its fallback URL). Unset: static TwiML from twimlets.com's echo twimlet that apologises and hangs up.",
    deployed: false,
  },
  WEBHOOK_BASE_URL: {
    description:
      'Public base URL exactly as configured in Twilio (e.g. https://calls.example.com). Used for signature checks and for callback URLs.',
    deployed: true,
  },
  TWILIO_VALIDATE_SIGNATURES: {
    description: 'Set to false to skip X-Twilio-Signature checks. Allowed only when AZURE_FUNCTIONS_ENVIRONMENT=Development.',
    default: 'true',
    deployed: false,
  },
  VOICE_GREETING: {
    description:
      'What the voice webhook says (or plays: an http(s) URL, or audio:<file> of AUDIO_CONTAINER) to every caller first. Unset: "Thank you for calling."',
    deployed: true,
  },
  VOICE_MODE: {
    description:
      'What the voice webhook does after the greeting (inside VOICE_HOURS): message, forward, voicemail, menu, queue, or client (rings the browsers of VOICE_CLIENT_IDENTITIES).',
    default: 'message',
    deployed: true,
  },
  VOICE_HOURS: {
    description:
      'Weekly open hours in VOICE_TIMEZONE, e.g. `Mon-Fri 09:00-17:30; Sat 10:00-14:00` (a range such as 22:00-02:00 runs past midnight). Outside them the voice webhook does VOICE_CLOSED_MODE. Unset: always open.',
    deployed: true,
  },
  VOICE_TIMEZONE: { description: 'IANA time zone of VOICE_HOURS and VOICE_HOLIDAYS, e.g. Europe/London.', default: 'UTC', deployed: true },
  VOICE_HOLIDAYS: {
    description: 'Dates closed all day, in VOICE_TIMEZONE: YYYY-MM-DD, or MM-DD for every year, comma-separated, e.g. `2026-12-24, 12-25`.',
    deployed: true,
  },
  VOICE_CLOSED_MODE: {
    description: 'What the voice webhook does outside VOICE_HOURS and on VOICE_HOLIDAYS: any VOICE_MODE.',
    default: 'voicemail',
    deployed: true,
  },
  VOICE_CLOSED_GREETING: {
    description:
      'Said (or played: an http(s) URL or audio:<file>) instead of VOICE_GREETING when closed. Unset: "We are closed right now."',
    deployed: true,
  },
  VOICE_BLOCKLIST: {
    description:
      'Comma-separated numbers whose calls get <Reject> (no greeting, no charge) and whose SMS get no auto-reply and no relay. Compared on digits only, like AllowedCallers.',
    deployed: true,
  },
  VOICE_REJECT_ANONYMOUS: { description: 'true: reject calls without caller ID (<Reject>).', default: 'false', deployed: true },
  VOICE_QUEUE: {
    description: 'The call queue VOICE_MODE=queue puts callers in (at most 64 characters).',
    default: 'support',
    deployed: true,
  },
  VOICE_QUEUE_MAX_WAIT: {
    description: 'Seconds a caller waits in VOICE_QUEUE before leaving it for voicemail (when VOICEMAIL_NOTIFY is set) or a goodbye.',
    default: '300',
    deployed: true,
  },
  VOICE_HOLD_MUSIC: {
    description:
      "What callers hear while they wait in a queue: an http(s) URL, or audio:<file> for a file in AUDIO_CONTAINER. Unset: Twilio's public hold music.",
    deployed: true,
  },
  AUDIO_CONTAINER: {
    description:
      'Private blob container of greetings and hold music, served to Twilio by /api/audio/<file> (audio:<file> in the settings).',
    default: 'audio',
    deployed: true,
  },
  VOICE_FORWARD_TO: { description: 'E.164 number that VOICE_MODE=forward dials (and menu options may dial).', deployed: true },
  VOICE_MENU_OPTIONS: {
    description:
      'JSON object for VOICE_MODE=menu: digit keys to an E.164 number to dial or an http(s) URL to redirect to, or to `{"to": ..., "keywords": ["sales"]}` so callers may also say the option.',
    deployed: true,
  },
  VOICE_CLIENT_IDENTITIES: {
    description:
      'Comma-separated browser identities (as /api/token names them) that VOICE_MODE=client rings at once; unanswered calls go to voicemail when VOICEMAIL_NOTIFY is set.',
    deployed: true,
  },
  VOICEMAIL_NOTIFY: { description: 'E.164 number that gets an SMS with each voicemail recording link and transcription.', deployed: true },
  SMS_AUTO_REPLY: { description: 'Reply text for incoming SMS; {from} and {body} are replaced. Empty sends no reply.', deployed: true },
  SMS_FORWARD_TO: { description: 'E.164 number incoming SMS are relayed to through the outbound queue.', deployed: true },
  SMS_AUTO_REPLY_LIMIT: {
    description:
      'Most SMS_AUTO_REPLY answers one sender gets per clock hour, counted in AUTO_REPLY_TABLE across all instances, so two auto-responders cannot text each other without end.',
    default: '5',
    deployed: true,
  },
  AUTO_REPLY_TABLE: {
    description: 'Name of the table that counts auto-replies per sender and hour.',
    default: 'autoreplies',
    deployed: true,
  },
  OUTBOUND_ALLOWED_COUNTRIES: {
    description:
      'Country calling codes outbound SMS and calls may go to, e.g. `1,44`; any other destination is rejected before Twilio is called. Unset: every country (see Guards in the README for the risk).',
    deployed: true,
  },
  TWILIO_TWIML_APP_SID: {
    description:
      'TwiML App (AP...) whose voice URL is /api/client-voice: the outgoing-call grant of browser tokens. /api/token answers 503 without it.',
    deployed: true,
  },
  CLIENT_TOKEN_TTL_SECONDS: {
    description: "Lifetime of a browser Access Token from /api/token, in seconds; at most 86400 (Twilio's maximum, 24 h).",
    default: '3600',
    deployed: true,
  },
  CLIENT_DIAL_ALLOWED: {
    description:
      'Comma-separated country calling codes (+44) and E.164 numbers browsers may call through /api/client-voice, or `none`. Unset: only the country of TWILIO_FROM_NUMBER.',
    deployed: true,
  },
  CLIENT_ALLOWED_GROUPS: {
    description:
      'Comma-separated Entra group object IDs or app role values; when set, /api/token issues tokens only to signed-in users carrying one of them in their groups or roles claims.',
    deployed: true,
  },
  CLIENT_TOKENS_PER_MINUTE: {
    description: 'Tokens /api/token issues per identity per minute, per instance; more answer 429.',
    default: '10',
    deployed: false,
  },
  CLIENT_DEV_IDENTITY: {
    description:
      'Local development only (AZURE_FUNCTIONS_ENVIRONMENT=Development): the fixed identity /api/token issues to, as there is no App Service Authentication locally.',
    deployed: false,
  },
  WEBSITE_AUTH_ENABLED: {
    description:
      'Set to True by App Service when its Authentication (Easy Auth) is on. Only then are the X-MS-CLIENT-PRINCIPAL* headers trusted; without it /api/token refuses every request.',
    deployed: false,
  },
  AZURE_FUNCTIONS_ENVIRONMENT: { description: 'Set by the Functions host; `Development` when running locally.', deployed: false },
  IDENTITY_ENDPOINT: {
    description:
      "Set by App Service and Functions in Azure: the managed identity endpoint. When it and IDENTITY_HEADER are set, the app uses the managed identity directly instead of DefaultAzureCredential's probing chain.",
    deployed: false,
  },
  IDENTITY_HEADER: { description: 'Set by App Service and Functions in Azure with IDENTITY_ENDPOINT (never logged).', deployed: false },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    readonly setting: SettingName,
    problem: string,
  ) {
    super(`Setting ${setting} ${problem}`);
  }
}

export type StorageConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; queueServiceUri: string; tableServiceUri: string; blobServiceUri: string };

export interface Settings {
  storage: StorageConnection;
  outboundQueue: string;
  outboundLedger: string;
  outboundSendLeaseMs: number;
  outboundReconcileAfterMs: number;
  /** OUTBOUND_TEST_QUEUE_HOP_SECONDS (tests only): the longest delay put on the outbound queue, instead of 7 days. */
  outboundTestQueueHopSeconds?: number;
  events: EventSettings;
  ledgerRetentionDays: number;
  ledgerRetentionSchedule: string;
  twilioMaxConcurrency: number;
  outboundMaxInstances: number;
  optOutTable: string;
  optOutScope: OptOutScope;
  recordings: { queue: string; container: string; linkTtlMs: number; deleteFromTwilio: boolean };
  keyVaultUrl?: string;
  azureClientId?: string;
  /** Inside App Service / Functions, where the platform's managed identity endpoint exists. */
  runningInAzure: boolean;
  secretsCacheTtlMs: number;
  twilio: {
    accountSid?: string;
    authToken?: string;
    secondaryAuthToken?: string;
    apiKeySid?: string;
    apiKeySecret?: string;
    apiBaseUrl?: string;
    fromNumber?: string;
    messagingServiceSid?: string;
    /** TWILIO_PHONE_NUMBERS: E.164 numbers or PN SIDs. */
    phoneNumbers: string[];
    fallbackUrl?: string;
  };
  webhookBaseUrl?: string;
  validateSignatures: boolean;
  voice: VoiceSettings;
  sms: SmsSettings;
  autoReplyTable: string;
  /** OUTBOUND_ALLOWED_COUNTRIES as calling codes without '+'; undefined allows every country. */
  allowedCountries?: ReadonlySet<string>;
  audioContainer: string;
  calling: CallingSettings;
}

export const OPTOUT_SCOPES = ['sender', 'global'] as const;
export type OptOutScope = (typeof OPTOUT_SCOPES)[number];

function readOptOutScope(env: Env): OptOutScope {
  const value = read(env, 'OPTOUT_SCOPE')!.toLowerCase();
  if (!(OPTOUT_SCOPES as readonly string[]).includes(value))
    throw new SettingsError('OPTOUT_SCOPE', `must be one of ${OPTOUT_SCOPES.join(', ')}, got "${value}"`);
  return value as OptOutScope;
}

export interface EventSettings {
  /** EVENTS_QUEUE; undefined when set empty (events off). */
  queue?: string;
  gridTopicEndpoint?: string;
  /** The CloudEvents `source` of every event: WEBHOOK_BASE_URL, or a URN naming the app when it is unset. */
  source: string;
}

export const VOICE_MODES = ['message', 'forward', 'voicemail', 'menu', 'queue', 'client'] as const;
/** Applied in code, not as a SETTINGS default: infra deploys VOICE_GREETING empty unless given, and its defaults match SETTINGS'. */
export const DEFAULT_VOICE_GREETING = 'Thank you for calling.';
export const DEFAULT_CLOSED_GREETING = 'We are closed right now.';
export type VoiceMode = (typeof VOICE_MODES)[number];

export interface MenuOption {
  /** An E.164 number to dial or an http(s) URL to redirect to. */
  to: string;
  /** Words a caller may say instead of pressing the digits. */
  keywords: string[];
}

export interface VoiceSettings {
  greeting: string;
  mode: VoiceMode;
  forwardTo?: string;
  /** Digits pressed to what they lead to. */
  menuOptions?: Record<string, MenuOption>;
  voicemailNotify?: string;
  /** VOICE_HOURS, VOICE_TIMEZONE and VOICE_HOLIDAYS; undefined when always open. */
  hours?: BusinessHours;
  closedMode: VoiceMode;
  closedGreeting: string;
  /** VOICE_BLOCKLIST, each entry's digits. */
  blocklist: string[];
  rejectAnonymous: boolean;
  queue: { name: string; maxWaitSeconds: number; holdMusic?: string };
  /** Browser identities VOICE_MODE=client rings. */
  clientIdentities: string[];
}

/** Browser calling: /api/token and /api/client-voice. */
export interface CallingSettings {
  twimlAppSid?: string;
  tokenTtlSeconds: number;
  /** CLIENT_DIAL_ALLOWED's entries as written (calling codes like +44, ISO regions like GB, E.164 numbers); undefined: the default. */
  dialAllowed?: string[];
  allowedGroups: string[];
  tokensPerMinute: number;
  /** Development only. */
  devIdentity?: string;
  /** The platform's authentication is on (WEBSITE_AUTH_ENABLED): only then are X-MS-CLIENT-PRINCIPAL* headers trusted. */
  platformAuthEnabled: boolean;
}

const DIAL_ENTRY = /^(\+[1-9]\d{0,2}|[A-Z]{2}|\+[1-9]\d{6,14})$/;

export interface SmsSettings {
  autoReply?: string;
  forwardTo?: string;
  autoReplyLimit: number;
  /** VOICE_BLOCKLIST, each entry's digits: these senders get no reply and no relay. */
  blocklist: string[];
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: SettingName): string | undefined {
  const value = env[name]?.trim();
  if (value) return value;
  const spec: SettingSpec = SETTINGS[name];
  return spec.default;
}

function readUrl(env: Env, name: SettingName): string | undefined {
  const value = read(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingsError(name, `is not a valid absolute URL: "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SettingsError(name, `must be an http(s) URL: "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

function readBoolean(env: Env, name: SettingName): boolean {
  const value = read(env, name)?.toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new SettingsError(name, `must be true or false, got "${value}"`);
}

function readPositiveInt(env: Env, name: SettingName): number {
  const value = read(env, name) ?? '';
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new SettingsError(name, `must be a positive whole number, got "${value}"`);
  return parsed;
}

const CONTAINER_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
/** Six space-separated fields of digits, names and `* , - /`; the host itself reports anything finer. */
function readNcrontab(env: Env, name: SettingName): string {
  const value = read(env, name) ?? '';
  const fields = value.split(/\s+/);
  if (fields.length !== 6 || !fields.every((f) => /^[A-Za-z0-9*,/?-]+$/.test(f))) {
    throw new SettingsError(name, `must be a six-field NCRONTAB expression such as "0 30 3 * * *" (03:30:00 UTC daily), got "${value}"`);
  }
  return value;
}

const QUEUE_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

function readName(env: Env, name: SettingName, pattern: RegExp, what: string): string {
  const value = read(env, name) ?? '';
  if (!pattern.test(value)) throw new SettingsError(name, `is not a valid ${what} name: "${value}"`);
  return value;
}

function readStorage(env: Env): StorageConnection {
  const connectionString = env.AzureWebJobsStorage?.trim();
  if (connectionString) return { kind: 'connectionString', connectionString };
  const queueServiceUri = env.AzureWebJobsStorage__queueServiceUri?.trim();
  const tableServiceUri = env.AzureWebJobsStorage__tableServiceUri?.trim();
  const accountName = env.AzureWebJobsStorage__accountName?.trim();
  if (queueServiceUri && tableServiceUri) {
    const blobServiceUri = env.AzureWebJobsStorage__blobServiceUri?.trim() || queueServiceUri.replace('.queue.', '.blob.');
    return { kind: 'identity', queueServiceUri, tableServiceUri, blobServiceUri };
  }
  if (accountName) {
    return {
      kind: 'identity',
      queueServiceUri: `https://${accountName}.queue.core.windows.net`,
      tableServiceUri: `https://${accountName}.table.core.windows.net`,
      blobServiceUri: `https://${accountName}.blob.core.windows.net`,
    };
  }
  throw new SettingsError(
    'AzureWebJobsStorage',
    'is missing: set a connection string (UseDevelopmentStorage=true locally) or AzureWebJobsStorage__queueServiceUri and __tableServiceUri',
  );
}

const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

function readPhoneNumber(env: Env, name: SettingName): string | undefined {
  const value = read(env, name);
  if (value !== undefined && !isE164(value))
    throw new SettingsError(name, `must be an E.164 phone number such as +14155550100, got "${value}"`);
  return value;
}

function readPhoneNumberList(env: Env, name: SettingName): string[] {
  const entries = (read(env, name) ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (!isE164(entry) && !/^PN[0-9a-fA-F]{32}$/.test(entry)) {
      throw new SettingsError(
        name,
        `must list E.164 numbers or PN... SIDs separated by commas, e.g. +14155550100,PN0123456789abcdef0123456789abcdef; got "${entry}"`,
      );
    }
  }
  return entries;
}

function readMenuOptions(env: Env): Record<string, MenuOption> | undefined {
  const value = read(env, 'VOICE_MENU_OPTIONS');
  if (value === undefined) return undefined;
  const fail = (problem: string) =>
    new SettingsError(
      'VOICE_MENU_OPTIONS',
      `${problem}, e.g. {"1":"+14155550100","2":{"to":"https://example.com/twiml","keywords":["opening hours","hours"]}}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw fail('is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail('must be a JSON object');
  const entries = Object.entries(parsed);
  if (entries.length === 0) throw fail('has no options');
  const options: Record<string, MenuOption> = {};
  for (const [digits, entry] of entries) {
    if (!/^\d{1,4}$/.test(digits)) throw fail(`has key "${digits}", which is not 1 to 4 digits`);
    const option: Record<string, unknown> =
      typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? (entry as Record<string, unknown>) : { to: entry };
    const unknown = Object.keys(option).filter((k) => k !== 'to' && k !== 'keywords');
    if (unknown.length) throw fail(`option ${digits} has unknown field "${unknown[0]}" (only to and keywords)`);
    const target = option.to;
    if (typeof target !== 'string' || !(isE164(target) || /^https?:\/\/\S+$/i.test(target))) {
      throw fail(`option ${digits} must be an E.164 number or an http(s) URL`);
    }
    const keywords = option.keywords ?? [];
    if (!Array.isArray(keywords) || keywords.some((k) => typeof k !== 'string' || !/[\p{L}\p{N}]/u.test(k) || k.length > 100)) {
      throw fail(`option ${digits} keywords must be a list of words or phrases`);
    }
    options[digits] = { to: target, keywords: (keywords as string[]).map((k) => k.trim()) };
  }
  return options;
}

function readMode(env: Env, name: 'VOICE_MODE' | 'VOICE_CLOSED_MODE'): VoiceMode {
  const mode = read(env, name)!.toLowerCase();
  if (!(VOICE_MODES as readonly string[]).includes(mode))
    throw new SettingsError(name, `must be one of ${VOICE_MODES.join(', ')}, got "${mode}"`);
  return mode as VoiceMode;
}

function readHours(env: Env): BusinessHours | undefined {
  const zone = read(env, 'VOICE_TIMEZONE')!;
  if (!isTimeZone(zone))
    throw new SettingsError('VOICE_TIMEZONE', `is not an IANA time zone the runtime knows: "${zone}", e.g. America/New_York`);
  const hours = read(env, 'VOICE_HOURS');
  const holidays = read(env, 'VOICE_HOLIDAYS');
  const parsed = <T>(name: SettingName, example: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof HoursFormatError)) throw error;
      throw new SettingsError(name, `${error.message}, e.g. ${example}`);
    }
  };
  const holidaySet = holidays === undefined ? new Set<string>() : parsed('VOICE_HOLIDAYS', HOLIDAYS_EXAMPLE, () => parseHolidays(holidays));
  if (hours === undefined && !holidaySet.size) return undefined;
  // Holidays without hours: open every other day, all day.
  const week = hours === undefined ? parseHours('Mon-Sun 00:00-24:00') : parsed('VOICE_HOURS', HOURS_EXAMPLE, () => parseHours(hours));
  return { week, holidays: holidaySet, timeZone: zone };
}

const BLOCKLIST_EXAMPLE = '+14155550100, +1 (415) 555-0101';

function readBlocklist(env: Env): string[] {
  const value = read(env, 'VOICE_BLOCKLIST');
  if (value === undefined) return [];
  return value
    .split(/[,;\n]/)
    .map((n) => n.trim())
    .filter(Boolean)
    .map((n) => {
      const digits = digitsOf(n);
      if (!/^\+?[\d\s().-]+$/.test(n) || digits.length < 3 || digits.length > 15) {
        throw new SettingsError('VOICE_BLOCKLIST', `has "${n}", which is not a phone number, e.g. ${BLOCKLIST_EXAMPLE}`);
      }
      return digits;
    });
}

/** A greeting or music value: said text, an http(s) URL, or audio:<file> of AUDIO_CONTAINER. */
function readAudioRef(env: Env, name: SettingName): string | undefined {
  const value = read(env, name);
  if (value?.startsWith(AUDIO_PREFIX) && !isAudioName(value.slice(AUDIO_PREFIX.length))) {
    throw new SettingsError(name, `names no valid file in AUDIO_CONTAINER: "${value}", e.g. audio:hold-music.mp3`);
  }
  return value;
}

function readCountries(env: Env): ReadonlySet<string> | undefined {
  const value = read(env, 'OUTBOUND_ALLOWED_COUNTRIES');
  if (value === undefined) return undefined;
  const codes = value
    .split(/[,;\s]+/)
    .filter(Boolean)
    .map((c) => c.replace(/^\+/, ''));
  for (const code of codes) {
    if (!CALLING_CODES.has(code)) {
      throw new SettingsError(
        'OUTBOUND_ALLOWED_COUNTRIES',
        `has "${code}", which is no country calling code, e.g. ${ALLOWED_COUNTRIES_EXAMPLE}`,
      );
    }
  }
  if (!codes.length) throw new SettingsError('OUTBOUND_ALLOWED_COUNTRIES', `lists no country, e.g. ${ALLOWED_COUNTRIES_EXAMPLE}`);
  return new Set(codes);
}

function readVoice(env: Env): VoiceSettings {
  const queueName = read(env, 'VOICE_QUEUE')!;
  if (queueName.length > 64) throw new SettingsError('VOICE_QUEUE', `is longer than Twilio's 64 characters, e.g. support`);
  const voice: VoiceSettings = {
    greeting: readAudioRef(env, 'VOICE_GREETING') ?? DEFAULT_VOICE_GREETING,
    mode: readMode(env, 'VOICE_MODE'),
    forwardTo: readPhoneNumber(env, 'VOICE_FORWARD_TO'),
    menuOptions: readMenuOptions(env),
    voicemailNotify: readPhoneNumber(env, 'VOICEMAIL_NOTIFY'),
    hours: readHours(env),
    closedMode: readMode(env, 'VOICE_CLOSED_MODE'),
    closedGreeting: readAudioRef(env, 'VOICE_CLOSED_GREETING') ?? DEFAULT_CLOSED_GREETING,
    blocklist: readBlocklist(env),
    rejectAnonymous: readBoolean(env, 'VOICE_REJECT_ANONYMOUS'),
    queue: {
      name: queueName,
      maxWaitSeconds: readPositiveInt(env, 'VOICE_QUEUE_MAX_WAIT'),
      holdMusic: readAudioRef(env, 'VOICE_HOLD_MUSIC'),
    },
    clientIdentities: readIdentities(env, 'VOICE_CLIENT_IDENTITIES'),
  };
  const required: Partial<Record<VoiceMode, [SettingName, unknown]>> = {
    forward: ['VOICE_FORWARD_TO', voice.forwardTo],
    menu: ['VOICE_MENU_OPTIONS', voice.menuOptions],
    client: ['VOICE_CLIENT_IDENTITIES', voice.clientIdentities.length ? voice.clientIdentities : undefined],
    voicemail: ['VOICEMAIL_NOTIFY', voice.voicemailNotify],
  };
  // The closed mode matters only when there are hours to be closed outside of.
  const modes: Array<[string, VoiceMode]> = [['VOICE_MODE', voice.mode]];
  if (voice.hours) modes.push(['VOICE_CLOSED_MODE', voice.closedMode]);
  for (const [setting, mode] of modes) {
    const [name, value] = required[mode] ?? [];
    if (name && value === undefined) throw new SettingsError(name, `is missing: ${setting}=${mode} needs it`);
  }
  return voice;
}

function readList(env: Env, name: SettingName): string[] {
  return (read(env, name) ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function readIdentities(env: Env, name: SettingName): string[] {
  const identities = readList(env, name);
  const bad = identities.find((identity) => !CLIENT_IDENTITY.test(identity));
  if (bad !== undefined)
    throw new SettingsError(name, `has "${bad}", which is not a valid client identity (letters, digits and ._-@ etc., at most 256)`);
  return identities;
}

/** A test seam: production never shortens the queue's 7-day hop, so outside Development the setting stops the app. */
function readTestQueueHop(env: Env, isDevelopment: boolean): number | undefined {
  if (read(env, 'OUTBOUND_TEST_QUEUE_HOP_SECONDS') === undefined) return undefined;
  if (!isDevelopment)
    throw new SettingsError(
      'OUTBOUND_TEST_QUEUE_HOP_SECONDS',
      'is for tests and may be set only when AZURE_FUNCTIONS_ENVIRONMENT=Development',
    );
  return readPositiveInt(env, 'OUTBOUND_TEST_QUEUE_HOP_SECONDS');
}

function readCalling(env: Env, isDevelopment: boolean): CallingSettings {
  const twimlAppSid = read(env, 'TWILIO_TWIML_APP_SID');
  if (twimlAppSid !== undefined && !/^AP[0-9a-fA-F]{32}$/.test(twimlAppSid))
    throw new SettingsError('TWILIO_TWIML_APP_SID', `must be a TwiML App SID (AP followed by 32 hex digits), got "${twimlAppSid}"`);
  const tokenTtlSeconds = readPositiveInt(env, 'CLIENT_TOKEN_TTL_SECONDS');
  if (tokenTtlSeconds > MAX_CLIENT_TOKEN_TTL_SECONDS)
    throw new SettingsError(
      'CLIENT_TOKEN_TTL_SECONDS',
      `must be at most ${MAX_CLIENT_TOKEN_TTL_SECONDS} (Twilio's 24 hours), got ${tokenTtlSeconds}`,
    );
  const dialEntries = readList(env, 'CLIENT_DIAL_ALLOWED');
  let dialAllowed: string[] | undefined;
  if (dialEntries.length === 1 && dialEntries[0].toLowerCase() === 'none') dialAllowed = [];
  else if (dialEntries.length) {
    const bad = dialEntries.find((entry) => !DIAL_ENTRY.test(entry));
    if (bad !== undefined)
      throw new SettingsError(
        'CLIENT_DIAL_ALLOWED',
        `has "${bad}": each entry is a country calling code (+44), a region (GB) or an E.164 number, or the whole setting is none`,
      );
    dialAllowed = dialEntries;
  }
  const devIdentity = read(env, 'CLIENT_DEV_IDENTITY');
  if (devIdentity !== undefined) {
    if (!isDevelopment) throw new SettingsError('CLIENT_DEV_IDENTITY', 'may be set only when AZURE_FUNCTIONS_ENVIRONMENT=Development');
    if (!CLIENT_IDENTITY.test(devIdentity))
      throw new SettingsError('CLIENT_DEV_IDENTITY', `is not a valid client identity: "${devIdentity}"`);
  }
  return {
    twimlAppSid,
    tokenTtlSeconds,
    dialAllowed,
    allowedGroups: readList(env, 'CLIENT_ALLOWED_GROUPS'),
    tokensPerMinute: readPositiveInt(env, 'CLIENT_TOKENS_PER_MINUTE'),
    devIdentity,
    platformAuthEnabled: read(env, 'WEBSITE_AUTH_ENABLED')?.toLowerCase() === 'true',
  };
}

function readEvents(env: Env): EventSettings {
  const off = env.EVENTS_QUEUE !== undefined && env.EVENTS_QUEUE.trim() === '';
  const gridTopicEndpoint = readUrl(env, 'EVENT_GRID_TOPIC_ENDPOINT');
  if (gridTopicEndpoint && !gridTopicEndpoint.startsWith('https://'))
    throw new SettingsError(
      'EVENT_GRID_TOPIC_ENDPOINT',
      `must be an https URL (Event Grid takes tokens over TLS only): "${gridTopicEndpoint}"`,
    );
  return {
    queue: off ? undefined : readName(env, 'EVENTS_QUEUE', QUEUE_NAME, 'storage queue'),
    gridTopicEndpoint,
    source: readUrl(env, 'WEBHOOK_BASE_URL') ?? 'urn:twilio-azure-functions',
  };
}

function readSms(env: Env): SmsSettings {
  return {
    autoReply: read(env, 'SMS_AUTO_REPLY'),
    forwardTo: readPhoneNumber(env, 'SMS_FORWARD_TO'),
    autoReplyLimit: readPositiveInt(env, 'SMS_AUTO_REPLY_LIMIT'),
    blocklist: readBlocklist(env),
  };
}

export function parseSettings(env: Env): Settings {
  const isDevelopment = read(env, 'AZURE_FUNCTIONS_ENVIRONMENT') === 'Development';
  const validateSignatures = readBoolean(env, 'TWILIO_VALIDATE_SIGNATURES');
  if (!validateSignatures && !isDevelopment) {
    throw new SettingsError(
      'TWILIO_VALIDATE_SIGNATURES',
      'may be false only when AZURE_FUNCTIONS_ENVIRONMENT=Development; refusing to start with signature checks off',
    );
  }
  const credential = (name: SettingName): string | undefined => {
    const value = read(env, name);
    if (value && KEY_VAULT_REFERENCE.test(value)) {
      throw new SettingsError(
        name,
        'is an unresolved Key Vault reference: the platform could not read the secret. Check that the app identity has the Key Vault Secrets User role and that the reference URI is right',
      );
    }
    return value;
  };
  return {
    storage: readStorage(env),
    outboundQueue: readName(env, 'OUTBOUND_QUEUE', QUEUE_NAME, 'storage queue'),
    outboundLedger: readName(env, 'OUTBOUND_LEDGER', TABLE_NAME, 'table'),
    outboundSendLeaseMs: readPositiveInt(env, 'OUTBOUND_SEND_LEASE_SECONDS') * 1000,
    outboundReconcileAfterMs: readPositiveInt(env, 'OUTBOUND_RECONCILE_AFTER_SECONDS') * 1000,
    outboundTestQueueHopSeconds: readTestQueueHop(env, isDevelopment),
    events: readEvents(env),
    ledgerRetentionDays: readPositiveInt(env, 'OUTBOUND_LEDGER_RETENTION_DAYS'),
    ledgerRetentionSchedule: readNcrontab(env, 'OUTBOUND_LEDGER_RETENTION_SCHEDULE'),
    twilioMaxConcurrency: readPositiveInt(env, 'TWILIO_MAX_CONCURRENCY'),
    outboundMaxInstances: readPositiveInt(env, 'OUTBOUND_MAX_INSTANCES'),
    optOutTable: readName(env, 'OPTOUT_TABLE', TABLE_NAME, 'table'),
    optOutScope: readOptOutScope(env),
    recordings: {
      queue: readName(env, 'RECORDINGS_QUEUE', QUEUE_NAME, 'storage queue'),
      container: readName(env, 'RECORDINGS_CONTAINER', CONTAINER_NAME, 'blob container'),
      linkTtlMs: readPositiveInt(env, 'RECORDING_LINK_DAYS') * 86_400_000,
      deleteFromTwilio: readBoolean(env, 'RECORDINGS_DELETE_FROM_TWILIO'),
    },
    keyVaultUrl: readUrl(env, 'KEY_VAULT_URL'),
    azureClientId: read(env, 'AZURE_CLIENT_ID'),
    runningInAzure: Boolean(read(env, 'IDENTITY_ENDPOINT') && read(env, 'IDENTITY_HEADER')),
    secretsCacheTtlMs: readPositiveInt(env, 'SECRETS_CACHE_TTL_SECONDS') * 1000,
    twilio: {
      accountSid: credential('TWILIO_ACCOUNT_SID'),
      authToken: credential('TWILIO_AUTH_TOKEN'),
      secondaryAuthToken: credential('TWILIO_AUTH_TOKEN_SECONDARY'),
      apiKeySid: credential('TWILIO_API_KEY_SID'),
      apiKeySecret: credential('TWILIO_API_KEY_SECRET'),
      apiBaseUrl: readUrl(env, 'TWILIO_API_BASE_URL'),
      fromNumber: read(env, 'TWILIO_FROM_NUMBER'),
      messagingServiceSid: read(env, 'TWILIO_MESSAGING_SERVICE_SID'),
      phoneNumbers: readPhoneNumberList(env, 'TWILIO_PHONE_NUMBERS'),
      fallbackUrl: readUrl(env, 'TWILIO_FALLBACK_URL'),
    },
    webhookBaseUrl: readUrl(env, 'WEBHOOK_BASE_URL'),
    validateSignatures,
    voice: readVoice(env),
    sms: readSms(env),
    autoReplyTable: readName(env, 'AUTO_REPLY_TABLE', TABLE_NAME, 'table'),
    allowedCountries: readCountries(env),
    audioContainer: readName(env, 'AUDIO_CONTAINER', CONTAINER_NAME, 'blob container'),
    calling: readCalling(env, isDevelopment),
  };
}

let cachedSettings: Settings | undefined;

/** The process's settings, parsed on first use. A bad setting throws SettingsError naming it. */
export function settings(): Settings {
  cachedSettings ??= parseSettings(process.env);
  return cachedSettings;
}

/** Tests change process.env between cases; this forgets the parsed copy. */
export function resetSettingsForTests(): void {
  cachedSettings = undefined;
}

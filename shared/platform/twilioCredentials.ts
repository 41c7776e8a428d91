// The one place the app gets Twilio credentials. Webhooks need the auth token; REST calls use the API
// key when there is one. With KEY_VAULT_URL they come from Key Vault, otherwise from the TWILIO_* settings
// (which App Service may fill from Key Vault references).
//
// The credentials live in a deliberate per-process cache (see refreshingCache.ts for the rules):
// - at most one read of each secret per SECRETS_CACHE_TTL_SECONDS, shared by concurrent callers;
// - refreshTwilioCredentials() re-reads after Twilio rejected them (rotation) and answers with what a read
//   started after the call found, so the first genuine webhook after a rotation passes whatever forged traffic
//   came before it. Forced re-reads start at most once per FORCED_REFRESH_INTERVAL_MS (a caller in between waits
//   for the next, at most that long): forged webhooks failing their signature check cost at most 12 re-reads of
//   the 8 secrets a minute per instance, 96 secret GETs (the vault allows 4,000 per 10 s, shared by everything that
//   uses it);
// - prefetchTwilioCredentials() starts the first read at start-up, without blocking it.
import { readSecret, SecretNotFoundError } from './keyVault';
import { RefreshingCache } from './refreshingCache';
import { settings, SettingsError } from './settings';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** Twilio's secondary auth token while a rotation is under way: webhook signatures made with it pass too. */
  secondaryAuthToken?: string;
  /** The Webhooks SharedKey secret, for webhooks a Webhooks rule signs with it instead of the auth token. */
  webhookSharedKey?: string;
  /** The next SharedKey's secret while a rotation is under way: webhooks signed with it pass too. */
  webhookSharedKeySecondary?: string;
  /** user:password that Event Streams must send as HTTP Basic credentials to the sink (the destination URL's user info). */
  eventStreamsCredentials?: string;
  apiKeySid?: string;
  apiKeySecret?: string;
}

export const TWILIO_SECRET_NAMES = {
  accountSid: 'twilio-account-sid',
  authToken: 'twilio-auth-token',
  secondaryAuthToken: 'twilio-auth-token-secondary',
  apiKeySid: 'twilio-api-key-sid',
  apiKeySecret: 'twilio-api-key-secret',
  webhookSharedKey: 'twilio-webhook-shared-key',
  webhookSharedKeySecondary: 'twilio-webhook-shared-key-secondary',
  eventStreamsCredentials: 'twilio-event-streams-credentials',
} as const;

export const FORCED_REFRESH_INTERVAL_MS = 5_000;
/** After a failed re-read, the previous credentials are used this long before the next try. */
const RETRY_AFTER_FAILURE_MS = 30_000;

type CredentialField = keyof typeof TWILIO_SECRET_NAMES;
type CredentialValues = Partial<Record<CredentialField, string>>;
const CREDENTIAL_FIELDS = Object.keys(TWILIO_SECRET_NAMES) as CredentialField[];
const REQUIRED: ReadonlySet<CredentialField> = new Set(['accountSid', 'authToken']);

/** The credentials in one source's values; `missing` says, in that source's terms, which one is missing. */
function credentialsFrom(
  values: CredentialValues,
  missing: (field: 'accountSid' | 'authToken' | 'apiKeySecret') => Error,
): TwilioCredentials {
  const { accountSid, authToken, apiKeySid, apiKeySecret, ...optional } = values;
  if (!accountSid) throw missing('accountSid');
  if (!authToken) throw missing('authToken');
  if (apiKeySid && !apiKeySecret) throw missing('apiKeySecret');
  return { accountSid, authToken, ...optional, apiKeySid, apiKeySecret: apiKeySid ? apiKeySecret : undefined };
}

const SETTING_OF = { accountSid: 'TWILIO_ACCOUNT_SID', authToken: 'TWILIO_AUTH_TOKEN', apiKeySecret: 'TWILIO_API_KEY_SECRET' } as const;

function fromSettings(): TwilioCredentials {
  const twilio = settings().twilio;
  const values = Object.fromEntries(CREDENTIAL_FIELDS.map((field) => [field, twilio[field]])) as CredentialValues;
  return credentialsFrom(values, (field) =>
    field === 'apiKeySecret'
      ? new SettingsError(SETTING_OF[field], 'is missing while TWILIO_API_KEY_SID is set')
      : new SettingsError(SETTING_OF[field], 'is missing: set it, or set KEY_VAULT_URL to read credentials from Key Vault'),
  );
}

async function fromKeyVault(vaultUrl: string): Promise<TwilioCredentials> {
  const names = TWILIO_SECRET_NAMES;
  // allSettled: when one read fails, the others still finish within this load, so no retries outlive it.
  const results = await Promise.allSettled(
    CREDENTIAL_FIELDS.map((field) => readSecret(vaultUrl, names[field], { optional: !REQUIRED.has(field) })),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const values = Object.fromEntries(
    CREDENTIAL_FIELDS.map((field, i) => [field, (results[i] as PromiseFulfilledResult<string | undefined>).value]),
  ) as CredentialValues;
  // A required secret that is absent already failed its read; only the API key's secret is left to check.
  return credentialsFrom(
    values,
    (field) =>
      new SecretNotFoundError({
        vaultUrl,
        secretName: names[field],
        detail: field === 'apiKeySecret' ? ` (needed because ${names.apiKeySid} is set)` : '',
      }),
  );
}

async function loadTwilioCredentials(): Promise<TwilioCredentials> {
  const vaultUrl = settings().keyVaultUrl;
  return vaultUrl ? fromKeyVault(vaultUrl) : fromSettings();
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

let cache: RefreshingCache<TwilioCredentials> | undefined;
let clock: (() => number) | undefined;
let waitForTests: ((ms: number) => Promise<void>) | undefined;

function credentialCache(): RefreshingCache<TwilioCredentials> {
  cache ??= new RefreshingCache({
    load: loadTwilioCredentials,
    ttlMs: settings().secretsCacheTtlMs,
    // Settings are read from memory: re-reading them costs nothing, so a refresh never waits for them.
    minRefreshIntervalMs: settings().keyVaultUrl ? FORCED_REFRESH_INTERVAL_MS : 0,
    retryAfterFailureMs: RETRY_AFTER_FAILURE_MS,
    onStaleServed: (error) =>
      console.warn(`[secrets] Re-reading the Twilio credentials failed; using the cached ones for now. ${describeError(error)}`),
    now: clock,
    wait: waitForTests,
  });
  return cache;
}

/** The current Twilio credentials: the same object while cached. */
export async function twilioCredentials(): Promise<TwilioCredentials> {
  return credentialCache().get();
}

/**
 * Called after Twilio rejected the cached credentials (401 / error 20003) or a webhook signature failed
 * against the cached auth token: re-reads the source now, or, when a forced re-read started less than
 * FORCED_REFRESH_INTERVAL_MS ago, waits for the next one (shared by every caller waiting for it).
 */
export async function refreshTwilioCredentials(): Promise<TwilioCredentials> {
  return credentialCache().refresh();
}

/**
 * Starts reading the credentials from Key Vault so the first webhook does not pay the round trip. A failed
 * read is not thrown but logged (without secret values), and the first caller of twilioCredentials() retries.
 * Settings need no prefetch.
 */
export function prefetchTwilioCredentials(): void {
  if (!settings().keyVaultUrl) return;
  twilioCredentials().catch((error: unknown) =>
    console.warn(
      `[secrets] Prefetching the Twilio credentials from Key Vault failed; the first request will retry. ${describeError(error)}`,
    ),
  );
}

/**
 * Forgets the cached credentials. Tests may pass a clock to step over the TTL and the refresh interval, and the
 * wait for the next forced re-read (stepping that clock).
 */
export function resetTwilioCredentialsForTests(options: { now?: () => number; wait?: (ms: number) => Promise<void> } = {}): void {
  cache = undefined;
  clock = options.now;
  waitForTests = options.wait;
}

// The Twilio credentials over the real chain, in process: shared/platform/twilioCredentials.ts -> shared/platform/keyVault.ts -> the real
// SecretClient (@azure/keyvault-secrets) -> HTTPS with Key Vault's 401 challenge -> the real
// ManagedIdentityCredential (@azure/identity, MSAL's App Service source) -> a loopback managed identity
// endpoint. Only the two endpoints are fakes (harness/vaultChain.ts).
import { AzureLogger, setLogLevel } from '@azure/logger';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { twimlWebhook } from '../../shared/webhook/webhookHttp';
import { formBody, sign } from '../../harness/twilioRequests';
import { resetAzureCredentialForTests } from '../../shared/platform/azureCredential';
import {
  KeyVaultAccessDeniedError,
  KeyVaultUnreachableError,
  resetKeyVaultForTests,
  SecretNotFoundError,
} from '../../shared/platform/keyVault';
import {
  FORCED_REFRESH_INTERVAL_MS,
  prefetchTwilioCredentials,
  refreshTwilioCredentials,
  resetTwilioCredentialsForTests,
  twilioCredentials,
  TWILIO_SECRET_NAMES as NAMES,
} from '../../shared/platform/twilioCredentials';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { installLoopbackDns } from '../../harness/loopbackDns.cjs';
import { startVaultChain, VAULT_RESOURCE, type VaultChain } from '../../harness/vaultChain';
import { waitFor } from '../../harness/waitFor';

const VALUES = {
  [NAMES.accountSid]: 'AC0123456789abcdef0123456789abcdef',
  [NAMES.authToken]: 'auth-token-from-the-vault-0001',
  [NAMES.apiKeySid]: 'SK0123456789abcdef0123456789abcdef',
  [NAMES.apiKeySecret]: 'api-key-secret-from-the-vault-0001',
};
const ROTATED_AUTH_TOKEN = 'auth-token-after-rotation-0002';
const SECRET_VALUES = [...Object.values(VALUES), ROTATED_AUTH_TOKEN];
const TTL_SECONDS = 300;

let chain: VaultChain;
let uninstallDns: () => void;
let now: number;
/** How long each refresh waited for the next forced re-read (the wait steps the fake clock). */
let waited: number[];
let captured: string[];
let restoreConsole: () => void;

/** Everything the app and the Azure SDK logged, plus the messages of the errors the test saw. */
function capture(text: unknown): void {
  captured.push(text instanceof Error ? `${text.name}: ${text.message} ${String((text as { cause?: unknown }).cause)}` : String(text));
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: Error) => e,
  );
  capture(error);
  return error;
}

beforeAll(async () => {
  chain = await startVaultChain();
  uninstallDns = installLoopbackDns([new URL(chain.vault.url).hostname]);
  Object.assign(process.env, chain.identity.env, {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    KEY_VAULT_URL: chain.vault.url,
    AZURE_CLIENT_ID: chain.clientId,
    SECRETS_CACHE_TTL_SECONDS: String(TTL_SECONDS),
  });
  resetSettingsForTests();
  resetAzureCredentialForTests();
  setLogLevel('info'); // the SDK logs requests and responses at info: they must not carry secrets either
});

afterAll(async () => {
  setLogLevel('warning');
  uninstallDns?.();
  await chain?.stop();
});

/** Forgets the cached credentials; the cache reads `now`, and its wait for the next forced re-read steps it. */
function resetCredentialsOnTheFakeClock(): void {
  waited = [];
  resetTwilioCredentialsForTests({
    now: () => now,
    wait: async (ms) => {
      waited.push(ms);
      now += ms;
    },
  });
}

beforeEach(() => {
  for (const [name, value] of Object.entries(VALUES)) chain.vault.setSecret(name, value);
  chain.vault.deleteSecret(NAMES.secondaryAuthToken);
  chain.vault.mode = 'up';
  chain.vault.requests.length = 0;
  chain.identity.requests.length = 0;
  now = Date.parse('2030-01-01T00:00:00Z');
  resetCredentialsOnTheFakeClock();
  // The test trusts the vault's throwaway certificate through the client's TLS options.
  resetKeyVaultForTests({ clientOptions: { tlsOptions: { ca: chain.certificate.cert } }, retry: { firstDelayMs: 20 } });
  captured = [];
  AzureLogger.log = (...args: unknown[]) => args.forEach(capture);
  const spies = (['log', 'info', 'warn', 'error'] as const).map((level) =>
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => args.forEach(capture)),
  );
  restoreConsole = () => spies.forEach((spy) => spy.mockRestore());
});

afterEach(() => {
  restoreConsole();
  const everything = captured.join('\n');
  for (const value of SECRET_VALUES) expect(everything).not.toContain(value);
});

function readsPerSecret(): Record<string, number> {
  return Object.fromEntries(Object.values(NAMES).map((name) => [name, chain.vault.readsOf(name)]));
}
const once = Object.fromEntries(Object.values(NAMES).map((name) => [name, 1]));
const twice = Object.fromEntries(Object.values(NAMES).map((name) => [name, 2]));

test('reads all four secrets from the vault as the user-assigned managed identity, after the bearer challenge', async () => {
  const credentials = await twilioCredentials();

  expect(credentials).toEqual({
    accountSid: VALUES[NAMES.accountSid],
    authToken: VALUES[NAMES.authToken],
    apiKeySid: VALUES[NAMES.apiKeySid],
    apiKeySecret: VALUES[NAMES.apiKeySecret],
  });
  // MSAL's App Service protocol: api-version 2019-08-01, the challenge's resource, the user-assigned client id.
  expect(chain.identity.requests[0]).toEqual({ apiVersion: '2019-08-01', resource: VAULT_RESOURCE, clientId: chain.clientId, status: 200 });
  // The client sent its first request without a token and got Key Vault's challenge.
  expect(chain.vault.requests[0]).toMatchObject({ status: 401, identity: undefined });
  expect(chain.vault.requests.filter((r) => r.status === 200).every((r) => r.identity === chain.clientId)).toBe(true);
  expect(captured.join('\n')).toMatch(/keyvault|GET/i); // the SDK's request log was captured, so the check after each test means something
});

test('concurrent first calls share one read of each secret and get the same object', async () => {
  const all = await Promise.all(Array.from({ length: 20 }, () => twilioCredentials()));

  expect(new Set(all).size).toBe(1);
  expect(readsPerSecret()).toEqual(once);
});

test('within the TTL the vault is not read again; after it, each secret is read once more', async () => {
  const first = await twilioCredentials();
  now += (TTL_SECONDS - 1) * 1000;
  expect(await twilioCredentials()).toBe(first);
  expect(readsPerSecret()).toEqual(once);

  now += 2000;
  await Promise.all([twilioCredentials(), twilioCredentials(), twilioCredentials()]);
  expect(readsPerSecret()).toEqual(twice);
});

test('without the optional API key secrets the auth token is used and the 404s are no error', async () => {
  chain.vault.deleteSecret(NAMES.apiKeySid);
  chain.vault.deleteSecret(NAMES.apiKeySecret);

  const credentials = await twilioCredentials();

  expect(credentials).toEqual({
    accountSid: VALUES[NAMES.accountSid],
    authToken: VALUES[NAMES.authToken],
    apiKeySid: undefined,
    apiKeySecret: undefined,
  });
  expect(
    chain.vault.requests
      .filter((r) => r.status === 404)
      .map((r) => r.secretName)
      .sort(),
  ).toEqual(
    [
      NAMES.apiKeySecret,
      NAMES.apiKeySid,
      NAMES.secondaryAuthToken,
      NAMES.webhookSharedKey,
      NAMES.webhookSharedKeySecondary,
      NAMES.eventStreamsCredentials,
    ].sort(),
  );
});

test('an API key SID without its secret fails, naming the missing secret', async () => {
  chain.vault.deleteSecret(NAMES.apiKeySecret);

  const error = await failure(twilioCredentials());

  expect(error).toBeInstanceOf(SecretNotFoundError);
  expect(error.message).toContain(`has no secret named ${NAMES.apiKeySecret} (needed because ${NAMES.apiKeySid} is set)`);
});

test('a rotated auth token is picked up by refresh, and forced refreshes read the vault at most once per interval', async () => {
  const before = await twilioCredentials();
  chain.vault.setSecret(NAMES.authToken, ROTATED_AUTH_TOKEN);

  expect((await twilioCredentials()).authToken).toBe(VALUES[NAMES.authToken]); // still cached
  const refreshed = await Promise.all(Array.from({ length: 10 }, () => refreshTwilioCredentials()));
  expect(new Set(refreshed).size).toBe(1);
  expect(refreshed[0].authToken).toBe(ROTATED_AUTH_TOKEN);
  expect(refreshed[0]).not.toBe(before);
  expect(await twilioCredentials()).toBe(refreshed[0]);
  expect(readsPerSecret()).toEqual(twice);

  // Forged webhooks failing their signature check all at once: they share the next re-read, one interval on.
  now += 1000;
  const flood = await Promise.all(Array.from({ length: 50 }, () => refreshTwilioCredentials()));
  expect(new Set(flood).size).toBe(1);
  expect(waited).toEqual([FORCED_REFRESH_INTERVAL_MS - 1000]);
  expect(chain.vault.readsOf(NAMES.authToken)).toBe(3);

  // One after another: each waits for the next interval, so the vault is read at most once per interval.
  const start = now;
  for (let i = 0; i < 20; i++) {
    now += 700;
    await refreshTwilioCredentials();
  }
  expect(chain.vault.readsOf(NAMES.authToken)).toBeLessThanOrEqual(3 + Math.ceil((now - start) / FORCED_REFRESH_INTERVAL_MS));
});

test('a missing secret fails with an error naming the vault and the secret', async () => {
  chain.vault.deleteSecret(NAMES.authToken);

  const error = await failure(twilioCredentials());

  expect(error).toBeInstanceOf(SecretNotFoundError);
  expect(error.message).toBe(
    `Key Vault ${chain.vault.url} has no secret named twilio-auth-token. Add it: az keyvault secret set --vault-name twilio-kv --name twilio-auth-token --file <file holding only the value> --output none`,
  );
});

test('a 403 names the identity and the role it needs', async () => {
  chain.vault.mode = 'forbidden';

  const error = await failure(twilioCredentials());

  expect(error).toBeInstanceOf(KeyVaultAccessDeniedError);
  expect(error.message).toContain(`refused the managed identity with client ID ${chain.clientId} (AZURE_CLIENT_ID) reading secret twilio-`);
  expect(error.message).toContain('(403 ForbiddenByRbac). Grant that identity the Key Vault Secrets User role on the vault.');
});

test('an unreachable vault is retried with backoff, then fails with a clear message', async () => {
  resetKeyVaultForTests({ clientOptions: { tlsOptions: { ca: chain.certificate.cert } } }); // the production backoff
  await twilioCredentials(); // warm: the client holds keep-alive connections and a token
  now += TTL_SECONDS * 1000;
  resetCredentialsOnTheFakeClock(); // nothing cached to fall back on
  chain.vault.mode = 'drop-connections';

  const error = await failure(twilioCredentials());

  expect(error).toBeInstanceOf(KeyVaultUnreachableError);
  expect((error as KeyVaultUnreachableError).attempts).toBe(4);
  expect(error.message).toMatch(
    new RegExp(
      `^Key Vault ${chain.vault.url} could not be reached for secret twilio-[a-z-]+ after 4 attempts \\((ECONNRESET|EPIPE)\\)\\. Check KEY_VAULT_URL`,
    ),
  );
  expect(chain.vault.droppedConnections).toBeGreaterThanOrEqual(4 * 4); // four secrets, four attempts each, all within the load
});

test('when the vault is unreachable after the TTL, the cached credentials are used and the failure is logged', async () => {
  const first = await twilioCredentials();
  now += TTL_SECONDS * 1000 + 1;
  chain.vault.mode = 'drop-connections';

  expect(await twilioCredentials()).toBe(first);
  expect(captured.join('\n')).toMatch(
    /\[secrets\] Re-reading the Twilio credentials failed; using the cached ones for now\. KeyVaultUnreachableError/,
  );

  // The next try waits 30 s rather than hitting the vault on every call.
  const dropped = chain.vault.droppedConnections;
  expect(await twilioCredentials()).toBe(first);
  expect(chain.vault.droppedConnections).toBe(dropped);
});

test('prefetch starts the read at start-up; the first caller shares it', async () => {
  prefetchTwilioCredentials();
  const credentials = await twilioCredentials();

  expect(credentials.authToken).toBe(VALUES[NAMES.authToken]);
  expect(readsPerSecret()).toEqual(once);
});

test('a failed prefetch is logged without throwing, and the first request reads again', async () => {
  chain.vault.mode = 'forbidden';
  prefetchTwilioCredentials();
  await waitFor(() => (captured.some((line) => line.includes('Prefetching')) ? true : undefined), { timeoutMs: 5000 });
  expect(captured.join('\n')).toMatch(
    /\[secrets\] Prefetching the Twilio credentials from Key Vault failed; the first request will retry\. KeyVaultAccessDeniedError/,
  );

  chain.vault.mode = 'up';
  expect((await twilioCredentials()).accountSid).toBe(VALUES[NAMES.accountSid]);
});

describe('rotation after forged traffic, through the webhook shell', () => {
  const URL_CALLED = 'https://calls.example.com/api/voice';
  const handler = twimlWebhook(() => '<Response/>');
  const genuineParams = () => ({
    AccountSid: VALUES[NAMES.accountSid],
    CallSid: 'CA0123456789abcdef0123456789abcdef',
    From: '+14155550111',
  });
  const webhook = async (token: string, params: Record<string, string>) => {
    const request = new HttpRequest({
      method: 'POST',
      url: URL_CALLED,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': sign(token, URL_CALLED, params) },
      body: { string: formBody(params) },
    });
    return (await handler(request, new InvocationContext({ logHandler: () => undefined }))).status;
  };
  const forgedAnonymously = () => webhook('forged-token', { ...genuineParams(), AccountSid: 'AC99999999999999999999999999999999' });
  const forgedNamingTheAccount = () => webhook('forged-token', genuineParams());

  test('forged webhooks that do not know the account SID read nothing, so the first genuine one after a rotation passes', async () => {
    expect(await webhook(VALUES[NAMES.authToken], genuineParams())).toBe(200);
    for (let i = 0; i < 50; i++) expect(await forgedAnonymously()).toBe(403);
    expect(chain.vault.readsOf(NAMES.authToken)).toBe(1);

    chain.vault.setSecret(NAMES.authToken, ROTATED_AUTH_TOKEN);
    now += 1000;
    expect(await webhook(ROTATED_AUTH_TOKEN, genuineParams())).toBe(200);
    expect(chain.vault.readsOf(NAMES.authToken)).toBe(2);
  });

  test('with the secondary token in the vault, a rotation passes even right after forged traffic that names the account', async () => {
    chain.vault.setSecret(NAMES.secondaryAuthToken, ROTATED_AUTH_TOKEN); // step 1: the secondary token, before promoting it
    expect(await webhook(VALUES[NAMES.authToken], genuineParams())).toBe(200);
    const start = now;
    for (let i = 0; i < 50; i++) expect(await forgedNamingTheAccount()).toBe(403);
    // The start-up read, then one forced re-read per interval at most, however many forged.
    const reads = chain.vault.readsOf(NAMES.authToken);
    expect(reads).toBeLessThanOrEqual(2 + Math.ceil((now - start) / FORCED_REFRESH_INTERVAL_MS));

    now += 1000; // step 2: promoted in Twilio within the forced re-read's interval
    expect(await webhook(ROTATED_AUTH_TOKEN, genuineParams())).toBe(200);
    expect(chain.vault.readsOf(NAMES.authToken)).toBe(reads); // the secondary token passed without a re-read
  });

  test('a webhook a Webhooks rule signs with the SharedKey in the vault passes, and so does the next key during a rotation', async () => {
    const sharedKey = 'webhook-shared-key-from-the-vault-0001';
    const nextKey = 'webhook-shared-key-after-rotation-0002';
    chain.vault.setSecret(NAMES.webhookSharedKey, sharedKey);
    const withSharedKey = async (key: string) => {
      const params = genuineParams();
      const request = new HttpRequest({
        method: 'POST',
        url: URL_CALLED,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'X-Twilio-Signature': sign(key, URL_CALLED, params, 'sha256'),
          'X-Twilio-Webhooks-Signature-Settings': 'key=webhooks_sharedkey_01,algorithm=HMAC_SHA256',
        },
        body: { string: formBody(params) },
      });
      return (await handler(request, new InvocationContext({ logHandler: () => undefined }))).status;
    };
    expect(await withSharedKey(sharedKey)).toBe(200);
    expect(await withSharedKey(VALUES[NAMES.authToken])).toBe(403);
    chain.vault.setSecret(NAMES.webhookSharedKeySecondary, nextKey);
    now += FORCED_REFRESH_INTERVAL_MS;
    expect(await withSharedKey(nextKey)).toBe(200);
    chain.vault.deleteSecret(NAMES.webhookSharedKey);
    chain.vault.deleteSecret(NAMES.webhookSharedKeySecondary);
  });

  test('without the secondary token, the first genuine request after a rotation passes whatever forged traffic named the account before it, and the forged flood reads the vault at most once per interval', async () => {
    expect(await webhook(VALUES[NAMES.authToken], genuineParams())).toBe(200);
    const start = now;
    const secretReads = () => Object.values(NAMES).reduce((sum, name) => sum + chain.vault.readsOf(name), 0);
    const readsBefore = secretReads();
    // 200 forged requests over a minute, in bursts of 10 at once, each burst 3 s after the last.
    for (let burst = 0; burst < 20; burst++) {
      now += 3000;
      expect(await Promise.all(Array.from({ length: 10 }, forgedNamingTheAccount))).toEqual(Array(10).fill(403));
    }
    chain.vault.setSecret(NAMES.authToken, ROTATED_AUTH_TOKEN);
    now += 100; // right after the last forged burst's re-read
    expect(await webhook(ROTATED_AUTH_TOKEN, genuineParams())).toBe(200);
    // It waited for a re-read that started after it arrived, no longer than the interval.
    expect(Math.max(...waited)).toBeLessThanOrEqual(FORCED_REFRESH_INTERVAL_MS);
    // The bound (docs/operations.md): at most one forced re-read of the 8 secrets per interval per instance.
    const elapsed = now - start;
    const bound = 1 + Math.ceil(elapsed / FORCED_REFRESH_INTERVAL_MS);
    expect(chain.vault.readsOf(NAMES.authToken) - 1).toBeLessThanOrEqual(bound);
    expect(secretReads() - readsBefore).toBeLessThanOrEqual(bound * Object.keys(NAMES).length);
    expect(elapsed).toBeGreaterThanOrEqual(60_000);
    expect(60_000 / FORCED_REFRESH_INTERVAL_MS).toBe(12); // the docs' bound: 12 re-reads a minute per instance
  });
});

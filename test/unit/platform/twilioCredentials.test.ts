// Without KEY_VAULT_URL the credentials come from the TWILIO_* settings (Key Vault references resolved by
// App Service, or local.settings.json). The Key Vault path is tested over the real chain in test/secrets/.
import {
  prefetchTwilioCredentials,
  refreshTwilioCredentials,
  resetTwilioCredentialsForTests,
  twilioCredentials,
} from '../../../shared/platform/twilioCredentials';
import { resetSettingsForTests, SettingsError } from '../../../shared/platform/settings';

const ORIGINAL_ENV = process.env;

function useEnv(env: Record<string, string>): void {
  process.env = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...env };
  resetSettingsForTests();
  resetTwilioCredentialsForTests();
}

afterAll(() => {
  process.env = ORIGINAL_ENV;
  resetSettingsForTests();
});

test('reads the account SID and auth token from the settings', async () => {
  useEnv({ TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'token' });
  expect(await twilioCredentials()).toEqual({ accountSid: 'AC123', authToken: 'token', apiKeySid: undefined, apiKeySecret: undefined });
});

test('includes the API key pair when both are set', async () => {
  useEnv({ TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'token', TWILIO_API_KEY_SID: 'SK1', TWILIO_API_KEY_SECRET: 'key-secret' });
  expect(await twilioCredentials()).toEqual({ accountSid: 'AC123', authToken: 'token', apiKeySid: 'SK1', apiKeySecret: 'key-secret' });
});

test('a missing auth token names the setting and the Key Vault alternative', async () => {
  useEnv({ TWILIO_ACCOUNT_SID: 'AC123' });
  await expect(twilioCredentials()).rejects.toThrow(
    new SettingsError('TWILIO_AUTH_TOKEN', 'is missing: set it, or set KEY_VAULT_URL to read credentials from Key Vault'),
  );
});

test('an API key SID without its secret names the missing setting', async () => {
  useEnv({ TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'token', TWILIO_API_KEY_SID: 'SK1' });
  await expect(twilioCredentials()).rejects.toThrow(/TWILIO_API_KEY_SECRET is missing while TWILIO_API_KEY_SID is set/);
});

test('an unresolved Key Vault reference is reported as such, without echoing it', async () => {
  const reference = '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/twilio-auth-token/)';
  useEnv({ TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: reference });
  const error = (await twilioCredentials().catch((e: unknown) => e)) as Error;
  expect(error).toBeInstanceOf(SettingsError);
  expect(error.message).toMatch(/^Setting TWILIO_AUTH_TOKEN is an unresolved Key Vault reference/);
  expect(error.message).toContain('Key Vault Secrets User');
});

test('refresh re-reads the settings', async () => {
  useEnv({ TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'token' });
  expect((await refreshTwilioCredentials()).authToken).toBe('token');
});

test('prefetch does nothing without Key Vault, even when credentials are missing', async () => {
  useEnv({});
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  expect(() => prefetchTwilioCredentials()).not.toThrow();
  await new Promise((resolve) => setImmediate(resolve));
  expect(warn).not.toHaveBeenCalled();
  warn.mockRestore();
});

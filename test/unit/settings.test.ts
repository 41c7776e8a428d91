import { parseSettings, SETTINGS, SettingsError } from '../../shared/settings';

const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

describe('settings', () => {
  test('defaults apply when settings are absent or blank', () => {
    const s = parseSettings({ ...base, OUTBOUND_QUEUE: '  ' });
    expect(s.outboundQueue).toBe('twilio-outbound');
    expect(s.outboundLedger).toBe('outboundledger');
    expect(s.secretsCacheTtlMs).toBe(300_000);
    expect(s.validateSignatures).toBe(true);
  });

  test('a missing storage connection fails and names the setting', () => {
    expect(() => parseSettings({})).toThrow(SettingsError);
    expect(() => parseSettings({})).toThrow(/AzureWebJobsStorage/);
  });

  test('identity-based storage is read from the __queueServiceUri and __tableServiceUri settings', () => {
    const s = parseSettings({
      AzureWebJobsStorage__queueServiceUri: 'https://acct.queue.core.windows.net',
      AzureWebJobsStorage__tableServiceUri: 'https://acct.table.core.windows.net',
      AzureWebJobsStorage__clientId: 'client-id',
    });
    expect(s.storage).toEqual({ kind: 'identity', queueServiceUri: 'https://acct.queue.core.windows.net', tableServiceUri: 'https://acct.table.core.windows.net', clientId: 'client-id' });
  });

  test('signature checks can be turned off only in Development', () => {
    expect(parseSettings({ ...base, TWILIO_VALIDATE_SIGNATURES: 'false', AZURE_FUNCTIONS_ENVIRONMENT: 'Development' }).validateSignatures).toBe(false);
    expect(() => parseSettings({ ...base, TWILIO_VALIDATE_SIGNATURES: 'false' })).toThrow(/TWILIO_VALIDATE_SIGNATURES may be false only when AZURE_FUNCTIONS_ENVIRONMENT=Development/);
    expect(() => parseSettings({ ...base, TWILIO_VALIDATE_SIGNATURES: 'maybe' })).toThrow(/TWILIO_VALIDATE_SIGNATURES must be true or false/);
  });

  test('invalid values are rejected with the setting name', () => {
    expect(() => parseSettings({ ...base, OUTBOUND_QUEUE: 'Bad_Queue' })).toThrow(/OUTBOUND_QUEUE is not a valid storage queue name/);
    expect(() => parseSettings({ ...base, OUTBOUND_LEDGER: '1table' })).toThrow(/OUTBOUND_LEDGER is not a valid table name/);
    expect(() => parseSettings({ ...base, WEBHOOK_BASE_URL: 'calls.example.com' })).toThrow(/WEBHOOK_BASE_URL is not a valid absolute URL/);
    expect(() => parseSettings({ ...base, SECRETS_CACHE_TTL_SECONDS: '-5' })).toThrow(/SECRETS_CACHE_TTL_SECONDS must be a positive whole number/);
  });

  test('an unresolved Key Vault reference is reported as such, without echoing it', () => {
    const reference = '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/twilio-auth-token/)';
    expect(() => parseSettings({ ...base, TWILIO_AUTH_TOKEN: reference })).toThrow(/TWILIO_AUTH_TOKEN is an unresolved Key Vault reference/);
  });

  test('WEBHOOK_BASE_URL loses its trailing slash', () => {
    expect(parseSettings({ ...base, WEBHOOK_BASE_URL: 'https://calls.example.com/' }).webhookBaseUrl).toBe('https://calls.example.com');
  });

  test('the outbound send lease is 300 s unless set, and must be a positive whole number', () => {
    expect(parseSettings(base).outboundSendLeaseMs).toBe(300_000);
    expect(parseSettings({ ...base, OUTBOUND_SEND_LEASE_SECONDS: '20' }).outboundSendLeaseMs).toBe(20_000);
    expect(() => parseSettings({ ...base, OUTBOUND_SEND_LEASE_SECONDS: '0' })).toThrow(/OUTBOUND_SEND_LEASE_SECONDS must be a positive whole number/);
  });

  test('every declared setting is documented', () => {
    for (const [name, spec] of Object.entries(SETTINGS)) expect([name, spec.description.length > 10]).toEqual([name, true]);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSettings, SETTINGS, SettingsError } from '../../../shared/platform/settings';

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
    expect(s.storage).toEqual({
      kind: 'identity',
      queueServiceUri: 'https://acct.queue.core.windows.net',
      tableServiceUri: 'https://acct.table.core.windows.net',
      blobServiceUri: 'https://acct.blob.core.windows.net',
    });
  });

  test('signature checks can be turned off only in Development', () => {
    expect(
      parseSettings({ ...base, TWILIO_VALIDATE_SIGNATURES: 'false', AZURE_FUNCTIONS_ENVIRONMENT: 'Development' }).validateSignatures,
    ).toBe(false);
    expect(() => parseSettings({ ...base, TWILIO_VALIDATE_SIGNATURES: 'false' })).toThrow(
      /TWILIO_VALIDATE_SIGNATURES may be false only when AZURE_FUNCTIONS_ENVIRONMENT=Development/,
    );
    expect(() => parseSettings({ ...base, TWILIO_VALIDATE_SIGNATURES: 'maybe' })).toThrow(
      /TWILIO_VALIDATE_SIGNATURES must be true or false/,
    );
  });

  test('invalid values are rejected with the setting name', () => {
    expect(() => parseSettings({ ...base, OUTBOUND_QUEUE: 'Bad_Queue' })).toThrow(/OUTBOUND_QUEUE is not a valid storage queue name/);
    expect(() => parseSettings({ ...base, OUTBOUND_LEDGER: '1table' })).toThrow(/OUTBOUND_LEDGER is not a valid table name/);
    expect(() => parseSettings({ ...base, WEBHOOK_BASE_URL: 'calls.example.com' })).toThrow(/WEBHOOK_BASE_URL is not a valid absolute URL/);
    expect(() => parseSettings({ ...base, SECRETS_CACHE_TTL_SECONDS: '-5' })).toThrow(
      /SECRETS_CACHE_TTL_SECONDS must be a positive whole number/,
    );
  });

  test('an unresolved Key Vault reference is reported as such, without echoing it', () => {
    const reference = '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/twilio-auth-token/)';
    expect(() => parseSettings({ ...base, TWILIO_AUTH_TOKEN: reference })).toThrow(
      /TWILIO_AUTH_TOKEN is an unresolved Key Vault reference/,
    );
  });

  test('WEBHOOK_BASE_URL loses its trailing slash', () => {
    expect(parseSettings({ ...base, WEBHOOK_BASE_URL: 'https://calls.example.com/' }).webhookBaseUrl).toBe('https://calls.example.com');
  });

  test('the outbound send lease is 300 s unless set, and must be a positive whole number', () => {
    expect(parseSettings(base).outboundSendLeaseMs).toBe(300_000);
    expect(parseSettings({ ...base, OUTBOUND_SEND_LEASE_SECONDS: '20' }).outboundSendLeaseMs).toBe(20_000);
    expect(() => parseSettings({ ...base, OUTBOUND_SEND_LEASE_SECONDS: '0' })).toThrow(
      /OUTBOUND_SEND_LEASE_SECONDS must be a positive whole number/,
    );
  });

  test('every declared setting is documented', () => {
    for (const [name, spec] of Object.entries(SETTINGS)) expect([name, spec.description.length > 10]).toEqual([name, true]);
  });

  describe('voice and SMS webhooks', () => {
    test('with nothing configured the voice webhook greets and SMS get no reply or relay', () => {
      const s = parseSettings(base);
      expect(s.voice).toEqual({
        greeting: 'Thank you for calling.',
        mode: 'message',
        forwardTo: undefined,
        menuOptions: undefined,
        voicemailNotify: undefined,
        clientIdentities: [],
      });
      expect(s.sms).toEqual({ autoReply: undefined, forwardTo: undefined });
    });

    test('a full voice and SMS configuration is read', () => {
      const s = parseSettings({
        ...base,
        VOICE_GREETING: 'https://example.com/hello.mp3',
        VOICE_MODE: 'Menu',
        VOICE_FORWARD_TO: '+14155550100',
        VOICE_MENU_OPTIONS: '{"1":"+14155550101","22":"https://example.com/twiml"}',
        VOICEMAIL_NOTIFY: '+14155550102',
        SMS_AUTO_REPLY: 'Thanks {from}',
        SMS_FORWARD_TO: '+14155550103',
      });
      expect(s.voice).toEqual({
        greeting: 'https://example.com/hello.mp3',
        mode: 'menu',
        forwardTo: '+14155550100',
        menuOptions: { '1': '+14155550101', '22': 'https://example.com/twiml' },
        voicemailNotify: '+14155550102',
        clientIdentities: [],
      });
      expect(s.sms).toEqual({ autoReply: 'Thanks {from}', forwardTo: '+14155550103' });
    });

    test('a mode that needs a setting fails fast naming the missing setting', () => {
      expect(() => parseSettings({ ...base, VOICE_MODE: 'forward' })).toThrow(
        'Setting VOICE_FORWARD_TO is missing: VOICE_MODE=forward needs it',
      );
      expect(() => parseSettings({ ...base, VOICE_MODE: 'menu' })).toThrow(
        'Setting VOICE_MENU_OPTIONS is missing: VOICE_MODE=menu needs it',
      );
      expect(() => parseSettings({ ...base, VOICE_MODE: 'voicemail' })).toThrow(
        'Setting VOICEMAIL_NOTIFY is missing: VOICE_MODE=voicemail needs it',
      );
    });

    test('malformed voice and SMS settings are rejected with the setting name', () => {
      expect(() => parseSettings({ ...base, VOICE_MODE: 'queue' })).toThrow(/VOICE_MODE must be one of message, forward, voicemail, menu/);
      expect(() => parseSettings({ ...base, VOICE_FORWARD_TO: '415-555-0100' })).toThrow(/VOICE_FORWARD_TO must be an E.164 phone number/);
      expect(() => parseSettings({ ...base, SMS_FORWARD_TO: '0044 20 7946 0000' })).toThrow(/SMS_FORWARD_TO must be an E.164 phone number/);
      expect(() => parseSettings({ ...base, VOICEMAIL_NOTIFY: 'me@example.com' })).toThrow(
        /VOICEMAIL_NOTIFY must be an E.164 phone number/,
      );
      expect(() => parseSettings({ ...base, VOICE_MENU_OPTIONS: '{1:"x"}' })).toThrow(/VOICE_MENU_OPTIONS is not valid JSON/);
      expect(() => parseSettings({ ...base, VOICE_MENU_OPTIONS: '["+14155550100"]' })).toThrow(/VOICE_MENU_OPTIONS must be a JSON object/);
      expect(() => parseSettings({ ...base, VOICE_MENU_OPTIONS: '{}' })).toThrow(/VOICE_MENU_OPTIONS has no options/);
      expect(() => parseSettings({ ...base, VOICE_MENU_OPTIONS: '{"a":"+14155550100"}' })).toThrow(/VOICE_MENU_OPTIONS has key "a"/);
      expect(() => parseSettings({ ...base, VOICE_MENU_OPTIONS: '{"1":"sales"}' })).toThrow(
        /VOICE_MENU_OPTIONS option 1 must be an E.164 number or an http\(s\) URL/,
      );
    });
  });
});

describe('event settings', () => {
  test('events go to the twilio-events queue by default, and an empty EVENTS_QUEUE turns them off', () => {
    expect(parseSettings(base).events).toEqual({
      queue: 'twilio-events',
      gridTopicEndpoint: undefined,
      source: 'urn:twilio-azure-functions',
    });
    expect(parseSettings({ ...base, EVENTS_QUEUE: '' }).events.queue).toBeUndefined();
    expect(parseSettings({ ...base, EVENTS_QUEUE: '  ' }).events.queue).toBeUndefined();
  });

  test('the events source is WEBHOOK_BASE_URL when it is set', () => {
    expect(parseSettings({ ...base, WEBHOOK_BASE_URL: 'https://calls.example.com/' }).events.source).toBe('https://calls.example.com');
  });

  test('a malformed events queue name or a plain-http Event Grid endpoint stops the app, naming the setting', () => {
    expect(() => parseSettings({ ...base, EVENTS_QUEUE: 'Bad_Name' })).toThrow(/EVENTS_QUEUE is not a valid storage queue name/);
    expect(() => parseSettings({ ...base, EVENT_GRID_TOPIC_ENDPOINT: 'http://topic.example/api/events' })).toThrow(
      /EVENT_GRID_TOPIC_ENDPOINT must be an https URL/,
    );
  });

  test('a sent row is first re-checked after 900 s unless OUTBOUND_RECONCILE_AFTER_SECONDS says otherwise', () => {
    expect(parseSettings(base).outboundReconcileAfterMs).toBe(900_000);
    expect(parseSettings({ ...base, OUTBOUND_RECONCILE_AFTER_SECONDS: '60' }).outboundReconcileAfterMs).toBe(60_000);
    expect(() => parseSettings({ ...base, OUTBOUND_RECONCILE_AFTER_SECONDS: '0' })).toThrow(/OUTBOUND_RECONCILE_AFTER_SECONDS/);
  });
});

describe('settings documentation', () => {
  const root = join(__dirname, '..', '..', '..');

  test('every setting has a row in the README settings table', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const missing = Object.keys(SETTINGS).filter(
      (name) => !readme.includes(`| \`${name}\``) && !readme.includes(`\`${name}\` /`) && !readme.includes(`/ \`${name}\``),
    );
    expect(missing).toEqual([]);
  });

  test('every setting a developer may set is in local.settings.sample.json', () => {
    const sample = JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
    const setByHost = ['AZURE_FUNCTIONS_ENVIRONMENT', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'WEBSITE_AUTH_ENABLED'];
    expect(Object.keys(SETTINGS).filter((name) => !(name in sample.Values) && !setByHost.includes(name))).toEqual([]);
  });
});

describe('ledger retention settings', () => {
  const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
  test('default to 90 days at 03:30 UTC', () => {
    expect(parseSettings(base)).toMatchObject({ ledgerRetentionDays: 90, ledgerRetentionSchedule: '0 30 3 * * *' });
  });
  test('a schedule that is not six NCRONTAB fields stops the app, naming the setting and an example', () => {
    expect(() => parseSettings({ ...base, OUTBOUND_LEDGER_RETENTION_SCHEDULE: '30 3 * * *' })).toThrow(
      /OUTBOUND_LEDGER_RETENTION_SCHEDULE must be a six-field NCRONTAB expression such as "0 30 3 \* \* \*"/,
    );
    expect(() => parseSettings({ ...base, OUTBOUND_LEDGER_RETENTION_DAYS: '0' })).toThrow(
      /OUTBOUND_LEDGER_RETENTION_DAYS must be a positive whole number/,
    );
  });
});

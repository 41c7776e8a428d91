import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSettings, declareSettings, indexSettings } from '../../../shared/platform/declareSettings';
import { positiveInt, text } from '../../../shared/platform/settingParsers';
import { GROUPS, parseSettings, SETTINGS, SettingsError } from '../../../shared/platform/settings';

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

  test('the test-only queue hop is unset by default and stops the app outside Development', () => {
    expect(parseSettings(base).outboundTestQueueHopSeconds).toBeUndefined();
    expect(parseSettings({ ...base, OUTBOUND_TEST_QUEUE_HOP_SECONDS: '' }).outboundTestQueueHopSeconds).toBeUndefined();
    expect(
      parseSettings({ ...base, OUTBOUND_TEST_QUEUE_HOP_SECONDS: '3', AZURE_FUNCTIONS_ENVIRONMENT: 'Development' })
        .outboundTestQueueHopSeconds,
    ).toBe(3);
    expect(() => parseSettings({ ...base, OUTBOUND_TEST_QUEUE_HOP_SECONDS: '3' })).toThrow(
      /OUTBOUND_TEST_QUEUE_HOP_SECONDS may be set only when AZURE_FUNCTIONS_ENVIRONMENT=Development/,
    );
    expect(() => parseSettings({ ...base, OUTBOUND_TEST_QUEUE_HOP_SECONDS: '0', AZURE_FUNCTIONS_ENVIRONMENT: 'Development' })).toThrow(
      /OUTBOUND_TEST_QUEUE_HOP_SECONDS must be a positive whole number/,
    );
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
        assistantSpeech: { voice: undefined, language: 'en-US' },
        greeting: 'Thank you for calling.',
        mode: 'message',
        forwardTo: undefined,
        menuOptions: undefined,
        voicemailNotify: undefined,
        hours: undefined,
        closedMode: 'voicemail',
        closedGreeting: 'We are closed right now.',
        blocklist: [],
        rejectAnonymous: false,
        queue: { name: 'support', maxWaitSeconds: 300, holdMusic: undefined },
        clientIdentities: [],
      });
      expect(s.sms).toEqual({ autoReply: undefined, forwardTo: undefined, autoReplyLimit: 5, blocklist: [] });
      expect(s.allowedCountries).toBeUndefined();
      expect(s.autoReplyTable).toBe('autoreplies');
      expect(s.audioContainer).toBe('audio');
    });

    test('a full voice and SMS configuration is read', () => {
      const s = parseSettings({
        ...base,
        VOICE_GREETING: 'https://ivr.contoso.com/hello.mp3',
        VOICE_MODE: 'Menu',
        VOICE_FORWARD_TO: '+14155550100',
        VOICE_MENU_OPTIONS: '{"1":"+14155550101","22":"https://ivr.contoso.com/twiml"}',
        VOICEMAIL_NOTIFY: '+14155550102',
        SMS_AUTO_REPLY: 'Thanks {from}',
        SMS_FORWARD_TO: '+14155550103',
      });
      expect(s.voice).toMatchObject({
        greeting: 'https://ivr.contoso.com/hello.mp3',
        mode: 'menu',
        forwardTo: '+14155550100',
        menuOptions: { '1': { to: '+14155550101', keywords: [] }, '22': { to: 'https://ivr.contoso.com/twiml', keywords: [] } },
        voicemailNotify: '+14155550102',
        clientIdentities: [],
      });
      expect(s.sms).toEqual({ autoReply: 'Thanks {from}', forwardTo: '+14155550103', autoReplyLimit: 5, blocklist: [] });
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
      expect(() => parseSettings({ ...base, VOICE_MODE: 'hunt' })).toThrow(
        /VOICE_MODE must be one of message, forward, voicemail, menu, queue/,
      );
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

describe('call handling settings', () => {
  const settingsError = (env: Record<string, string>) => {
    try {
      parseSettings({ ...base, VOICEMAIL_NOTIFY: '+14155550102', ...env });
    } catch (error) {
      return error as SettingsError;
    }
    throw new Error('parsed without error');
  };

  test('business hours, zone and holidays are read into weekly minute ranges', () => {
    const { hours } = parseSettings({
      ...base,
      VOICEMAIL_NOTIFY: '+14155550102',
      VOICE_HOURS: 'Mon-Fri 09:00-12:00, 13:00-17:30; sat 10:00-14:00; Sun 22:00-02:00',
      VOICE_TIMEZONE: 'Europe/London',
      VOICE_HOLIDAYS: '2026-12-24, 12-25',
    }).voice;
    expect(hours!.timeZone).toBe('Europe/London');
    expect(hours!.week[1]).toEqual([
      [0, 120],
      [540, 720],
      [780, 1050],
    ]);
    expect(hours!.week[6]).toEqual([[600, 840]]);
    expect(hours!.week[0]).toEqual([[1320, 1440]]);
    expect([...hours!.holidays]).toEqual(['2026-12-24', '12-25']);
  });

  test.each([
    ['VOICE_HOURS', 'Mon-Fri 9-17', /VOICE_HOURS "9" is not a time HH:MM .*e\.g\. Mon-Fri 09:00-17:30; Sat 10:00-14:00/],
    ['VOICE_HOURS', 'Weekdays 09:00-17:00', /VOICE_HOURS "Weekdays" is not a day .*e\.g\. Mon-Fri 09:00-17:30/],
    ['VOICE_HOURS', 'Mon 09:00-09:00', /VOICE_HOURS "09:00-09:00" is empty, e\.g\./],
    ['VOICE_HOURS', 'Mon 09:00-25:00', /VOICE_HOURS "25:00" is not a time/],
    ['VOICE_HOURS', '09:00-17:00', /VOICE_HOURS "09:00-17:00" needs days/],
    ['VOICE_TIMEZONE', 'Mars/Olympus', /VOICE_TIMEZONE is not an IANA time zone .*"Mars\/Olympus", e\.g\. America\/New_York/],
    ['VOICE_HOLIDAYS', '2026-02-30', /VOICE_HOLIDAYS "2026-02-30" is not a date YYYY-MM-DD or MM-DD, e\.g\. 2026-12-25/],
    ['VOICE_HOLIDAYS', '25/12', /VOICE_HOLIDAYS "25\/12" is not a date/],
    ['VOICE_CLOSED_MODE', 'closed', /VOICE_CLOSED_MODE must be one of message, forward, voicemail, menu, queue/],
    ['VOICE_BLOCKLIST', '+14155550100, spam', /VOICE_BLOCKLIST has "spam", which is not a phone number, e\.g\. \+14155550100/],
    ['VOICE_REJECT_ANONYMOUS', 'sometimes', /VOICE_REJECT_ANONYMOUS must be true or false/],
    ['VOICE_QUEUE_MAX_WAIT', '5m', /VOICE_QUEUE_MAX_WAIT must be a positive whole number/],
    ['VOICE_QUEUE', 'q'.repeat(65), /VOICE_QUEUE is longer than Twilio's 64 characters/],
    ['VOICE_HOLD_MUSIC', 'audio:../secrets.txt', /VOICE_HOLD_MUSIC names no valid file in AUDIO_CONTAINER.*e\.g\. audio:hold-music\.mp3/],
    ['AUDIO_CONTAINER', 'Audio_Files', /AUDIO_CONTAINER is not a valid blob container name/],
    ['SMS_AUTO_REPLY_LIMIT', '0', /SMS_AUTO_REPLY_LIMIT must be a positive whole number/],
    ['AUTO_REPLY_TABLE', 'auto-replies', /AUTO_REPLY_TABLE is not a valid table name/],
    ['OUTBOUND_ALLOWED_COUNTRIES', '1,4', /OUTBOUND_ALLOWED_COUNTRIES has "4", which is no country calling code, e\.g\. 1,44/],
    ['OUTBOUND_ALLOWED_COUNTRIES', 'US,GB', /OUTBOUND_ALLOWED_COUNTRIES has "US"/],
    ['VOICE_MENU_OPTIONS', '{"1":{"to":"+14155550100","keywords":"sales"}}', /VOICE_MENU_OPTIONS option 1 keywords must be a list/],
    ['VOICE_MENU_OPTIONS', '{"1":{"to":"+14155550100","say":"x"}}', /VOICE_MENU_OPTIONS option 1 has unknown field "say"/],
  ])('%s=%j stops the app, naming the setting with a valid example', (name, value, message) => {
    const error = settingsError({ [name]: value });
    expect(error).toBeInstanceOf(SettingsError);
    expect(error.setting).toBe(name);
    expect(error.message).toMatch(message);
  });

  test('the closed mode must be usable once there are hours: voicemail needs VOICEMAIL_NOTIFY', () => {
    expect(() => parseSettings({ ...base, VOICE_HOURS: 'Mon-Fri 09:00-17:00' })).toThrow(
      'Setting VOICEMAIL_NOTIFY is missing: VOICE_CLOSED_MODE=voicemail needs it',
    );
    expect(() => parseSettings({ ...base, VOICE_CLOSED_MODE: 'forward', VOICE_HOLIDAYS: '12-25' })).toThrow(
      'Setting VOICE_FORWARD_TO is missing: VOICE_CLOSED_MODE=forward needs it',
    );
    // Without hours the closed mode is never used, so it needs nothing.
    expect(parseSettings(base).voice.closedMode).toBe('voicemail');
  });

  test('menu options may carry keywords next to the old plain targets', () => {
    const { menuOptions } = parseSettings({
      ...base,
      VOICE_MENU_OPTIONS: '{"1":{"to":"+14155550100","keywords":["sales"," buy "]},"2":"https://ivr.contoso.com/hours"}',
    }).voice;
    expect(menuOptions).toEqual({
      '1': { to: '+14155550100', keywords: ['sales', 'buy'] },
      '2': { to: 'https://ivr.contoso.com/hours', keywords: [] },
    });
  });

  test('blocklist entries are kept as digits; allowed countries as calling codes', () => {
    const s = parseSettings({ ...base, VOICE_BLOCKLIST: '+1 (415) 555-0100; +447700900123', OUTBOUND_ALLOWED_COUNTRIES: '+1, 44 353' });
    expect(s.voice.blocklist).toEqual(['14155550100', '447700900123']);
    expect(s.sms.blocklist).toEqual(s.voice.blocklist);
    expect([...s.allowedCountries!]).toEqual(['1', '44', '353']);
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

describe('settings declarations', () => {
  const root = join(__dirname, '..', '..', '..');

  test('every description is short: one or two sentences, at most 140 characters', () => {
    const long = Object.entries(SETTINGS)
      .filter(([, spec]) => spec.description.length > 140)
      .map(([name, spec]) => `${name} (${spec.description.length})`);
    expect(long).toEqual([]);
  });

  test('every group says truly where it is declared, and every group declared in shared/ is composed', () => {
    for (const group of GROUPS) expect(readFileSync(join(root, group.declaredIn), 'utf8')).toContain(`'${group.declaredIn}'`);
    const declaring = (readdirSync(join(root, 'shared'), { recursive: true }) as string[])
      .map((path) => `shared/${path.split('\\').join('/')}`)
      .filter((path) => path.endsWith('.ts') && path !== 'shared/platform/declareSettings.ts')
      .filter((path) => readFileSync(join(root, path), 'utf8').includes('declareSettings('));
    expect(declaring.sort()).toEqual(GROUPS.map((group) => group.declaredIn).sort());
  });

  const group = (feature: string, name: string) =>
    declareSettings(feature, `shared/${feature}.ts`, { [name]: { description: 'x', deployed: false, parser: text } }, (values) => ({
      [feature]: values[name],
    }));

  test('a name declared by two groups, or two groups setting the same property, is refused at load', () => {
    expect(() => indexSettings([group('a', 'X'), group('b', 'X')])).toThrow('setting X is declared by both a and b');
    const twice = declareSettings('c', 'shared/c.ts', { Y: { description: 'y', deployed: false, parser: text } }, (values) => ({
      a: values.Y,
    }));
    expect(() => composeSettings([group('a', 'X'), twice], { X: '1', Y: '2' })).toThrow('two settings groups set settings().a');
  });

  test('groups merge into one object, each group built once even when another asks for it', () => {
    let builds = 0;
    const inner = declareSettings(
      'inner',
      'shared/inner.ts',
      { N: { description: 'n', default: '1', deployed: false, parser: positiveInt } },
      (v) => {
        builds += 1;
        return { voice: { n: v.N } };
      },
    );
    const outer = declareSettings(
      'outer',
      'shared/outer.ts',
      { M: { description: 'm', default: '2', deployed: false, parser: positiveInt } },
      (v, { of }) => ({
        voice: { total: v.M + of(inner).voice.n },
      }),
    );
    expect(composeSettings([outer, inner], { N: '3' })).toEqual({ voice: { total: 5, n: 3 } });
    expect(builds).toBe(1);
  });

  test('a development-only setting stops the app elsewhere, naming it, before its value is parsed', () => {
    const devOnly = declareSettings(
      'd',
      'shared/d.ts',
      { D: { description: 'd', deployed: false, developmentOnly: true, parser: positiveInt } },
      (v) => ({
        d: v.D,
      }),
    );
    expect(() => composeSettings([devOnly], { D: 'x' })).toThrow('Setting D may be set only when AZURE_FUNCTIONS_ENVIRONMENT=Development');
    expect(() => composeSettings([devOnly], { D: 'x', AZURE_FUNCTIONS_ENVIRONMENT: 'Development' })).toThrow(
      'Setting D must be a positive whole number',
    );
    expect(composeSettings([devOnly], { D: ' ' })).toEqual({ d: undefined });
  });
});

describe('placeholders copied from the docs', () => {
  test.each([
    ['VOICE_MENU_OPTIONS', '{"1":"https://<app>/api/queue?Name=support"}', /VOICE_MENU_OPTIONS option 1 holds the placeholder "<app>"/],
    [
      'VOICE_MENU_OPTIONS',
      '{"1":"https://example.com/twiml"}',
      /VOICE_MENU_OPTIONS option 1 points at example\.com, a documentation placeholder/,
    ],
    ['VOICE_GREETING', 'https://www.example.org/hello.mp3', /VOICE_GREETING points at www\.example\.org/],
    ['VOICE_HOLD_MUSIC', 'https://<storage>.blob.core.windows.net/music.mp3', /VOICE_HOLD_MUSIC holds the placeholder "<storage>"/],
    ['WEBHOOK_BASE_URL', 'https://<app>.azurewebsites.net', /WEBHOOK_BASE_URL holds the placeholder "<app>"/],
    ['WEBHOOK_BASE_URL', 'https://func-....azurewebsites.net', /WEBHOOK_BASE_URL holds the placeholder "..."/],
    ['KEY_VAULT_URL', 'https://example.net', /KEY_VAULT_URL points at example\.net/],
    [
      'EVENT_GRID_TOPIC_ENDPOINT',
      'https://<topic>.westeurope-1.eventgrid.azure.net/api/events',
      /EVENT_GRID_TOPIC_ENDPOINT holds the placeholder "<topic>"/,
    ],
    ['TWILIO_FALLBACK_URL', 'https://fallback.example.com/sorry', /TWILIO_FALLBACK_URL points at fallback\.example\.com/],
    ['VOICE_FORWARD_TO', '+1415555XXXX', /VOICE_FORWARD_TO holds the placeholder "XXXX"/],
    ['VOICEMAIL_NOTIFY', '<your number>', /VOICEMAIL_NOTIFY holds the placeholder "<your number>"/],
    ['TWILIO_FROM_NUMBER', '+1...', /TWILIO_FROM_NUMBER holds the placeholder "..."/],
    ['TWILIO_MESSAGING_SERVICE_SID', 'MGXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', /TWILIO_MESSAGING_SERVICE_SID holds the placeholder "XXXX"/],
    ['TWILIO_PHONE_NUMBERS', '+14155550100, <number>', /TWILIO_PHONE_NUMBERS holds the placeholder "<number>"/],
  ])('%s=%j stops the app, naming the setting', (name, value, message) => {
    expect(() => parseSettings({ ...base, VOICEMAIL_NOTIFY: '+14155550102', [name]: value })).toThrow(message);
  });

  test('real values, the local defaults and spoken text pass', () => {
    const s = parseSettings({
      ...base,
      WEBHOOK_BASE_URL: 'https://calls.example.com',
      TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
      KEY_VAULT_URL: 'https://kv-example.vault.azure.net/',
      TWILIO_FROM_NUMBER: '+15005550006',
      VOICE_GREETING: 'Thanks for calling... please hold.',
      VOICE_MENU_OPTIONS: '{"1":"+15551234567","2":"https://ivr.contoso.com/hours"}',
      VOICE_MODE: 'menu',
    });
    expect(s.webhookBaseUrl).toBe('https://calls.example.com');
    expect(s.voice.greeting).toBe('Thanks for calling... please hold.');
    expect(
      parseSettings({
        ...base,
        ...JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'local.settings.sample.json'), 'utf8')).Values,
      }).voice.mode,
    ).toBe('message');
  });
});

import {
  DEFAULT_FALLBACK_URL,
  desiredNumberWebhooks,
  isPlaceholderHost,
  numberSelector,
  numberWebhookChanges,
  signatureWouldPass,
} from '../../../shared/operations/numberConfig';
import { renderChecks } from '../../../shared/operations/doctorReport';

describe('where a Twilio number should point', () => {
  const desired = desiredNumberWebhooks('https://calls.example.com/');

  test('voice, SMS and status at the app, POST; the fallback static TwiML, GET', () => {
    expect(desired).toMatchObject({
      voiceUrl: 'https://calls.example.com/api/voice',
      smsUrl: 'https://calls.example.com/api/sms',
      statusCallback: 'https://calls.example.com/api/status',
      voiceMethod: 'POST',
      voiceFallbackUrl: DEFAULT_FALLBACK_URL,
      voiceFallbackMethod: 'GET',
    });
    expect(decodeURIComponent(DEFAULT_FALLBACK_URL)).toContain('<Response><Say>');
  });

  test('only the fields that differ change; methods compare case-insensitively', () => {
    expect(numberWebhookChanges({ ...desired, voiceMethod: 'post' }, desired)).toEqual([]);
    expect(numberWebhookChanges({ ...desired, smsUrl: 'https://demo.twilio.com/welcome/sms' }, desired)).toEqual([
      { field: 'smsUrl', from: 'https://demo.twilio.com/welcome/sms', to: 'https://calls.example.com/api/sms' },
    ]);
    expect(numberWebhookChanges({}, desired)).toHaveLength(10);
  });

  test('a URL passes the signature check only under exactly WEBHOOK_BASE_URL', () => {
    expect(signatureWouldPass('https://calls.example.com/api/voice', 'https://calls.example.com')).toBe(true);
    expect(signatureWouldPass('http://calls.example.com/api/voice', 'https://calls.example.com')).toBe(false);
    expect(signatureWouldPass('https://calls.example.com:8443/api/voice', 'https://calls.example.com')).toBe(false);
    expect(signatureWouldPass('https://calls.example.com.evil.test/api/voice', 'https://calls.example.com')).toBe(false);
    expect(signatureWouldPass(undefined, 'https://calls.example.com')).toBe(false);
  });

  test('numbers are named by E.164 or by SID', () => {
    expect(numberSelector('+14155550100')).toEqual({ phoneNumber: '+14155550100' });
    expect(numberSelector('PN0123456789abcdef0123456789abcdef')).toEqual({ sid: 'PN0123456789abcdef0123456789abcdef' });
  });
});

describe("doctor's table", () => {
  test('one row per check, columns aligned, long details wrapped', () => {
    const text = renderChecks(
      [
        { check: 'settings', result: 'ok', detail: 'every setting parses' },
        { check: 'queue q', result: 'FAIL', detail: 'a '.repeat(40).trim(), fix: 'start it' },
      ],
      20,
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^check\s+result\s+detail\s+how to fix$/);
    expect(lines[2]).toMatch(/^settings\s+ok\s+every setting parses$/);
    expect(lines[3]).toMatch(/^queue q\s+FAIL\s+a a a .*start it$/);
    expect(lines.length).toBeGreaterThan(5);
  });
});

test('documentation and test domains are placeholders Twilio cannot reach; real, loopback and tunnel hosts are not', () => {
  const placeholders = [
    'https://example.com',
    'https://calls.example.com/',
    'https://CALLS.EXAMPLE.ORG',
    'https://calls.example.net.',
    'https://calls.example.test',
    'https://app.example',
    'https://x.invalid/api',
  ];
  const reachable = [
    'https://func-abc.azurewebsites.net',
    'https://calls.contoso.com',
    'https://example.com.contoso.net',
    'https://notexample.com',
    'http://localhost:7071',
    'http://127.0.0.1:7071',
    'https://abc.ngrok.app',
    'not a url',
  ];
  expect(placeholders.filter((url) => !isPlaceholderHost(url))).toEqual([]);
  expect(reachable.filter(isPlaceholderHost)).toEqual([]);
});

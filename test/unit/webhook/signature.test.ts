import { getExpectedBodyHash, getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { readSignedBody, signatureMatches, signedUrl, verifySignature, type SignedRequest } from '../../../shared/webhook/signature';
import { formBody, sign } from '../../../harness/twilioRequests';

const TOKEN = '12345';
const DOC_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const docParams = (caller: string) => ({ CallSid: 'CA1234567890ABCDE', Caller: caller, Digits: '1234', From: caller, To: '+18005551212' });

/** The request as the shell sees it: the URL and the raw form body, parsed the way the shell parses it. */
function request(url: string, body: string, signature: string): SignedRequest {
  return { url, signature, body: readSignedBody(new URL(url), body) };
}

describe("Twilio's documented test vectors", () => {
  test('the twilio-node spec vector validates', () => {
    expect(signatureMatches(TOKEN, request(DOC_URL, formBody(docParams('+14158675309')), 'RSOYDt4T1cUTdK1PDd93/VVr8B8='))).toBe(true);
  });

  test('the Twilio docs vector validates', () => {
    expect(signatureMatches(TOKEN, request(DOC_URL, formBody(docParams('+12349013030')), '0/KCTR6DLpKmkAf8muzZqo1nDgQ='))).toBe(true);
  });

  test('a changed parameter, URL or token does not validate', () => {
    const body = formBody(docParams('+14158675309'));
    expect(signatureMatches(TOKEN, request(DOC_URL, body.replace('Digits=1234', 'Digits=1235'), 'RSOYDt4T1cUTdK1PDd93/VVr8B8='))).toBe(
      false,
    );
    expect(signatureMatches(TOKEN, request(DOC_URL.replace('foo=1', 'foo=2'), body, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='))).toBe(false);
    expect(signatureMatches('54321', request(DOC_URL, body, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='))).toBe(false);
    expect(signatureMatches(TOKEN, request(DOC_URL, body, ''))).toBe(false);
  });
});

describe('what is signed', () => {
  test("the test and benchmark requests are signed exactly as twilio's SDK signs them", () => {
    const url = 'https://calls.example.com/api/simulring?Timeout=20';
    const params = { PhoneNumbers: ['+14155550101', '+14155550100', '+14155550101'], Body: 'héllo & ünïcode ✓', From: '+14155550111' };
    expect(sign(TOKEN, url, params)).toBe(getExpectedTwilioSignature(TOKEN, url, params));
    expect(sign(TOKEN, url)).toBe(getExpectedTwilioSignature(TOKEN, url, {}));
  });

  test('every value of a repeated key is covered, so repeated keys must be kept', () => {
    const url = 'https://calls.example.com/api/simulring';
    const body = 'PhoneNumbers=%2B14155550100&PhoneNumbers=%2B14155550101&From=%2B14155550111';
    const signature = sign(TOKEN, url, { PhoneNumbers: ['+14155550100', '+14155550101'], From: '+14155550111' });
    expect(signatureMatches(TOKEN, request(url, body, signature))).toBe(true);
    // What Object.fromEntries(new URLSearchParams(body)) would have kept: the last value only.
    expect(signatureMatches(TOKEN, { url, signature, body: { kind: 'form', params: Object.fromEntries(new URLSearchParams(body)) } })).toBe(
      false,
    );
  });

  test('an Azure function key in the query is part of the signed URL', () => {
    const url = 'https://app.azurewebsites.net/api/voice?code=abc123%3D%3D';
    const signature = sign(TOKEN, url, { From: '+14155550111' });
    expect(signatureMatches(TOKEN, request(url, 'From=%2B14155550111', signature))).toBe(true);
    expect(signatureMatches(TOKEN, request('https://app.azurewebsites.net/api/voice', 'From=%2B14155550111', signature))).toBe(false);
  });

  test('a URL signed without the port validates when the host sees it with the port, and the other way round', () => {
    const withoutPort = sign(TOKEN, 'https://app.example.com/api/sms?x=1', {});
    expect(signatureMatches(TOKEN, request('https://app.example.com:443/api/sms?x=1', '', withoutPort))).toBe(true);
    const withPort = sign(TOKEN, 'https://app.example.com:443/api/sms?x=1', {});
    expect(signatureMatches(TOKEN, request('https://app.example.com/api/sms?x=1', '', withPort))).toBe(true);
    expect(signatureMatches(TOKEN, request('https://other.example.com/api/sms?x=1', '', withoutPort))).toBe(false);
  });

  test('a JSON body is checked through bodySHA256 in the URL, with no parameters in the signature', () => {
    const json = JSON.stringify({ event: 'com.twilio.messaging.message.delivered', data: { to: '+14155550111' } });
    const url = `https://calls.example.com/api/status?bodySHA256=${getExpectedBodyHash(json)}`;
    const signature = sign(TOKEN, url, {});
    expect(readSignedBody(new URL(url), json)).toEqual({ kind: 'hashed', text: json });
    expect(signatureMatches(TOKEN, request(url, json, signature))).toBe(true);
    expect(signatureMatches(TOKEN, request(url, json.replace('+14155550111', '+14155550199'), signature))).toBe(false);
  });
});

describe('which URL is checked', () => {
  test('the URL the host saw when WEBHOOK_BASE_URL is not set', () => {
    expect(signedUrl('https://app.azurewebsites.net/api/voice?code=k')).toBe('https://app.azurewebsites.net/api/voice?code=k');
  });

  test('behind a proxy, WEBHOOK_BASE_URL replaces scheme, host and port, and keeps path and query exactly', () => {
    const seenByHost = "http://10.0.0.4:8080/api/voice?code=k%3D%3D&Message=It's%20me";
    expect(signedUrl(seenByHost, 'https://calls.example.com')).toBe("https://calls.example.com/api/voice?code=k%3D%3D&Message=It's%20me");
    expect(signedUrl('http://10.0.0.4/api/voice', 'https://gw.example.com/twilio/')).toBe('https://gw.example.com/twilio/api/voice');

    const configuredInTwilio = "https://calls.example.com/api/voice?code=k%3D%3D&Message=It's%20me";
    const signature = sign(TOKEN, configuredInTwilio, { From: '+14155550111' });
    expect(signatureMatches(TOKEN, request(signedUrl(seenByHost, 'https://calls.example.com'), 'From=%2B14155550111', signature))).toBe(
      true,
    );
    expect(signatureMatches(TOKEN, request(seenByHost, 'From=%2B14155550111', signature))).toBe(false);
  });
});

describe('auth token rotation', () => {
  const url = 'https://calls.example.com/api/voice';
  const ACCOUNT = 'AC00000000000000000000000000000000';
  const genuine = { From: '+14155550111', AccountSid: ACCOUNT };
  const signedWith = (token: string, params: Record<string, string> = genuine) =>
    request(url, new URLSearchParams(params).toString(), sign(token, url, params));

  function tokens(current: string | string[], refreshed: string | string[]) {
    const calls = { refreshed: 0 };
    const keys = (t: string | string[]) => ({ accountSid: ACCOUNT, authTokens: Array.isArray(t) ? t : [t] });
    return {
      calls,
      tokens: {
        current: async () => keys(current),
        refreshed: async () => {
          calls.refreshed++;
          return keys(refreshed);
        },
      },
    };
  }

  test('a signature made with the current token passes without reloading the token', async () => {
    const t = tokens('old', 'new');
    expect(await verifySignature(signedWith('old'), t.tokens)).toBe(true);
    expect(t.calls.refreshed).toBe(0);
  });

  test('a signature made with a rotated token passes after one reload', async () => {
    const t = tokens('old', 'new');
    expect(await verifySignature(signedWith('new'), t.tokens)).toBe(true);
    expect(t.calls.refreshed).toBe(1);
  });

  test('a forged signature naming the account fails after one reload', async () => {
    const t = tokens('old', 'new');
    expect(await verifySignature(signedWith('forged'), t.tokens)).toBe(false);
    expect(t.calls.refreshed).toBe(1);
  });

  test("a signature made with Twilio's secondary token passes without a reload", async () => {
    const t = tokens(['old', 'promoted'], ['old', 'promoted']);
    expect(await verifySignature(signedWith('promoted'), t.tokens)).toBe(true);
    expect(t.calls.refreshed).toBe(0);
  });

  test('a forged request that does not name this account fails without asking for a reload', async () => {
    const t = tokens('old', 'new');
    expect(
      await verifySignature(signedWith('forged', { From: '+14155550111', AccountSid: 'AC99999999999999999999999999999999' }), t.tokens),
    ).toBe(false);
    expect(await verifySignature(signedWith('forged', { From: '+14155550111' }), t.tokens)).toBe(false);
    expect(t.calls.refreshed).toBe(0);
  });

  test('a GET names its account in the query', async () => {
    const getUrl = `${url}?AccountSid=${ACCOUNT}&From=%2B14155550111`;
    const t = tokens('old', 'new');
    expect(await verifySignature(request(getUrl, '', sign('new', getUrl, {})), t.tokens)).toBe(true);
    expect(t.calls.refreshed).toBe(1);
  });
});

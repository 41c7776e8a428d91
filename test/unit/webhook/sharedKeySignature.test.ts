// Webhooks signed with a Webhooks SharedKey (X-Twilio-Webhooks-Signature-Settings): the algorithm the header names,
// the SharedKey secrets instead of the auth token, and a 403 with its own log line for each refusal.
import { HttpRequest, InvocationContext } from '@azure/functions';
import { getExpectedBodyHash, getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { resetSettingsForTests } from '../../../shared/platform/settings';
import { resetTwilioCredentialsForTests } from '../../../shared/platform/twilioCredentials';
import { checkSignature, readSignedBody, signingScheme, type SignedRequest, type SigningKeys } from '../../../shared/webhook/signature';
import { refusalReason, twimlWebhook } from '../../../shared/webhook/webhookHttp';
import { formBody, sign } from '../../../harness/twilioRequests';

const ACCOUNT = 'AC00000000000000000000000000000000';
const URL_CALLED = 'https://calls.example.com/api/voice';
const PARAMS = { AccountSid: ACCOUNT, CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+14155550111' };
const AUTH_TOKEN = 'auth-token-0001';
const SHARED_KEY = 'shared-key-secret-0001';
const NEXT_SHARED_KEY = 'shared-key-secret-0002';
const SETTINGS_256 = 'key=webhooks_sharedkey_01hxyz,algorithm=HMAC_SHA256';

function request(signature: string, signatureSettings?: string, params: Record<string, string> = PARAMS): SignedRequest {
  return { url: URL_CALLED, signature, body: readSignedBody(new URL(URL_CALLED), formBody(params)), signatureSettings };
}

function keys(current: Partial<SigningKeys>, refreshed: Partial<SigningKeys> = current) {
  const calls = { current: 0, refreshed: 0 };
  const full = (k: Partial<SigningKeys>): SigningKeys => ({ accountSid: ACCOUNT, authTokens: [AUTH_TOKEN], sharedKeys: [], ...k });
  return {
    calls,
    tokens: {
      current: async () => (calls.current++, full(current)),
      refreshed: async () => (calls.refreshed++, full(refreshed)),
    },
  };
}

describe('the settings header', () => {
  test('names the SharedKey and the algorithm; no header or an empty one means the auth token', () => {
    expect(signingScheme(SETTINGS_256)).toEqual({ kind: 'sharedKey', algorithm: 'HMAC_SHA256', keyId: 'webhooks_sharedkey_01hxyz' });
    expect(signingScheme('algorithm=HMAC_SHA1')).toEqual({ kind: 'sharedKey', algorithm: 'HMAC_SHA1' });
    expect(signingScheme('key=webhooks_sharedkey_01hxyz')).toEqual({
      kind: 'sharedKey',
      algorithm: 'HMAC_SHA1',
      keyId: 'webhooks_sharedkey_01hxyz',
    });
    expect(signingScheme(undefined)).toEqual({ kind: 'authToken' });
    expect(signingScheme(' ')).toEqual({ kind: 'authToken' });
  });
});

describe('checking a SharedKey signature', () => {
  test("an HMAC-SHA256 made with the SharedKey passes, and matches twilio-node's own signature", async () => {
    const signature = sign(SHARED_KEY, URL_CALLED, PARAMS, 'sha256');
    expect(signature).toBe(getExpectedTwilioSignature(SHARED_KEY, URL_CALLED, PARAMS, 'HMAC_SHA256'));
    const t = keys({ sharedKeys: [SHARED_KEY] });
    expect(await checkSignature(request(signature, SETTINGS_256), t.tokens)).toMatchObject({ valid: true });
    expect(t.calls.refreshed).toBe(0);
  });

  test('the algorithm name is read as twilio-node reads it, case aside', async () => {
    const signature = sign(SHARED_KEY, URL_CALLED, PARAMS, 'sha256');
    const t = keys({ sharedKeys: [SHARED_KEY] });
    expect(await checkSignature(request(signature, 'key=k1, algorithm=hmac_sha256'), t.tokens)).toMatchObject({ valid: true });
  });

  test('an HMAC-SHA1 made with the SharedKey passes when the header says HMAC_SHA1', async () => {
    const t = keys({ sharedKeys: [SHARED_KEY] });
    const check = await checkSignature(request(sign(SHARED_KEY, URL_CALLED, PARAMS), 'key=k1,algorithm=HMAC_SHA1'), t.tokens);
    expect(check.valid).toBe(true);
  });

  test('a JSON body signed through bodySHA256 with the SharedKey passes; a changed body does not', async () => {
    const json = JSON.stringify([{ id: 'e1', data: { accountSid: ACCOUNT } }]);
    const url = `https://calls.example.com/api/event-streams?bodySHA256=${getExpectedBodyHash(json)}`;
    const signature = sign(SHARED_KEY, url, {}, 'sha256');
    const t = keys({ sharedKeys: [SHARED_KEY] });
    const json2 = json.replace('e1', 'e2');
    const signed = (text: string): SignedRequest => ({
      url,
      signature,
      body: readSignedBody(new URL(url), text),
      signatureSettings: SETTINGS_256,
    });
    expect((await checkSignature(signed(json), t.tokens)).valid).toBe(true);
    expect(await checkSignature(signed(json2), t.tokens)).toMatchObject({ valid: false, reason: 'mismatch' });
  });

  test('a SharedKey request is not checked against the auth token, nor an auth token request against the SharedKey', async () => {
    const t = keys({ sharedKeys: [SHARED_KEY] });
    const withToken = sign(AUTH_TOKEN, URL_CALLED, PARAMS, 'sha256');
    expect(await checkSignature(request(withToken, SETTINGS_256), t.tokens)).toMatchObject({ valid: false, reason: 'mismatch' });
    const withKey = sign(SHARED_KEY, URL_CALLED, PARAMS);
    expect(await checkSignature(request(withKey), t.tokens)).toMatchObject({ valid: false, reason: 'mismatch' });
    expect((await checkSignature(request(sign(AUTH_TOKEN, URL_CALLED, PARAMS)), t.tokens)).valid).toBe(true);
  });

  test('an HMAC-SHA1 signature under a header that says HMAC_SHA256 fails', async () => {
    const t = keys({ sharedKeys: [SHARED_KEY] });
    expect((await checkSignature(request(sign(SHARED_KEY, URL_CALLED, PARAMS), SETTINGS_256), t.tokens)).valid).toBe(false);
  });

  test('during a rotation the next SharedKey passes too, without a re-read', async () => {
    const t = keys({ sharedKeys: [SHARED_KEY, NEXT_SHARED_KEY] });
    expect((await checkSignature(request(sign(NEXT_SHARED_KEY, URL_CALLED, PARAMS, 'sha256'), SETTINGS_256), t.tokens)).valid).toBe(true);
    expect(t.calls.refreshed).toBe(0);
  });

  test('a SharedKey rotated in the vault passes after one re-read', async () => {
    const t = keys({ sharedKeys: [SHARED_KEY] }, { sharedKeys: [NEXT_SHARED_KEY] });
    expect((await checkSignature(request(sign(NEXT_SHARED_KEY, URL_CALLED, PARAMS, 'sha256'), SETTINGS_256), t.tokens)).valid).toBe(true);
    expect(t.calls.refreshed).toBe(1);
  });
});

describe('refusals', () => {
  test('an algorithm the app does not know is refused before any key is looked up', async () => {
    const t = keys({ sharedKeys: [SHARED_KEY] });
    const check = await checkSignature(request(sign(SHARED_KEY, URL_CALLED, PARAMS), 'key=k1,algorithm=HMAC_MD5'), t.tokens);
    expect(check).toEqual({ valid: false, reason: 'unknownAlgorithm', algorithm: 'HMAC_MD5' });
    expect(t.calls).toEqual({ current: 0, refreshed: 0 });
  });

  test('a SharedKey request when the app holds no SharedKey is refused as such, after one re-read', async () => {
    const t = keys({ sharedKeys: [] });
    const check = await checkSignature(request(sign(SHARED_KEY, URL_CALLED, PARAMS, 'sha256'), SETTINGS_256), t.tokens);
    expect(check).toEqual({ valid: false, reason: 'noSharedKey', keyId: 'webhooks_sharedkey_01hxyz' });
    expect(t.calls.refreshed).toBe(1);
  });

  test('one that does not name this account asks for no re-read', async () => {
    const t = keys({ sharedKeys: [] });
    const params = { ...PARAMS, AccountSid: 'AC99999999999999999999999999999999' };
    const check = await checkSignature(request(sign(SHARED_KEY, URL_CALLED, params, 'sha256'), SETTINGS_256, params), t.tokens);
    expect(check).toMatchObject({ valid: false, reason: 'noSharedKey' });
    expect(t.calls.refreshed).toBe(0);
  });

  test('the log reasons name what was claimed, never a secret; a hostile header value is not echoed', () => {
    const url = new URL(URL_CALLED);
    const body = readSignedBody(url, formBody(PARAMS));
    expect(refusalReason({ reason: 'unknownAlgorithm', algorithm: 'HMAC_MD5' }, url, body)).toBe(
      'X-Twilio-Webhooks-Signature-Settings names the algorithm HMAC_MD5, which this app does not check (it checks HMAC_SHA1 and HMAC_SHA256)',
    );
    expect(refusalReason({ reason: 'unknownAlgorithm', algorithm: 'x\n{"event":"forged"}' }, url, body)).toContain(
      'algorithm (unreadable)',
    );
    expect(refusalReason({ reason: 'noSharedKey', keyId: 'webhooks_sharedkey_01hxyz' }, url, body)).toMatch(
      /^signed with a Webhooks SharedKey \(webhooks_sharedkey_01hxyz\) but the app holds no shared key: set the Key Vault secret twilio-webhook-shared-key/,
    );
    expect(refusalReason({ reason: 'mismatch', scheme: signingScheme(SETTINGS_256) }, url, body)).toMatch(
      /^X-Twilio-Signature does not match https:\/\/calls.example.com\/api\/voice with the Webhooks SharedKey \(HMAC_SHA256\)\./,
    );
  });
});

describe('through the webhook shell', () => {
  const savedEnv = { ...process.env };
  const handler = twimlWebhook(() => '<Response/>');
  beforeEach(() => {
    process.env = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: AUTH_TOKEN };
    resetSettingsForTests();
    resetTwilioCredentialsForTests();
  });
  afterAll(() => {
    process.env = savedEnv;
    resetSettingsForTests();
    resetTwilioCredentialsForTests();
  });

  async function call(signature: string, settingsHeader?: string) {
    const warnings: string[] = [];
    const context = new InvocationContext({ logHandler: (level, ...args) => level === 'warning' && warnings.push(args.join(' ')) });
    const response = await handler(
      new HttpRequest({
        method: 'POST',
        url: URL_CALLED,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'X-Twilio-Signature': signature,
          ...(settingsHeader && { 'X-Twilio-Webhooks-Signature-Settings': settingsHeader }),
        },
        body: { string: formBody(PARAMS) },
      }),
      context,
    );
    return { status: response.status, warnings };
  }

  test('an unknown algorithm gets 403 and a log line that names it, even when the auth token signed it', async () => {
    const result = await call(sign(AUTH_TOKEN, URL_CALLED, PARAMS), 'key=k1,algorithm=HMAC_MD5');
    expect(result).toEqual({
      status: 403,
      warnings: [
        'Rejected POST /api/voice: X-Twilio-Webhooks-Signature-Settings names the algorithm HMAC_MD5, which this app does not check (it checks HMAC_SHA1 and HMAC_SHA256) (403).',
      ],
    });
  });

  test('a SharedKey the app does not have gets 403 and says which secret to set, with no secret in the line', async () => {
    const result = await call(sign(AUTH_TOKEN, URL_CALLED, PARAMS, 'sha256'), SETTINGS_256);
    expect(result.status).toBe(403);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('but the app holds no shared key: set the Key Vault secret twilio-webhook-shared-key');
    expect(result.warnings[0]).not.toContain(AUTH_TOKEN);
  });

  test('without the header the auth token still signs as before', async () => {
    expect((await call(sign(AUTH_TOKEN, URL_CALLED, PARAMS))).status).toBe(200);
  });
});

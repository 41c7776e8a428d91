// Browser calling through the local host: /api/token as App Service Authentication would reach it (principal
// headers, WEBSITE_AUTH_ENABLED=True, as the platform sets it) and as anyone could reach it with the
// platform's authentication off; the TwiML App webhook signed as Twilio signs it.
import jwt from 'jsonwebtoken';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { startHost, type RunningHost } from '../../harness/localHost';
import { ALICE, principalHeaders } from '../../harness/principal';
import { leakedSecrets, SENTINEL_CREDENTIALS } from '../../harness/secrets';
import { parseTwiml, verbs } from '../../harness/twiml';
import { twilioPost } from '../../harness/twilioRequests';

const APP_SID = 'AP0123456789abcdef0123456789abcdef';
const FROM = '+14155550006';
let azurite: RunningAzurite;
/** App Service Authentication on. */
let signedIn: RunningHost;
/** The platform's authentication off: the principal headers are whatever the caller wrote. */
let open: RunningHost;

beforeAll(async () => {
  azurite = await startAzurite();
  const common = {
    AzureWebJobsStorage: azurite.connectionString,
    ...SENTINEL_CREDENTIALS,
    TWILIO_TWIML_APP_SID: APP_SID,
    TWILIO_FROM_NUMBER: FROM,
    CLIENT_TOKEN_TTL_SECONDS: '600',
    CLIENT_TOKENS_PER_MINUTE: '3',
  };
  [signedIn, open] = await Promise.all([
    startHost({ ...common, OUTBOUND_QUEUE: 'calling-signed-in', WEBSITE_AUTH_ENABLED: 'True', CLIENT_DIAL_ALLOWED: '+44,US' }),
    startHost({ ...common, OUTBOUND_QUEUE: 'calling-open' }),
  ]);
});

afterAll(async () => {
  await Promise.all([signedIn?.stop(), open?.stop()]);
  await azurite?.stop();
});

const requestToken = (host: RunningHost, headers: Record<string, string> = {}) =>
  fetch(`${host.baseUrl}/api/token`, { method: 'POST', headers });

describe('POST /api/token', () => {
  test('issues the signed-in user a token that verifies with the API key secret and carries identity, grant and lifetime', async () => {
    const response = await requestToken(signedIn, principalHeaders());
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { token: string; identity: string; expiresAt: string };
    expect(body.identity).toBe(ALICE.objectId);
    const claims = jwt.verify(body.token, SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims.grants).toEqual({
      identity: ALICE.objectId,
      voice: { incoming: { allow: true }, outgoing: { application_sid: APP_SID } },
    });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(new Date(body.expiresAt).getTime()).toBe(claims.exp! * 1000);
    expect(claims.iss).toBe(SENTINEL_CREDENTIALS.TWILIO_API_KEY_SID);
  });

  test('refuses a request without a signed-in user (401), and a malformed principal (401)', async () => {
    expect((await requestToken(signedIn)).status).toBe(401);
    const forged = { ...principalHeaders(), 'X-MS-CLIENT-PRINCIPAL': Buffer.from('{"claims":"x"}').toString('base64') };
    const response = await requestToken(signedIn, forged);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/^The sign-in could not be read/) });
  });

  test('refuses forged principal headers when the platform authentication is off (403), and says why', async () => {
    const response = await requestToken(open, principalHeaders());
    expect(response.status).toBe(403);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toEqual({ error: expect.stringMatching(/App Service Authentication is off/) });
  });

  test('answers 429 with Retry-After once an identity asks more than CLIENT_TOKENS_PER_MINUTE', async () => {
    const bob = { objectId: '0b0b0b0b-1111-4222-8333-444455556666', name: 'bob@contoso.example' };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await requestToken(signedIn, principalHeaders(bob))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await requestToken(signedIn, principalHeaders(bob));
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  test('logs who got a token, never the token or a secret', () => {
    expect(signedIn.output()).toContain(`Issued a browser token to ${ALICE.objectId} for 600 s.`);
    expect(signedIn.output()).not.toContain('eyJ');
    expect(leakedSecrets(signedIn.output() + open.output())).toEqual([]);
  });
});

describe('POST /api/client-voice (the TwiML App)', () => {
  const call = async (params: Record<string, string>) => {
    const url = `${signedIn.baseUrl}/api/client-voice`;
    const response = await fetch(url, twilioPost(SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN, url, params));
    return { status: response.status, twiml: parseTwiml(await response.text()) };
  };
  const fromBrowser = {
    AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID,
    CallSid: 'CA' + '0'.repeat(32),
    From: `client:${ALICE.objectId}`,
  };

  test('dials an allowed number from TWILIO_FROM_NUMBER', async () => {
    const { status, twiml } = await call({ ...fromBrowser, To: '+442079460000' });
    expect(status).toBe(200);
    expect(twiml.children[0]).toMatchObject({
      name: 'Dial',
      attrs: { callerId: FROM },
      children: [{ name: 'Number', text: '+442079460000' }],
    });
  });

  test('refuses a number CLIENT_DIAL_ALLOWED does not allow, in words, and logs no number', async () => {
    const { twiml } = await call({ ...fromBrowser, To: '+33142685300' });
    expect(verbs(twiml)).toEqual(['Say: Sorry, calls to that destination are not allowed from this phone. Good bye.', 'Hangup']);
    expect(signedIn.output()).toContain('client-voice refused a browser call: not-allowed (region FR).');
    expect(signedIn.output()).not.toContain('33142685300');
  });

  test('rings another browser for To=client:<identity>', async () => {
    const { twiml } = await call({ ...fromBrowser, To: 'client:0b0b0b0b-1111-4222-8333-444455556666' });
    expect(twiml.children[0]).toMatchObject({ name: 'Dial', children: [{ name: 'Client', text: '0b0b0b0b-1111-4222-8333-444455556666' }] });
  });

  test('refuses a forged request (403): it is signature-checked like every webhook', async () => {
    const url = `${signedIn.baseUrl}/api/client-voice`;
    const response = await fetch(url, twilioPost('not-the-auth-token', url, { ...fromBrowser, To: '+442079460000' }));
    expect(response.status).toBe(403);
  });
});

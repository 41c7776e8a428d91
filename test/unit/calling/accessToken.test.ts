// The browser's Access Token: verifiable with the API key secret, carrying identity, Voice grant and lifetime.
import jwt from 'jsonwebtoken';
import { voiceToken } from '../../../shared/calling/accessToken';
import { TokenRateLimiter } from '../../../shared/calling/rateLimit';
import { parseSettings } from '../../../shared/platform/settings';
import { SENTINEL_CREDENTIALS } from '../../../harness/secrets';

const APP_SID = 'AP0123456789abcdef0123456789abcdef';
const issue = (ttlSeconds = 3600) =>
  voiceToken({
    accountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID,
    apiKeySid: SENTINEL_CREDENTIALS.TWILIO_API_KEY_SID,
    apiKeySecret: SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET,
    identity: 'alice',
    twimlAppSid: APP_SID,
    ttlSeconds,
  });

interface Claims {
  iss: string;
  sub: string;
  iat: number;
  exp: number;
  grants: { identity: string; voice: { incoming: { allow: boolean }; outgoing: { application_sid: string } } };
}

test('verifies with the API key secret (HS256) and with nothing else', () => {
  const { token } = issue();
  const { header } = jwt.decode(token, { complete: true })!;
  expect(header).toMatchObject({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' });
  expect(() => jwt.verify(token, SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET, { algorithms: ['HS256'] })).not.toThrow();
  expect(() => jwt.verify(token, SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN, { algorithms: ['HS256'] })).toThrow(/invalid signature/);
});

test('carries the identity, the Voice grant (outgoing through the TwiML App, incoming allowed) and the issuer', () => {
  const claims = jwt.verify(issue().token, SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET) as Claims;
  expect(claims.iss).toBe(SENTINEL_CREDENTIALS.TWILIO_API_KEY_SID);
  expect(claims.sub).toBe(SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID);
  expect(claims.grants).toEqual({ identity: 'alice', voice: { incoming: { allow: true }, outgoing: { application_sid: APP_SID } } });
});

test('lives exactly as long as asked, and expiresAt is its exp', () => {
  for (const ttl of [60, 3600, 86_400]) {
    const issued = issue(ttl);
    const claims = jwt.verify(issued.token, SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET) as Claims;
    expect(claims.exp - claims.iat).toBe(ttl);
    expect(issued.expiresAt.getTime()).toBe(claims.exp * 1000);
  }
});

test('never carries the API key secret or the auth token in its claims', () => {
  const [header, payload] = issue()
    .token.split('.')
    .slice(0, 2)
    .map((part) => Buffer.from(part, 'base64url').toString('utf8'));
  for (const secret of [SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET, SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN]) {
    expect(header).not.toContain(secret);
    expect(payload).not.toContain(secret);
  }
});

describe('CLIENT_TOKEN_TTL_SECONDS', () => {
  const calling = (env: Record<string, string>) => parseSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...env }).calling;

  test('defaults to an hour', () => {
    expect(calling({}).tokenTtlSeconds).toBe(3600);
  });

  test("refuses to start above Twilio's maximum of 24 hours", () => {
    expect(calling({ CLIENT_TOKEN_TTL_SECONDS: '86400' }).tokenTtlSeconds).toBe(86_400);
    expect(() => calling({ CLIENT_TOKEN_TTL_SECONDS: '86401' })).toThrow(/CLIENT_TOKEN_TTL_SECONDS must be at most 86400/);
  });

  test('CLIENT_DEV_IDENTITY is refused outside Development', () => {
    expect(() => calling({ CLIENT_DEV_IDENTITY: 'dev' })).toThrow(
      /CLIENT_DEV_IDENTITY may be set only when AZURE_FUNCTIONS_ENVIRONMENT=Development/,
    );
    expect(calling({ CLIENT_DEV_IDENTITY: 'dev', AZURE_FUNCTIONS_ENVIRONMENT: 'Development' }).devIdentity).toBe('dev');
  });

  test('WEBSITE_AUTH_ENABLED turns trust on only when it is True', () => {
    expect(calling({ WEBSITE_AUTH_ENABLED: 'True' }).platformAuthEnabled).toBe(true);
    expect(calling({ WEBSITE_AUTH_ENABLED: 'False' }).platformAuthEnabled).toBe(false);
    expect(calling({}).platformAuthEnabled).toBe(false);
  });
});

describe('token rate limit (per identity, per instance)', () => {
  test('allows the limit per minute, then answers with when to retry; other identities are unaffected', () => {
    let now = 1_000_000;
    const limiter = new TokenRateLimiter(3, () => now);
    expect([1, 2, 3].map(() => limiter.take('alice').allowed)).toEqual([true, true, true]);
    expect(limiter.take('alice')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(limiter.take('bob').allowed).toBe(true);
    now += 30_000;
    expect(limiter.take('alice')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    now += 30_001;
    expect(limiter.take('alice').allowed).toBe(true);
  });
});

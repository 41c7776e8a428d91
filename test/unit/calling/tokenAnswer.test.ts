// POST /api/token's answers: each refusal and the token, with the credentials and the clock in memory.
import { resetTokenLimiterForTests, tokenLimiter, TokenRateLimiter } from '../../../shared/calling/rateLimit';
import { answerToken, type TokenIo } from '../../../shared/calling/tokenAnswer';
import { recordingLog } from '../invocationLog';

const CREDENTIALS = { accountSid: `AC${'1'.repeat(32)}`, apiKeySid: `SK${'2'.repeat(32)}`, apiKeySecret: 'api-key-secret' };
const CALLING = { twimlAppSid: `AP${'3'.repeat(32)}`, tokensPerMinute: 2, tokenTtlSeconds: 600 };
const ALICE = { ok: true as const, identity: 'alice', name: 'Alice' };

function io(overrides: Partial<TokenIo> = {}): TokenIo {
  return { credentials: () => Promise.resolve(CREDENTIALS), limiter: new TokenRateLimiter(2, () => 1_000_000), ...overrides };
}

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;

test('a signed-in user: 200, a token for their identity and the TwiML App, not cached, one line', async () => {
  const log = recordingLog();
  const answer = await answerToken(io(), ALICE, CALLING, log);
  expect(answer.status).toBe(200);
  expect(answer.headers).toEqual({ 'Cache-Control': 'no-store' });
  const body = answer.jsonBody as { token: string; identity: string; name: string; expiresAt: string };
  expect(body).toMatchObject({ identity: 'alice', name: 'Alice' });
  expect(claims(body.token)).toMatchObject({
    iss: CREDENTIALS.apiKeySid,
    sub: CREDENTIALS.accountSid,
    grants: { identity: 'alice', voice: { outgoing: { application_sid: CALLING.twimlAppSid }, incoming: { allow: true } } },
  });
  expect(Date.parse(body.expiresAt)).toBe((claims(body.token).exp as number) * 1000);
  expect(log.lines).toEqual([{ level: 'log', line: 'Issued a browser token to alice for 600 s.' }]);
  expect(JSON.stringify(log.lines)).not.toContain('api-key-secret');
});

test('refused by authentication: its status and reason, a warning with the problem, no credentials read', async () => {
  const log = recordingLog();
  let read = 0;
  const refused = { ok: false as const, status: 401 as const, reason: 'Sign in first.', problem: 'signed-out' as const };
  const answer = await answerToken(io({ credentials: () => (read++, Promise.resolve(CREDENTIALS)) }), refused, CALLING, log);
  expect(answer).toEqual({ status: 401, headers: { 'Cache-Control': 'no-store' }, jsonBody: { error: 'Sign in first.' } });
  expect(log.lines).toEqual([{ level: 'warn', line: 'Refused a browser token (401, signed-out).' }]);
  expect(read).toBe(0);
});

test('no TwiML App: 503 naming the setting', async () => {
  const answer = await answerToken(io(), ALICE, { ...CALLING, twimlAppSid: undefined }, recordingLog());
  expect(answer).toMatchObject({ status: 503, jsonBody: { error: 'Browser calling is not set up: TWILIO_TWIML_APP_SID is missing.' } });
});

test('more than the limit a minute: 429 with Retry-After, and a warning naming the identity', async () => {
  const shared = io();
  await answerToken(shared, ALICE, CALLING, recordingLog());
  await answerToken(shared, ALICE, CALLING, recordingLog());
  const log = recordingLog();
  const answer = await answerToken(shared, ALICE, CALLING, log);
  expect(answer).toEqual({
    status: 429,
    headers: { 'Cache-Control': 'no-store', 'Retry-After': '60' },
    jsonBody: { error: 'Too many token requests; try again shortly.' },
  });
  expect(log.lines).toEqual([{ level: 'warn', line: 'Refused a browser token for alice: more than 2 a minute (429).' }]);
  expect((await answerToken(shared, { ok: true, identity: 'bob' }, CALLING, recordingLog())).status).toBe(200);
});

test('credentials unreadable: 503, and an error naming the error kind only', async () => {
  const log = recordingLog();
  const failing = Object.assign(new Error('vault https://kv.vault.azure.net said no'), { name: 'RestError' });
  const answer = await answerToken(io({ credentials: () => Promise.reject(failing) }), ALICE, CALLING, log);
  expect(answer).toMatchObject({ status: 503, jsonBody: { error: 'The Twilio credentials cannot be read right now; try again shortly.' } });
  expect(log.lines).toEqual([{ level: 'error', line: 'Could not read the Twilio credentials for a browser token: RestError.' }]);
});

test.each([
  ['no API key SID', { apiKeySid: undefined }],
  ['no API key secret', { apiKeySecret: undefined }],
])('%s: 503 that says an API key is needed', async (_, missing) => {
  const answer = await answerToken(
    io({ credentials: () => Promise.resolve({ ...CREDENTIALS, ...missing }) }),
    ALICE,
    CALLING,
    recordingLog(),
  );
  expect(answer).toMatchObject({
    status: 503,
    jsonBody: { error: 'Browser calling is not set up: it needs a Twilio API key (twilio-api-key-sid and twilio-api-key-secret).' },
  });
});

test("the instance's limiter is made once, with the first request's limit, until reset", () => {
  resetTokenLimiterForTests();
  const first = tokenLimiter(1);
  expect(tokenLimiter(5)).toBe(first);
  expect(first.take('alice').allowed).toBe(true);
  expect(first.take('alice').allowed).toBe(false);
  resetTokenLimiterForTests();
  expect(tokenLimiter(5)).not.toBe(first);
});

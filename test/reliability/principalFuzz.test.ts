// Property-based hostile input against POST /api/token in process (the exported handler, real @azure/functions
// HttpRequest objects): forged, malformed and oversized X-MS-CLIENT-PRINCIPAL* headers, claims of every shape,
// identities with characters Twilio forbids. With the platform's authentication off every request is refused;
// with it on, only a principal that holds together gets a token, and that token's identity is always valid.
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { resetTokenLimiterForTests, token } from '../../functions/token';
import { CLIENT_IDENTITY } from '../../shared/calling/identity';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { resetTwilioCredentialsForTests } from '../../shared/platform/twilioCredentials';
import { ALICE, forbiddenInIdentity, hostilePrincipalHeaders, principalHeaders } from '../../harness/principal';
import { leakedSecrets, SENTINEL_CREDENTIALS } from '../../harness/secrets';

const RUNS = Number(process.env.FUZZ_RUNS) || 100;
const APP_SID = 'AP0123456789abcdef0123456789abcdef';
const savedEnv = { ...process.env };

function configure(env: Record<string, string>): void {
  process.env = {
    ...savedEnv,
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    ...SENTINEL_CREDENTIALS,
    TWILIO_TWIML_APP_SID: APP_SID,
    CLIENT_TOKENS_PER_MINUTE: '1000000',
    ...env,
  };
  resetSettingsForTests();
  resetTwilioCredentialsForTests();
  resetTokenLimiterForTests();
}

afterAll(() => {
  process.env = { ...savedEnv };
  resetSettingsForTests();
  resetTwilioCredentialsForTests();
  resetTokenLimiterForTests();
});

interface Outcome {
  status: number;
  body: string;
  logs: string;
  thrown?: unknown;
}

async function requestToken(headers: Record<string, string>): Promise<Outcome> {
  const logs: string[] = [];
  const context = new InvocationContext({ functionName: 'token', logHandler: (level, ...args) => logs.push(`${level} ${args.join(' ')}`) });
  const request = new HttpRequest({ method: 'POST', url: 'https://calls.example.com/api/token', headers });
  try {
    const response = await token(request, context);
    return { status: response.status ?? 200, body: JSON.stringify(response.jsonBody ?? response.body ?? ''), logs: logs.join('\n') };
  } catch (thrown) {
    return { status: 500, body: '', logs: logs.join('\n'), thrown };
  }
}

function problem(outcome: Outcome): string | undefined {
  if (outcome.thrown) return `threw (the host answers 500): ${String(outcome.thrown)}`;
  const leaked = leakedSecrets(`${outcome.body}\n${outcome.logs}`);
  if (leaked.length) return `leaked ${leaked.join(', ')}`;
  return undefined;
}

describe('with App Service Authentication off', () => {
  beforeAll(() => configure({}));

  test('refuses every request (403), whatever principal headers it forges', async () => {
    await fc.assert(
      fc.asyncProperty(hostilePrincipalHeaders, async (headers) => {
        const outcome = await requestToken(headers);
        expect(problem(outcome)).toBeUndefined();
        expect(outcome.status).toBe(403);
        expect(outcome.body).not.toContain('token"');
        expect(outcome.logs).not.toContain('Issued a browser token');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('with App Service Authentication on', () => {
  beforeAll(() => configure({ WEBSITE_AUTH_ENABLED: 'True' }));

  test('answers 200 or a clean 401 to any principal headers, and a token only for a valid identity', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(hostilePrincipalHeaders, async (headers) => {
        const outcome = await requestToken(headers);
        expect(problem(outcome)).toBeUndefined();
        expect([200, 401]).toContain(outcome.status);
        statuses.add(outcome.status);
        if (outcome.status !== 200) {
          // Refused means no token: none in the answer, none issued in the log.
          expect(outcome.body).not.toContain('token"');
          expect(outcome.logs).not.toContain('Issued a browser token');
          return;
        }
        const body = JSON.parse(outcome.body) as { token: string; identity: string };
        expect(CLIENT_IDENTITY.test(body.identity)).toBe(true);
        expect(body.identity).toBe(headers['X-MS-CLIENT-PRINCIPAL-ID'].toLowerCase());
        const claims = jwt.verify(body.token, SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET) as { grants: { identity: string } };
        expect(claims.grants.identity).toBe(body.identity);
        const decoded = body.token
          .split('.')
          .slice(0, 2)
          .map((part) => Buffer.from(part, 'base64url').toString('utf8'))
          .join('\n');
        expect(leakedSecrets(decoded).filter((name) => name !== 'TWILIO_ACCOUNT_SID')).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    // Both ways were taken: the generators reach the token as well as the refusals.
    expect([...statuses].sort()).toEqual([200, 401]);
  });

  test('an identity with a character Twilio forbids is never issued', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uuid(), forbiddenInIdentity, async (id, bad) => {
        const forged = id.slice(0, 8) + bad + id.slice(8);
        const outcome = await requestToken({ ...principalHeaders({ ...ALICE, objectId: forged }) });
        expect(problem(outcome)).toBeUndefined();
        expect(outcome.status).toBe(401);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});

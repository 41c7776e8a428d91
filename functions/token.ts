import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { authenticate } from '../shared/calling/authenticate';
import { TokenRateLimiter } from '../shared/calling/rateLimit';
import { settings } from '../shared/platform/settings';
import { twilioCredentials } from '../shared/platform/twilioCredentials';
import { ROUTES } from '../shared/platform/routes';

let limiter: TokenRateLimiter | undefined;

function refuse(status: number, error: string, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { 'Cache-Control': 'no-store', ...headers }, jsonBody: { error } };
}

/**
 * POST /api/token: a Twilio Access Token for the signed-in user's browser phone, `{ token, identity, expiresAt }`.
 * Only App Service Authentication's user (or, in Development, CLIENT_DEV_IDENTITY) gets one; see authenticate.ts.
 */
export async function token(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { calling } = settings();
  const who = authenticate(request.headers, calling);
  if (!who.ok) {
    context.warn(`Refused a browser token (${who.status}, ${who.problem}).`);
    return refuse(who.status, who.reason);
  }
  if (!calling.twimlAppSid) return refuse(503, 'Browser calling is not set up: TWILIO_TWIML_APP_SID is missing.');
  limiter ??= new TokenRateLimiter(calling.tokensPerMinute);
  const rate = limiter.take(who.identity);
  if (!rate.allowed) {
    context.warn(`Refused a browser token for ${who.identity}: more than ${calling.tokensPerMinute} a minute (429).`);
    return refuse(429, 'Too many token requests; try again shortly.', { 'Retry-After': String(rate.retryAfterSeconds) });
  }
  let credentials;
  try {
    credentials = await twilioCredentials();
  } catch (error) {
    context.error(`Could not read the Twilio credentials for a browser token: ${(error as Error).name}.`);
    return refuse(503, 'The Twilio credentials cannot be read right now; try again shortly.');
  }
  if (!credentials.apiKeySid || !credentials.apiKeySecret)
    return refuse(503, 'Browser calling is not set up: it needs a Twilio API key (twilio-api-key-sid and twilio-api-key-secret).');
  const { voiceToken } = await import('../shared/calling/accessToken');
  const issued = voiceToken({
    accountSid: credentials.accountSid,
    apiKeySid: credentials.apiKeySid,
    apiKeySecret: credentials.apiKeySecret,
    identity: who.identity,
    twimlAppSid: calling.twimlAppSid,
    ttlSeconds: calling.tokenTtlSeconds,
  });
  context.log(`Issued a browser token to ${who.identity} for ${calling.tokenTtlSeconds} s.`);
  return {
    status: 200,
    headers: { 'Cache-Control': 'no-store' },
    jsonBody: { token: issued.token, identity: issued.identity, name: who.name, expiresAt: issued.expiresAt.toISOString() },
  };
}

/** Tests change CLIENT_TOKENS_PER_MINUTE between cases. */
export function resetTokenLimiterForTests(): void {
  limiter = undefined;
}

app.http('token', { methods: ['POST'], authLevel: 'anonymous', route: ROUTES.token, handler: token });

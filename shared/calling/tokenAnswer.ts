// POST /api/token: a Twilio Access Token for the signed-in user's browser phone, `{ token, identity, name, expiresAt }`,
// or the refusal. Pure: the Twilio credentials (Key Vault) come in as `io`, the log as `log`.
import type { HttpResponseInit } from '@azure/functions';
import type { CallingSettings } from '../platform/settings';
import type { TwilioCredentials } from '../platform/twilioCredentials';
import type { InvocationLog } from '../webhook/responses';
import { voiceToken } from './accessToken';
import type { Authentication } from './authenticate';
import type { RateDecision } from './rateLimit';

export interface TokenIo {
  credentials(): Promise<Pick<TwilioCredentials, 'accountSid' | 'apiKeySid' | 'apiKeySecret'>>;
  limiter: { take(identity: string): RateDecision };
}

function refuse(status: number, error: string, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { 'Cache-Control': 'no-store', ...headers }, jsonBody: { error } };
}

/**
 * Refuses whoever `authenticate` refused, a setup without a TwiML App or API key (503), more than
 * CLIENT_TOKENS_PER_MINUTE per identity (429) and unreadable credentials (503); else issues the token. One line
 * for each refusal and each token; the identity, never a secret.
 */
export async function answerToken(
  io: TokenIo,
  who: Authentication,
  calling: Pick<CallingSettings, 'twimlAppSid' | 'tokensPerMinute' | 'tokenTtlSeconds'>,
  log: InvocationLog,
): Promise<HttpResponseInit> {
  if (!who.ok) {
    log.warn(`Refused a browser token (${who.status}, ${who.problem}).`);
    return refuse(who.status, who.reason);
  }
  if (!calling.twimlAppSid) return refuse(503, 'Browser calling is not set up: TWILIO_TWIML_APP_SID is missing.');
  const rate = io.limiter.take(who.identity);
  if (!rate.allowed) {
    log.warn(`Refused a browser token for ${who.identity}: more than ${calling.tokensPerMinute} a minute (429).`);
    return refuse(429, 'Too many token requests; try again shortly.', { 'Retry-After': String(rate.retryAfterSeconds) });
  }
  let credentials;
  try {
    credentials = await io.credentials();
  } catch (error) {
    log.error(`Could not read the Twilio credentials for a browser token: ${(error as Error).name}.`);
    return refuse(503, 'The Twilio credentials cannot be read right now; try again shortly.');
  }
  if (!credentials.apiKeySid || !credentials.apiKeySecret)
    return refuse(503, 'Browser calling is not set up: it needs a Twilio API key (twilio-api-key-sid and twilio-api-key-secret).');
  const issued = voiceToken({
    accountSid: credentials.accountSid,
    apiKeySid: credentials.apiKeySid,
    apiKeySecret: credentials.apiKeySecret,
    identity: who.identity,
    twimlAppSid: calling.twimlAppSid,
    ttlSeconds: calling.tokenTtlSeconds,
  });
  log.log(`Issued a browser token to ${who.identity} for ${calling.tokenTtlSeconds} s.`);
  return {
    status: 200,
    headers: { 'Cache-Control': 'no-store' },
    jsonBody: { token: issued.token, identity: issued.identity, name: who.name, expiresAt: issued.expiresAt.toISOString() },
  };
}

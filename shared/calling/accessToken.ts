// The browser's Twilio Access Token: a JWT signed with an API key, carrying the identity and a Voice grant
// (outgoing calls through the TwiML App, incoming calls allowed). Built with twilio-node's own AccessToken.
// Pure: no I/O.
import AccessToken from 'twilio/lib/jwt/AccessToken';

export interface VoiceTokenInput {
  accountSid: string;
  apiKeySid: string;
  apiKeySecret: string;
  identity: string;
  twimlAppSid: string;
  ttlSeconds: number;
}

export interface VoiceToken {
  token: string;
  identity: string;
  /** When the token stops working (its exp claim). */
  expiresAt: Date;
}

export function voiceToken(input: VoiceTokenInput): VoiceToken {
  const accessToken = new AccessToken(input.accountSid, input.apiKeySid, input.apiKeySecret, {
    identity: input.identity,
    ttl: input.ttlSeconds,
  });
  accessToken.addGrant(new AccessToken.VoiceGrant({ outgoingApplicationSid: input.twimlAppSid, incomingAllow: true }));
  const token = accessToken.toJwt();
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp: number };
  return { token, identity: input.identity, expiresAt: new Date(payload.exp * 1000) };
}

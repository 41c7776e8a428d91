// X-Twilio-Signature: which URL Twilio signed, how the signed body is read, and whether a signature matches.
// No I/O: the auth tokens come in as functions, so the shell (shared/webhook/webhookHttp.ts) decides where they come from.
import { validateRequest, validateRequestWithBody } from 'twilio/lib/webhooks/webhooks';
import { paramsFromSearch, type WebhookParams } from './params';

/**
 * The URL Twilio signed. Behind a proxy, Front Door or a custom domain the host sees another scheme, host or
 * port, so WEBHOOK_BASE_URL (the base configured in Twilio) replaces everything before the path.
 */
export function signedUrl(requestUrl: string, webhookBaseUrl?: string): string {
  if (!webhookBaseUrl) return requestUrl;
  return webhookBaseUrl.replace(/\/+$/, '') + pathAndQuery(requestUrl);
}

/** Sliced rather than re-serialised through URL, so the query keeps the exact characters Twilio signed. */
function pathAndQuery(url: string): string {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url);
  const rest = (origin ? url.slice(origin[0].length) : url).replace(/#.*$/, '');
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * A webhook body as it was signed. Form bodies are signed through their parameters (repeated keys kept: the
 * signature covers every value). JSON bodies are signed through `bodySHA256=<hex sha256>` in the URL instead.
 */
export type SignedBody = { kind: 'form'; params: WebhookParams } | { kind: 'hashed'; text: string };

export function readSignedBody(url: URL, text: string): SignedBody {
  if (url.searchParams.has('bodySHA256')) return { kind: 'hashed', text };
  return { kind: 'form', params: paramsFromSearch(new URLSearchParams(text)) };
}

export interface SignedRequest {
  /** The X-Twilio-Signature header. */
  signature: string;
  /** The URL Twilio signed (see signedUrl). */
  url: string;
  body: SignedBody;
}

/** The SDK's check, which also tries the URL with and without the port and with legacy query encoding. */
export function signatureMatches(authToken: string, request: SignedRequest): boolean {
  const { signature, url, body } = request;
  return body.kind === 'hashed'
    ? validateRequestWithBody(authToken, signature, url, body.text)
    : validateRequest(authToken, signature, url, body.params);
}

export interface AuthTokens {
  current(): Promise<string>;
  /** The token after a reload from its source; called only when the current one does not match. */
  refreshed(): Promise<string>;
}

/**
 * Checks against the cached token, and once more against a freshly read one when that fails: after the auth
 * token is rotated, Twilio signs with the new token while this instance may still hold the old one.
 */
export async function verifySignature(request: SignedRequest, tokens: AuthTokens): Promise<boolean> {
  const current = await tokens.current();
  if (signatureMatches(current, request)) return true;
  const refreshed = await tokens.refreshed();
  return refreshed !== current && signatureMatches(refreshed, request);
}

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

/** What WHATWG URL serialisation percent-encodes in a query of an http(s) URL that Twilio may have sent raw. */
const QUERY_ESCAPES: Record<string, string> = { '%27': "'", '%22': '"', '%3C': '<', '%3E': '>' };
const QUERY_ESCAPE = /%(?:27|22|3C|3E)/gi;

/** Escapes tried each way; beyond this many, only "all as seen" and "all raw" (a forged request cannot buy 2^n HMACs). */
const MAX_AMBIGUOUS_ESCAPES = 4;

/**
 * The URLs Twilio may have signed for the URL the handler sees. @azure/functions hands over `new Request(url).url`,
 * which writes a raw `'` (and `"`, `<`, `>`) in the query as `%27`, while a `%27` Twilio sent stays `%27`: the two
 * cannot be told apart, so each such escape is tried both ways (up to MAX_AMBIGUOUS_ESCAPES of them). twilio-node's
 * own fallback re-encodes the whole query the legacy way, which also turns `@` and `:` into escapes, so it does not
 * cover a SIP caller's address next to a `'`.
 */
export function signedUrlCandidates(url: string): string[] {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return [url];
  const base = url.slice(0, queryStart);
  const query = url.slice(queryStart);
  const parts = query.split(QUERY_ESCAPE);
  const escapes = query.match(QUERY_ESCAPE) ?? [];
  if (!escapes.length) return [url];
  const join = (raw: (i: number) => boolean) =>
    base +
    parts.reduce(
      (acc, part, i) => acc + (i === 0 ? '' : raw(i - 1) ? QUERY_ESCAPES[escapes[i - 1].toUpperCase()] : escapes[i - 1]) + part,
      '',
    );
  if (escapes.length > MAX_AMBIGUOUS_ESCAPES) return [url, join(() => true)];
  const candidates: string[] = [];
  for (let mask = 0; mask < 1 << escapes.length; mask++) candidates.push(join((i) => (mask & (1 << i)) !== 0));
  return candidates;
}

/** The SDK's check, which also tries the URL with and without the port and with legacy query encoding. */
export function signatureMatches(authToken: string, request: SignedRequest): boolean {
  const { signature, body } = request;
  return signedUrlCandidates(request.url).some((url) =>
    body.kind === 'hashed'
      ? validateRequestWithBody(authToken, signature, url, body.text)
      : validateRequest(authToken, signature, url, body.params),
  );
}

/** What a signature may be checked with: the auth token, and Twilio's secondary token during a rotation. */
export interface SigningKeys {
  accountSid: string;
  authTokens: string[];
}

export interface AuthTokens {
  current(): Promise<SigningKeys>;
  /** The keys after a reload from their source; called only when the current ones do not match. */
  refreshed(): Promise<SigningKeys>;
}

/**
 * Whether the request says it is for this account. Every Twilio webhook carries AccountSid (in the form body, or
 * in the query of a GET); a JSON body is searched as text.
 */
export function namesAccount(request: SignedRequest, accountSid: string): boolean {
  const query = request.url.includes('?') ? new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1)) : undefined;
  if (query?.getAll('AccountSid').includes(accountSid)) return true;
  if (request.body.kind === 'hashed') return request.body.text.includes(accountSid);
  const value = request.body.params.AccountSid;
  return Array.isArray(value) ? value.includes(accountSid) : value === accountSid;
}

/**
 * Checks against the cached tokens (primary and secondary), and once more against freshly read ones when that
 * fails: after a rotation Twilio signs with the new token while this instance may still hold the old one. The
 * re-read is rate-limited (see twilioCredentials.ts), and only a request naming this account's SID may ask for
 * it, so forged traffic that does not know the SID can neither read the vault nor use up the re-read that the
 * first genuine request after a rotation needs.
 */
export async function verifySignature(request: SignedRequest, tokens: AuthTokens): Promise<boolean> {
  const current = await tokens.current();
  if (current.authTokens.some((token) => signatureMatches(token, request))) return true;
  if (!namesAccount(request, current.accountSid)) return false;
  const refreshed = await tokens.refreshed();
  return refreshed.authTokens.some((token) => !current.authTokens.includes(token) && signatureMatches(token, request));
}

// X-Twilio-Signature: which URL Twilio signed, how the signed body is read, and whether a signature matches.
// No I/O: the auth tokens come in as functions, so the shell (shared/webhook/webhookHttp.ts) decides where they come from.
import { getSignatureAlgorithm, HMAC_SHA1, HMAC_SHA256, validateRequest, validateRequestWithBody } from 'twilio/lib/webhooks/webhooks';
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
  /**
   * The X-Twilio-Webhooks-Signature-Settings header (`key=<SharedKey id>,algorithm=HMAC_SHA256`): Twilio adds it when
   * a Webhooks rule signs the request with a SharedKey instead of the auth token.
   */
  signatureSettings?: string | null;
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

/** The HMACs the app checks; twilio-node knows these two and refuses (with a console warning) any other. */
const KNOWN_ALGORITHMS: readonly string[] = [HMAC_SHA1, HMAC_SHA256];

/**
 * The SDK's check, which also tries the URL with and without the port and with legacy query encoding. `secret` is
 * the auth token, or a SharedKey's secret with the algorithm its settings header names.
 */
export function signatureMatches(secret: string, request: SignedRequest, algorithm: string = HMAC_SHA1): boolean {
  const { signature, body } = request;
  return signedUrlCandidates(request.url).some((url) =>
    body.kind === 'hashed'
      ? validateRequestWithBody(secret, signature, url, body.text, algorithm)
      : validateRequest(secret, signature, url, body.params, algorithm),
  );
}

/** How a request says it was signed: with the auth token (HMAC-SHA1), or with a Webhooks SharedKey. */
export type SigningScheme = { kind: 'authToken' } | { kind: 'sharedKey'; algorithm: string; keyId?: string };

/**
 * Reads X-Twilio-Webhooks-Signature-Settings. No header (or an empty one) means the auth token, as twilio-node's
 * webhook middleware reads it; a header without `algorithm=` means HMAC_SHA1 with the SharedKey.
 */
export function signingScheme(signatureSettings: string | null | undefined): SigningScheme {
  if (!signatureSettings?.trim()) return { kind: 'authToken' };
  const keyId = /(?:^|,)\s*key=([^,]*)/.exec(signatureSettings)?.[1]?.trim();
  return { kind: 'sharedKey', algorithm: getSignatureAlgorithm(signatureSettings), ...(keyId && { keyId }) };
}

export function knownAlgorithm(algorithm: string): boolean {
  return KNOWN_ALGORITHMS.includes(algorithm.toUpperCase());
}

/** A header value fit for a log line: the request chose it, so only a short run of plain characters is shown. */
export function loggableHeaderValue(value: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : '(unreadable)';
}

/**
 * What a signature may be checked with: the auth token and Twilio's secondary token during a rotation, and the
 * Webhooks SharedKey secrets (the current key, and the next one while a rotation is under way).
 */
export interface SigningKeys {
  accountSid: string;
  authTokens: string[];
  sharedKeys?: string[];
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
 * re-read is rate-limited (see twilioCredentials.ts) and only a request naming this account's SID may ask for it,
 * so forged traffic that does not know the SID reads nothing; forged traffic that names it (the SID is not secret)
 * costs at most one re-read per interval and cannot keep the first genuine request after a rotation from passing:
 * that request waits for a re-read started after it arrived.
 */
export async function verifySignature(request: SignedRequest, tokens: AuthTokens): Promise<boolean> {
  return (await checkSignature(request, tokens)).valid;
}

/** Why a signature was refused: each answers 403, and each has its own log line. */
export type SignatureRefusal =
  | { reason: 'mismatch'; scheme: SigningScheme }
  | { reason: 'unknownAlgorithm'; algorithm: string }
  | { reason: 'noSharedKey'; keyId?: string };

export type SignatureCheck = { valid: true; scheme: SigningScheme } | ({ valid: false } & SignatureRefusal);

/**
 * verifySignature with the reason for a refusal. A request whose settings header names an algorithm the app does
 * not check is refused before any HMAC is computed; one signed with a SharedKey is checked only against the
 * SharedKey secrets (the auth token does not sign it), and refused when the app has none, after one re-read
 * (rate-limited and only for a request naming this account, as for the auth token).
 */
export async function checkSignature(request: SignedRequest, tokens: AuthTokens): Promise<SignatureCheck> {
  const scheme = signingScheme(request.signatureSettings);
  if (scheme.kind === 'sharedKey' && !knownAlgorithm(scheme.algorithm)) {
    return { valid: false, reason: 'unknownAlgorithm', algorithm: scheme.algorithm };
  }
  const secretsOf = (keys: SigningKeys) => (scheme.kind === 'sharedKey' ? (keys.sharedKeys ?? []) : keys.authTokens);
  const algorithm = scheme.kind === 'sharedKey' ? scheme.algorithm : HMAC_SHA1;
  const current = await tokens.current();
  const held = secretsOf(current);
  if (held.some((secret) => signatureMatches(secret, request, algorithm))) return { valid: true, scheme };
  const refused = (anyKey: boolean): SignatureCheck =>
    scheme.kind === 'sharedKey' && !anyKey
      ? { valid: false, reason: 'noSharedKey', keyId: scheme.keyId }
      : { valid: false, reason: 'mismatch', scheme };
  if (!namesAccount(request, current.accountSid)) return refused(held.length > 0);
  const fresh = secretsOf(await tokens.refreshed()).filter((secret) => !held.includes(secret));
  if (fresh.some((secret) => signatureMatches(secret, request, algorithm))) return { valid: true, scheme };
  return refused(held.length + fresh.length > 0);
}

// The shell every Twilio webhook shares: check X-Twilio-Signature before anything else, read the body once,
// parse its parameters (repeated keys kept), then hand over to the function. TwiML webhooks answer text/xml.
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { mergeParams, paramsFromSearch, type WebhookParams } from './params';
import { refreshTwilioCredentials, twilioCredentials, TWILIO_SECRET_NAMES, type TwilioCredentials } from '../platform/twilioCredentials';
import { settings } from '../platform/settings';
import {
  checkSignature,
  loggableHeaderValue,
  readSignedBody,
  signedUrl,
  type SignatureRefusal,
  type SignedBody,
  type SigningKeys,
} from './signature';
import { TwimlInputError } from '../twiml/parts/errors';
import { textResponse, twimlResponse } from './responses';

export interface WebhookRequest {
  /** Query parameters, then form body parameters; a repeated key keeps every value. */
  params: WebhookParams;
  /** The URL Twilio called (WEBHOOK_BASE_URL-based when set), for building action URLs back to this app. */
  url: URL;
  /** The raw body, for webhooks with a JSON body (signed with bodySHA256). */
  body: string;
  context: InvocationContext;
}

export type TwimlBuilder = (request: WebhookRequest) => string | Promise<string>;
export type WebhookHandler = (request: WebhookRequest) => HttpResponseInit | Promise<HttpResponseInit>;

export { textResponse, twimlResponse } from './responses';

/** Method and path only: the query may hold a function key (`code=`) and callers' numbers. */
function describe(request: HttpRequest): string {
  return `${request.method} ${new URL(request.url).pathname}`;
}

/** Any Twilio webhook (TwiML or not, e.g. status callbacks): signature checked, parameters in, response out. */
export function twilioWebhook(handle: WebhookHandler): HttpHandler {
  return async (request, context) => {
    const { validateSignatures, webhookBaseUrl } = settings();
    const signature = request.headers.get('x-twilio-signature');
    if (validateSignatures && !signature) {
      context.warn(`Rejected ${describe(request)}: no X-Twilio-Signature header (400).`);
      return textResponse(400, 'Missing X-Twilio-Signature header.\n');
    }
    const url = signedUrl(request.url, webhookBaseUrl);
    const parsedUrl = new URL(url);
    const text = await request.text();
    const body = readSignedBody(parsedUrl, text);
    if (!validateSignatures) {
      context.warn(`TWILIO_VALIDATE_SIGNATURES=false: X-Twilio-Signature not checked for ${describe(request)} (Development only).`);
    } else {
      const check = await checkSignature(
        { signature: signature!, url, body, signatureSettings: request.headers.get('x-twilio-webhooks-signature-settings') },
        authTokens,
      );
      if (!check.valid) {
        context.warn(`Rejected ${describe(request)}: ${refusalReason(check, parsedUrl, body)} (403).`);
        return textResponse(403, 'Invalid X-Twilio-Signature.\n');
      }
    }
    // Twilio's own requests to a number's webhook carry no query: then the body's parameters are all there is.
    const params = parsedUrl.search ? mergeParams(paramsFromSearch(parsedUrl.searchParams), formParams(body)) : formParams(body);
    return handle({ params, url: parsedUrl, body: text, context });
  };
}

export function signingKeys(credentials: TwilioCredentials): SigningKeys {
  const { accountSid, authToken, secondaryAuthToken, webhookSharedKey, webhookSharedKeySecondary } = credentials;
  return {
    accountSid,
    authTokens: secondaryAuthToken ? [authToken, secondaryAuthToken] : [authToken],
    sharedKeys: [webhookSharedKey, webhookSharedKeySecondary].filter((key): key is string => Boolean(key)),
  };
}

/**
 * The log line's reason for a 403. It names the algorithm or SharedKey id the request claimed (plain characters
 * only), never a secret.
 */
export function refusalReason(refusal: SignatureRefusal, url: URL, body: SignedBody): string {
  switch (refusal.reason) {
    case 'unknownAlgorithm':
      return (
        `X-Twilio-Webhooks-Signature-Settings names the algorithm ${loggableHeaderValue(refusal.algorithm)}, ` +
        'which this app does not check (it checks HMAC_SHA1 and HMAC_SHA256)'
      );
    case 'noSharedKey':
      return (
        `signed with a Webhooks SharedKey${refusal.keyId ? ` (${loggableHeaderValue(refusal.keyId)})` : ''} but the app holds no shared key: ` +
        `set the Key Vault secret ${TWILIO_SECRET_NAMES.webhookSharedKey} (locally TWILIO_WEBHOOK_SHARED_KEY) to its secret`
      );
    case 'mismatch':
      return (
        `X-Twilio-Signature does not match ${url.origin}${url.pathname}` +
        (refusal.scheme.kind === 'sharedKey' ? ` with the Webhooks SharedKey (${refusal.scheme.algorithm.toUpperCase()})` : '') +
        `. ${signedContent(url, body)} ` +
        'If Twilio calls through a proxy or custom domain, set WEBHOOK_BASE_URL to the base URL configured in Twilio'
      );
  }
}

const authTokens = {
  current: async () => signingKeys(await twilioCredentials()),
  refreshed: async () => signingKeys(await refreshTwilioCredentials()),
};

/**
 * What the signature was checked over, for whoever signs by hand: a POST signed like a GET (URL only) is the usual
 * mistake. Parameter names only: the values hold phone numbers and message text.
 */
function signedContent(url: URL, body: SignedBody): string {
  const query = url.search ? ' with its query' : '';
  if (body.kind === 'hashed') return `Checked: the URL${query} (its bodySHA256 must be the body's SHA-256).`;
  const names = Object.keys(body.params).sort();
  if (!names.length) return `Checked: the URL${query}, no body parameters.`;
  const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, ... (${names.length})` : names.join(', ');
  return `Checked: the URL${query}, then each body parameter's name and value sorted by name: ${shown}.`;
}

function formParams(body: SignedBody): WebhookParams {
  return body.kind === 'form' ? body.params : (Object.create(null) as WebhookParams);
}

/** A Twilio webhook that answers TwiML. A TwimlInputError (a missing or malformed parameter) answers 400. */
export function twimlWebhook(build: TwimlBuilder): HttpHandler {
  return twilioWebhook(async (request) => {
    try {
      return twimlResponse(await build(request));
    } catch (error) {
      if (!(error instanceof TwimlInputError)) throw error;
      request.context.warn(`Bad request to ${request.url.pathname}: ${error.message}`);
      return textResponse(400, `${error.message}\n`);
    }
  });
}

// The shell every TwiML webhook shares: read the request once, parse its parameters, answer text/xml.
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { mergeParams, paramsFromSearch, type WebhookParams } from './params';

export interface WebhookRequest {
  params: WebhookParams;
  /** The URL Twilio called (WEBHOOK_BASE_URL-based when set), for building action URLs back to this app. */
  url: URL;
  context: InvocationContext;
}

export type TwimlBuilder = (request: WebhookRequest) => string | Promise<string>;
export type WebhookHandler = (request: WebhookRequest) => HttpResponseInit | Promise<HttpResponseInit>;

async function readParams(request: HttpRequest): Promise<WebhookParams> {
  // From the URL, not request.query: the host joins repeated query keys into one comma-separated value.
  const query = paramsFromSearch(new URL(request.url).searchParams);
  if (request.method !== 'POST') return query;
  const body = await request.text();
  return mergeParams(query, paramsFromSearch(new URLSearchParams(body)));
}

export function twimlResponse(twiml: string): HttpResponseInit {
  return { status: 200, headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: twiml };
}

/** Any Twilio webhook (TwiML or not, e.g. status callbacks): parameters in, response out. */
export function twilioWebhook(handle: WebhookHandler): HttpHandler {
  return async (request, context) => {
    const params = await readParams(request);
    return handle({ params, url: new URL(request.url), context });
  };
}

/** A Twilio webhook that answers TwiML. */
export function twimlWebhook(build: TwimlBuilder): HttpHandler {
  return twilioWebhook(async (request) => twimlResponse(await build(request)));
}

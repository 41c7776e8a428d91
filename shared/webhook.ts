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

async function readParams(request: HttpRequest): Promise<WebhookParams> {
  const query = paramsFromSearch(request.query);
  if (request.method !== 'POST') return query;
  const body = await request.text();
  return mergeParams(query, paramsFromSearch(new URLSearchParams(body)));
}

export function twimlResponse(twiml: string): HttpResponseInit {
  return { status: 200, headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: twiml };
}

export function twimlWebhook(build: TwimlBuilder): HttpHandler {
  return async (request, context) => {
    const params = await readParams(request);
    return twimlResponse(await build({ params, url: new URL(request.url), context }));
  };
}

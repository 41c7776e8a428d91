// Twilio's Debugger webhook (Console > Monitor > Debugger > Webhook): one POST per error or warning on the account,
// with Sid, AccountSid, Timestamp, Level and a JSON Payload. Read here into one structured log entry. Pure: no I/O.
import type { HttpResponseInit } from '@azure/functions';
import { first, type WebhookParams } from '../webhook/params';
import { textResponse, type InvocationLog } from '../webhook/responses';

export interface DebuggerEvent {
  /** The Debugger event's SID (NO...). */
  sid?: string;
  level: 'error' | 'warning';
  /** Twilio's error code, e.g. 11200 (HTTP retrieval failure) or 11205 (HTTP connection failure). */
  errorCode?: string;
  /** The call, message or other resource that failed (CA..., SM...). */
  resourceSid?: string;
  serviceSid?: string;
  /** The URL Twilio failed to fetch, without its query (which may carry numbers or a function key). */
  failingUrl?: string;
  method?: string;
  /** The status code the app's URL answered, when it answered at all. */
  responseStatus?: string;
  moreInfo?: string;
  timestamp?: string;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const MAX_TEXT = 500;
/** Control characters and lone surrogates: JSON writes each as a six-character escape. */
// eslint-disable-next-line no-control-regex -- the pattern names the control characters to replace
const UNPRINTABLE = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value ? value.slice(0, MAX_TEXT) : typeof value === 'number' ? String(value) : undefined;

/**
 * At most MAX_TEXT characters as the log line writes it (JSON): unprintable characters become U+FFFD, and a value
 * whose quotes and backslashes still double it is cut to half. Without this a field of lone surrogates took six
 * times its length, and a URL of accented characters nine once percent-encoded.
 */
function logSafe(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const clean = (s: string) => s.slice(0, MAX_TEXT).replace(UNPRINTABLE, '\ufffd');
  const out = clean(value);
  return JSON.stringify(out).length - 2 <= MAX_TEXT ? out : clean(out.slice(0, MAX_TEXT / 2));
}

/** Origin and path only. */
function withoutQuery(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return undefined;
  }
}

/** The Debugger event in the request, or undefined when it is not one (no Level or no Payload). */
export function parseDebuggerEvent(params: WebhookParams): DebuggerEvent | undefined {
  const level = first(params, 'Level')?.trim().toLowerCase();
  const payloadText = first(params, 'Payload');
  if ((level !== 'error' && level !== 'warning') || payloadText === undefined) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(payloadText);
  } catch {
    payload = undefined;
  }
  const body = isObject(payload) ? payload : {};
  const webhook = isObject(body.webhook) ? body.webhook : {};
  const request = isObject(webhook.request) ? webhook.request : {};
  const response = isObject(webhook.response) ? webhook.response : {};
  const moreInfo = isObject(body.more_info) ? body.more_info : {};
  const event: DebuggerEvent = {
    sid: text(first(params, 'Sid')),
    level,
    errorCode: text(body.error_code),
    resourceSid: text(body.resource_sid),
    serviceSid: text(body.service_sid),
    failingUrl: withoutQuery(text(request.url) ?? text(moreInfo.url) ?? text(moreInfo.Url)),
    method: text(request.method),
    responseStatus: text(response.status_code),
    moreInfo: text(body.more_info_url) ?? (typeof body.more_info === 'string' ? text(body.more_info) : undefined),
    timestamp: text(first(params, 'Timestamp')),
  };
  for (const name of Object.keys(event) as Array<keyof DebuggerEvent>) if (name !== 'level') event[name] = logSafe(event[name]);
  return event;
}

/**
 * The Debugger webhook's answer: the event as one structured line at its level (error, or warn for a warning) and
 * 204, or 400 and a warning for a request that is not a Debugger event.
 */
export function answerDebuggerEvent(params: WebhookParams, log: InvocationLog): HttpResponseInit {
  const event = parseDebuggerEvent(params);
  if (!event) {
    log.warn(JSON.stringify({ event: 'twilio-alert', outcome: 'ignored: not a Debugger event (no Level or Payload)' }));
    return textResponse(400, 'Not a Twilio Debugger event.\n');
  }
  const entry = JSON.stringify({ event: 'twilio-alert', ...event });
  if (event.level === 'error') log.error(entry);
  else log.warn(entry);
  return { status: 204 };
}

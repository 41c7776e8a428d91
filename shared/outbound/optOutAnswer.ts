// The opt-out management API (function key): GET/PUT/DELETE /api/optouts/{address} and GET /api/optouts, a page at
// a time. Pure: the opt-out table comes in as `io`; a storage outage is thrown on (the function answers it 503).
import type { HttpResponseInit } from '@azure/functions';
import { isOptOutAddress, isOptOutSender, type OptOut } from './optOuts';

export interface OptOutIo {
  optOutsOf(address: string): Promise<OptOut[]>;
  record(address: string, keyword: string, sender: string | undefined, source: 'api'): Promise<void>;
  /** false when there was none. */
  remove(address: string, sender: string | undefined): Promise<boolean>;
  list(options: { pageSize: number; continuationToken?: string }): Promise<{ items: OptOut[]; next?: string }>;
  /** Whether an error came from the storage service (an answer or no answer), rather than from the SDK before any request. */
  fromStorage(error: unknown): Promise<boolean>;
}

export interface OptOutRequest {
  method: string;
  address: string;
  /** The PUT body's text. */
  body(): Promise<string>;
  query: URLSearchParams;
}

const ALL = '*';
const MAX_PAGE = 1000;
const BAD_TOKEN = 'continuationToken must be the value of next from the previous page';

const shown = (o: OptOut) => ({ sender: o.sender ?? ALL, keyword: o.keyword, source: o.source, optedOutAt: o.optedOutAt });
const problem = (status: number, error: string, path: string): HttpResponseInit => ({
  status,
  jsonBody: { error, issues: [{ path, message: error }] },
});

/** A PUT body: {"sender"?: "+1..." | "MG..." | "whatsapp:+1..." | "*", "keyword"?: "..."}; empty means every sender. */
function readPut(text: string): { sender?: string; keyword: string } | string {
  let body: unknown = {};
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch {
      return 'the body must be JSON, e.g. {"sender": "+14155550100"}, or empty';
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object';
  const { sender, keyword, ...extra } = body as Record<string, unknown>;
  if (Object.keys(extra).length) return `unknown field "${Object.keys(extra)[0]}"`;
  if (sender !== undefined && (typeof sender !== 'string' || (sender !== ALL && !isOptOutSender(sender))))
    return 'sender must be a number, a channel address, a Messaging Service SID (MG...) or * for every sender';
  if (keyword !== undefined && (typeof keyword !== 'string' || !/^[\w -]{1,40}$/.test(keyword)))
    return 'keyword must be 1-40 letters, digits, spaces, _ or -';
  return { sender: sender === ALL ? undefined : sender, keyword: keyword ?? 'API' };
}

/**
 * GET lists the address's opt-outs (404: none), PUT records one (for a sender, or * / no body for every sender),
 * DELETE removes one (?sender=...) or all of them (404: none).
 */
export async function answerOptOut(io: OptOutIo, request: OptOutRequest): Promise<HttpResponseInit> {
  const address = request.address.trim();
  if (!isOptOutAddress(address))
    return problem(400, 'the address must be an E.164 number or a channel address such as whatsapp:+14155550100', 'address');
  if (request.method === 'PUT') {
    const put = readPut(await request.body());
    if (typeof put === 'string') return problem(400, put, 'body');
    await io.record(address, put.keyword, put.sender, 'api');
  }
  if (request.method === 'DELETE') {
    const sender = request.query.get('sender') ?? undefined;
    if (sender !== undefined && sender !== ALL && !isOptOutSender(sender))
      return problem(400, 'sender must be a number, a channel address, a Messaging Service SID or *', 'sender');
    const targets = sender === undefined ? (await io.optOutsOf(address)).map((o) => o.sender) : [sender === ALL ? undefined : sender];
    const removed = (await Promise.all(targets.map((s) => io.remove(address, s)))).filter(Boolean).length;
    if (!removed) return { status: 404, jsonBody: { error: 'No such opt-out.', address } };
  }
  const optOuts = (await io.optOutsOf(address)).map(shown);
  if (request.method === 'GET' && optOuts.length === 0) return { status: 404, jsonBody: { error: 'Not opted out.', address, optOuts } };
  return { status: 200, jsonBody: { address, optedOut: optOuts.length > 0, optOuts } };
}

/** GET /api/optouts?pageSize=100&continuationToken=...: one page, and the URL of the next (`path` is this request's). */
export async function answerOptOutList(io: OptOutIo, query: URLSearchParams, path: string): Promise<HttpResponseInit> {
  const pageSize = Number(query.get('pageSize') ?? 100);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE)
    return problem(400, `pageSize must be a whole number from 1 to ${MAX_PAGE}`, 'pageSize');
  const continuationToken = query.get('continuationToken') ?? undefined;
  if (continuationToken !== undefined && !/^[A-Za-z0-9+/=_-]{1,2000}$/.test(continuationToken))
    return problem(400, BAD_TOKEN, 'continuationToken');
  let page: Awaited<ReturnType<OptOutIo['list']>>;
  try {
    page = await io.list({ pageSize, continuationToken });
  } catch (error) {
    // The table SDK parses the token before any request: a token it cannot read fails here, not at the table.
    if (continuationToken === undefined || (await io.fromStorage(error))) throw error;
    return problem(400, BAD_TOKEN, 'continuationToken');
  }
  const items = page.items.map((o) => ({ address: o.address, ...shown(o) }));
  const next = page.next && `${path}?${new URLSearchParams({ pageSize: String(pageSize), continuationToken: page.next })}`;
  return { status: 200, jsonBody: { items, next: page.next, nextUrl: next } };
}

import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { optOutsOf, recordOptOut, removeOptOut } from '../shared/outbound/optOutTable';
import { isOptOutAddress, isOptOutSender, type OptOut } from '../shared/outbound/optOuts';
import { ROUTES } from '../shared/platform/routes';
import { answeringStorageOutages } from '../shared/platform/storageUnavailable';

const ALL = '*';
const shown = (o: OptOut) => ({ sender: o.sender ?? ALL, keyword: o.keyword, source: o.source, optedOutAt: o.optedOutAt });
const problem = (status: number, error: string, path: string) => ({ status, jsonBody: { error, issues: [{ path, message: error }] } });

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
 * The opt-out management API (function key). GET lists the address's opt-outs (404: none), PUT records
 * one (for a sender, or * / no body for every sender), DELETE removes one (?sender=...) or all of them. 503 when storage is down.
 */
export const optOut = answeringStorageOutages(async (request: HttpRequest): Promise<HttpResponseInit> => {
  const address = (request.params.address ?? '').trim();
  if (!isOptOutAddress(address))
    return problem(400, 'the address must be an E.164 number or a channel address such as whatsapp:+14155550100', 'address');
  if (request.method === 'PUT') {
    const put = readPut(await request.text());
    if (typeof put === 'string') return problem(400, put, 'body');
    await recordOptOut(address, put.keyword, put.sender, 'api');
  }
  if (request.method === 'DELETE') {
    const sender = request.query.get('sender') ?? undefined;
    if (sender !== undefined && sender !== ALL && !isOptOutSender(sender))
      return problem(400, 'sender must be a number, a channel address, a Messaging Service SID or *', 'sender');
    const targets = sender === undefined ? (await optOutsOf(address)).map((o) => o.sender) : [sender === ALL ? undefined : sender];
    const removed = (await Promise.all(targets.map((s) => removeOptOut(address, s)))).filter(Boolean).length;
    if (!removed) return { status: 404, jsonBody: { error: 'No such opt-out.', address } };
  }
  const optOuts = (await optOutsOf(address)).map(shown);
  if (request.method === 'GET' && optOuts.length === 0) return { status: 404, jsonBody: { error: 'Not opted out.', address, optOuts } };
  return { status: 200, jsonBody: { address, optedOut: optOuts.length > 0, optOuts } };
});

app.http('optOut', { methods: ['GET', 'PUT', 'DELETE'], authLevel: 'function', route: ROUTES.optOutByAddress, handler: optOut });

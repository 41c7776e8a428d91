import { randomUUID } from 'node:crypto';
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { liveOutboundIo } from '../shared/outbound/liveIo';
import { acceptAndSchedule } from '../shared/outbound/orchestrator';
import { outboundStatusUrl } from '../shared/outbound/statusUrls';
import { settings } from '../shared/platform/settings';
import { destinationRefused } from '../shared/guards/callingCodes';
import { ROUTES } from '../shared/platform/routes';

/**
 * POST /api/outbound: the outbound queue over HTTP. Validates the JSON body with the queue's own schema, records
 * the key in the ledger as `accepted`, enqueues, and answers 202 with the key and where to follow it.
 */
export async function outboundPost(request: HttpRequest): Promise<HttpResponseInit> {
  const { validateOutboundMessage } = await import('../shared/outbound/schema');
  let input: unknown;
  try {
    input = JSON.parse(await request.text());
  } catch {
    return { status: 400, jsonBody: { error: 'The body must be a JSON outbound message.', issues: [{ path: '', message: 'not JSON' }] } };
  }
  const now = new Date();
  const validation = validateOutboundMessage(input, { now });
  if (!validation.ok) return { status: 400, jsonBody: { error: 'Invalid outbound message.', issues: validation.issues } };
  const refused = destinationRefused(validation.message.to, settings().allowedCountries);
  if (refused) return { status: 400, jsonBody: { error: 'Invalid outbound message.', issues: [{ path: 'to', message: refused }] } };
  const key = validation.message.idempotencyKey ?? randomUUID();
  const message = { ...validation.message, idempotencyKey: key };
  const { row } = await acceptAndSchedule(liveOutboundIo(), message, { now });
  const statusUrl = outboundStatusUrl(settings().webhookBaseUrl ?? new URL(request.url).origin, key);
  return { status: 202, headers: { Location: statusUrl }, jsonBody: { key, status: row?.status, statusUrl } };
}

app.http('outboundPost', { methods: ['POST'], authLevel: 'function', route: ROUTES.outbound, handler: outboundPost });

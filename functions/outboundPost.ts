import { randomUUID } from 'node:crypto';
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { updateLedgerRow } from '../shared/outbound/ledgerTable';
import { accepted } from '../shared/outbound/ledger';
import { outboundStatusUrl } from '../shared/outbound/statusUrls';
import { enqueueOutbound } from '../shared/outbound/outboundQueue';
import { settings } from '../shared/platform/settings';

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
  const key = validation.message.idempotencyKey ?? randomUUID();
  const message = { ...validation.message, idempotencyKey: key };
  const { row } = await updateLedgerRow(
    key,
    accepted(key, { type: message.type, to: message.to, from: message.from, sendAt: message.sendAt, metadata: message.metadata }, now),
  );
  const dueInMs = message.sendAt ? Date.parse(message.sendAt) - now.getTime() : 0;
  await enqueueOutbound(message, { visibilityTimeoutSeconds: dueInMs > 0 ? Math.ceil(dueInMs / 1000) : undefined });
  const statusUrl = outboundStatusUrl(settings().webhookBaseUrl ?? new URL(request.url).origin, key);
  return { status: 202, headers: { Location: statusUrl }, jsonBody: { key, status: row?.status, statusUrl } };
}

app.http('outboundPost', { methods: ['POST'], authLevel: 'function', route: 'outbound', handler: outboundPost });

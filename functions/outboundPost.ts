import { randomUUID } from 'node:crypto';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { acceptEntry } from '../shared/outbound/acceptLog';
import { invocationCorrelationId } from '../shared/outbound/correlation';
import { AppNotConfiguredError, InvalidMessageError, KeyReusedError } from '../shared/outbound/errors';
import { liveOutboundIo } from '../shared/outbound/liveIo';
import { acceptAndSchedule } from '../shared/outbound/orchestrator';
import { outboundStatusUrl } from '../shared/outbound/statusUrls';
import { settings } from '../shared/platform/settings';
import { destinationRefused } from '../shared/guards/callingCodes';
import { ROUTES } from '../shared/platform/routes';
import { storageUnavailableResponse } from '../shared/platform/storageUnavailable';

/**
 * POST /api/outbound: the outbound queue over HTTP. Validates the JSON body with the queue's own schema, checks that
 * the app can send it (its settings), records the key in the ledger as `accepted`, enqueues, and answers 202 with
 * the key and where to follow it. 400: invalid; 422: the app lacks a setting the message needs; 409: the key was
 * already used for a different message; 503: storage is down. The answer names the request's correlationId: the
 * body's own, else this invocation's trace id (docs/outbound.md, One id through the path).
 */
export async function outboundPost(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
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
  const statusUrl = outboundStatusUrl(settings().webhookBaseUrl ?? new URL(request.url).origin, key);
  const correlationId = message.correlationId ?? invocationCorrelationId(context.traceContext);
  const log = (entry: Record<string, unknown>) => context.log(JSON.stringify(entry));
  const logRefusal = (outcome: string, extra: Record<string, unknown> = {}) =>
    log({ event: 'outbound-accept', key, correlationId, producer: 'http', outcome, ...extra });
  try {
    const update = await acceptAndSchedule(liveOutboundIo('request'), message, { now, correlationId });
    log(acceptEntry(update, { key, correlationId, producer: 'http' }));
    const messageCorrelationId = update.row?.correlationId ?? correlationId;
    return {
      status: 202,
      headers: { Location: statusUrl },
      jsonBody: { key, status: update.row?.status, statusUrl, correlationId: messageCorrelationId },
    };
  } catch (error) {
    if (error instanceof InvalidMessageError) logRefusal('refused (400): Twilio could not take this message');
    else if (error instanceof AppNotConfiguredError) logRefusal('refused (422): the app lacks a setting', { setting: error.setting });
    else if (error instanceof KeyReusedError)
      logRefusal('refused (409): the key was used for a different message', { status: error.status });
    else logRefusal('failed: could not accept', { error: error instanceof Error ? error.name : 'error' });
    if (error instanceof InvalidMessageError) {
      const issues = error.issues.length ? error.issues : [{ path: '', message: error.message }];
      return { status: 400, jsonBody: { error: 'Invalid outbound message.', issues } };
    }
    if (error instanceof AppNotConfiguredError)
      return { status: 422, jsonBody: { error: 'The app cannot send this message.', setting: error.setting, reason: error.message } };
    if (error instanceof KeyReusedError)
      return {
        status: 409,
        headers: { Location: statusUrl },
        jsonBody: {
          error: 'This idempotency key was already used for a different message. One send per key: use a new key for new content.',
          key,
          status: error.status,
          statusUrl,
        },
      };
    // The key goes back too: a producer that let the app make it can send the same message again under it.
    const unavailable = await storageUnavailableResponse(error, { key });
    if (unavailable) return unavailable;
    throw error;
  }
}

app.http('outboundPost', { methods: ['POST'], authLevel: 'function', route: ROUTES.outbound, handler: outboundPost });

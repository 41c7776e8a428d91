// POST /api/outbound: the outbound queue over HTTP. Validates the JSON body with the queue's own schema, checks that
// the app can send it (its settings), records the key in the ledger as `accepted`, enqueues, and answers 202 with
// the key and where to follow it. 400: invalid; 422: the app lacks a setting the message needs; 409: the key was
// already used for a different message; 503: storage is down. The answer names the request's correlationId: the
// body's own, else this invocation's trace id (docs/outbound.md, One id through the path). Pure: the ledger, queue
// and the storage-outage check come in as `io`.
import type { HttpResponseInit } from '@azure/functions';
import { destinationRefused } from '../guards/callingCodes';
import { acceptEntry } from './acceptLog';
import { acceptAndSchedule, type OutboundIo } from './orchestrator';
import { outcomeLine } from './outcomes';
import { isRefusal, refusalDecision, refusalResponse } from './refusals';
import { outboundStatusUrl } from './statusUrls';

export interface AcceptIo extends Pick<OutboundIo, 'ledger' | 'queue' | 'events' | 'defaults'> {
  /** The 503 for a storage outage, or undefined when the error is something else (see platform/storageUnavailable.ts). */
  storageUnavailable(error: unknown, extra: Record<string, unknown>): Promise<HttpResponseInit | undefined>;
  newKey(): string;
}

export interface PostedMessage {
  body: string;
  /** The request's URL: its origin is the base of the status URL when WEBHOOK_BASE_URL is not set. */
  url: string;
  /** This invocation's trace id. */
  correlationId: string;
  now: Date;
}

const invalid = (issues: unknown): HttpResponseInit => ({ status: 400, jsonBody: { error: 'Invalid outbound message.', issues } });

export async function answerOutboundPost(
  io: AcceptIo,
  posted: PostedMessage,
  log: (entry: Record<string, unknown>) => void,
): Promise<HttpResponseInit> {
  const { validateOutboundMessage } = await import('./schema');
  let input: unknown;
  try {
    input = JSON.parse(posted.body);
  } catch {
    return { status: 400, jsonBody: { error: 'The body must be a JSON outbound message.', issues: [{ path: '', message: 'not JSON' }] } };
  }
  const { now } = posted;
  const validation = validateOutboundMessage(input, { now });
  if (!validation.ok) return invalid(validation.issues);
  const refused = destinationRefused(validation.message.to, io.defaults.allowedCountries);
  if (refused) return invalid([{ path: 'to', message: refused }]);
  const key = validation.message.idempotencyKey ?? io.newKey();
  const message = { ...validation.message, idempotencyKey: key };
  const statusUrl = outboundStatusUrl(io.defaults.webhookBaseUrl ?? new URL(posted.url).origin, key);
  const correlationId = message.correlationId ?? posted.correlationId;
  const attempt = { key, correlationId, producer: 'http' } as const;
  try {
    const update = await acceptAndSchedule(io, message, { now, correlationId });
    log(acceptEntry(update, attempt));
    const messageCorrelationId = update.row?.correlationId ?? correlationId;
    return {
      status: 202,
      headers: { Location: statusUrl },
      jsonBody: { key, status: update.row?.status, statusUrl, correlationId: messageCorrelationId },
    };
  } catch (error) {
    if (isRefusal(error)) {
      log(outcomeLine('outbound-accept', attempt, refusalDecision(error)));
      return refusalResponse(error, { key, statusUrl });
    }
    log(
      outcomeLine('outbound-accept', attempt, {
        outcome: 'failed',
        detail: 'could not accept',
        error: error instanceof Error ? error.name : 'error',
      }),
    );
    // The key goes back too: a producer that let the app make it can send the same message again under it.
    const unavailable = await io.storageUnavailable(error, { key });
    if (unavailable) return unavailable;
    throw error;
  }
}

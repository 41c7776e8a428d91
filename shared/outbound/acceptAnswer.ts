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

/** Ledger writes and enqueues in flight at once for one batch. */
const BATCH_CONCURRENCY = 16;

/**
 * POST /api/outbound/batch: up to 1,000 outbound messages at once. Each valid one is accepted and enqueued as
 * POST /api/outbound would; the answer has one result per message, in order: its key and status, or every problem.
 * Every message of the batch carries the batch request's correlationId (its trace id) unless it brings its own.
 */
export async function answerOutboundBatch(
  io: AcceptIo,
  posted: PostedMessage,
  log: (entry: Record<string, unknown>) => void,
): Promise<HttpResponseInit> {
  const { validateBatch, mapLimited } = await import('./batch');
  let input: unknown;
  try {
    input = JSON.parse(posted.body);
  } catch {
    return { status: 400, jsonBody: { error: 'The body must be a JSON batch.', issues: [{ path: '', message: 'not JSON' }] } };
  }
  const { now } = posted;
  const batch = validateBatch(input, { now, newKey: io.newKey });
  if (!batch.ok) return { status: 400, jsonBody: { error: 'Invalid batch.', issues: batch.issues } };
  const base = io.defaults.webhookBaseUrl ?? new URL(posted.url).origin;
  const accepting = mapLimited(batch.entries, BATCH_CONCURRENCY, async (entry) => {
    if (!entry.ok) return { index: entry.index, key: entry.key, issues: entry.issues };
    const correlationId = entry.message.correlationId ?? posted.correlationId;
    let update;
    try {
      update = await acceptAndSchedule(io, entry.message, { now, correlationId });
    } catch (error) {
      // Refused as POST /api/outbound refuses it (400, 422, 409): this entry only. A throw would answer the whole
      // batch 500 after its other entries were accepted, and a producer retrying it without a batch key sends them twice.
      if (!isRefusal(error)) throw error;
      return { index: entry.index, key: entry.key, issues: error.issues };
    }
    log(acceptEntry(update, { key: entry.key, correlationId, producer: 'batch' }, { batchKey: batch.batchKey, index: entry.index }));
    return { index: entry.index, key: entry.key, status: update.row?.status, statusUrl: outboundStatusUrl(base, entry.key) };
  });
  let results;
  try {
    results = await accepting;
  } catch (error) {
    // Some entries may be accepted already: the same batch again under this batch key sends none of them twice.
    const unavailable = await io.storageUnavailable(error, { batchKey: batch.batchKey });
    if (unavailable) return unavailable;
    throw error;
  }
  const valid = results.filter((r) => 'status' in r).length;
  return { status: 200, jsonBody: { batchKey: batch.batchKey, valid, invalid: results.length - valid, results } };
}

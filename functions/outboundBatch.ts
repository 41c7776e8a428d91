import { randomUUID } from 'node:crypto';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { acceptEntry } from '../shared/outbound/acceptLog';
import { invocationCorrelationId } from '../shared/outbound/correlation';
import { isRefusal } from '../shared/outbound/refusals';
import { liveOutboundIo } from '../shared/outbound/liveIo';
import { acceptAndSchedule } from '../shared/outbound/orchestrator';
import { outboundStatusUrl } from '../shared/outbound/statusUrls';
import { settings } from '../shared/platform/settings';
import { ROUTES } from '../shared/platform/routes';
import { storageUnavailableResponse } from '../shared/platform/storageUnavailable';

/** Ledger writes and enqueues in flight at once for one batch. */
const CONCURRENCY = 16;

/**
 * POST /api/outbound/batch: up to 1,000 outbound messages at once. Each valid one is accepted and enqueued as
 * POST /api/outbound would; the answer has one result per message, in order: its key and status, or every problem.
 * Every message of the batch carries the batch request's correlationId (its trace id) unless it brings its own.
 */
export async function outboundBatch(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { validateBatch, mapLimited } = await import('../shared/outbound/batch');
  let input: unknown;
  try {
    input = JSON.parse(await request.text());
  } catch {
    return { status: 400, jsonBody: { error: 'The body must be a JSON batch.', issues: [{ path: '', message: 'not JSON' }] } };
  }
  const now = new Date();
  const batch = validateBatch(input, { now, newKey: randomUUID });
  if (!batch.ok) return { status: 400, jsonBody: { error: 'Invalid batch.', issues: batch.issues } };
  const io = liveOutboundIo('request');
  const base = settings().webhookBaseUrl ?? new URL(request.url).origin;
  const batchCorrelationId = invocationCorrelationId(context.traceContext);
  const accepting = mapLimited(batch.entries, CONCURRENCY, async (entry) => {
    if (!entry.ok) return { index: entry.index, key: entry.key, issues: entry.issues };
    const correlationId = entry.message.correlationId ?? batchCorrelationId;
    let update;
    try {
      update = await acceptAndSchedule(io, entry.message, { now, correlationId });
    } catch (error) {
      // Refused as POST /api/outbound refuses it (400, 422, 409): this entry only. A throw would answer the whole
      // batch 500 after its other entries were accepted, and a producer retrying it without a batch key sends them twice.
      if (!isRefusal(error)) throw error;
      return { index: entry.index, key: entry.key, issues: error.issues };
    }
    context.log(
      JSON.stringify(
        acceptEntry(update, { key: entry.key, correlationId, producer: 'batch' }, { batchKey: batch.batchKey, index: entry.index }),
      ),
    );
    const { row } = update;
    return { index: entry.index, key: entry.key, status: row?.status, statusUrl: outboundStatusUrl(base, entry.key) };
  });
  let results;
  try {
    results = await accepting;
  } catch (error) {
    // Some entries may be accepted already: the same batch again under this batch key sends none of them twice.
    const unavailable = await storageUnavailableResponse(error, { batchKey: batch.batchKey });
    if (unavailable) return unavailable;
    throw error;
  }
  const valid = results.filter((r) => 'status' in r).length;
  return {
    status: 200,
    jsonBody: { batchKey: batch.batchKey, valid, invalid: results.length - valid, results },
  };
}

app.http('outboundBatch', { methods: ['POST'], authLevel: 'function', route: ROUTES.outboundBatch, handler: outboundBatch });

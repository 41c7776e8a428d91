import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { readLedgerRow } from '../shared/outbound/ledgerTable';
import { IDEMPOTENCY_KEY } from '../shared/outbound/fields';
import { ROUTES } from '../shared/platform/routes';
import { storageUnavailableResponse } from '../shared/platform/storageUnavailable';

/** GET /api/outbound/{key}: the ledger row for an idempotency key, or 404; 503 while storage is down. */
export async function outboundGet(request: HttpRequest): Promise<HttpResponseInit> {
  const key = request.params.key ?? '';
  let row;
  try {
    row = IDEMPOTENCY_KEY.test(key) ? await readLedgerRow(key, 'request') : undefined;
  } catch (error) {
    const unavailable = await storageUnavailableResponse(error, { key });
    if (unavailable) return unavailable;
    throw error;
  }
  if (!row) return { status: 404, jsonBody: { error: 'No outbound message with this key.', key } };
  const { claimId: _claimId, ...visible } = row;
  return { status: 200, jsonBody: visible };
}

app.http('outboundGet', { methods: ['GET'], authLevel: 'function', route: ROUTES.outboundByKey, handler: outboundGet });

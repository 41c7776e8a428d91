import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { readLedgerRow } from '../shared/outbound/ledgerTable';
import { IDEMPOTENCY_KEY } from '../shared/outbound/fields';
import { ROUTES } from '../shared/platform/routes';

/** GET /api/outbound/{key}: the ledger row for an idempotency key, or 404. */
export async function outboundGet(request: HttpRequest): Promise<HttpResponseInit> {
  const key = request.params.key ?? '';
  const row = IDEMPOTENCY_KEY.test(key) ? await readLedgerRow(key) : undefined;
  if (!row) return { status: 404, jsonBody: { error: 'No outbound message with this key.', key } };
  const { claimId: _claimId, ...visible } = row;
  return { status: 200, jsonBody: visible };
}

app.http('outboundGet', { methods: ['GET'], authLevel: 'function', route: ROUTES.outboundByKey, handler: outboundGet });

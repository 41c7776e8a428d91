import { app, type HttpRequest } from '@azure/functions';
import { readLedgerRow } from '../shared/outbound/ledgerTable';
import { answerOutboundGet } from '../shared/outbound/keyAnswer';
import { ROUTES } from '../shared/platform/routes';
import { answeringStorageOutages } from '../shared/platform/storageUnavailable';

const keyOf = (request: HttpRequest) => request.params.key ?? '';

/** GET /api/outbound/{key}: the ledger row for an idempotency key, or 404; 503 while storage is down. */
export const outboundGet = answeringStorageOutages(
  (request) => answerOutboundGet((key) => readLedgerRow(key, 'request'), keyOf(request)),
  (request) => ({ key: keyOf(request) }),
);

app.http('outboundGet', { methods: ['GET'], authLevel: 'function', route: ROUTES.outboundByKey, handler: outboundGet });

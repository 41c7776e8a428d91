import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { IDEMPOTENCY_KEY } from '../shared/outbound/fields';
import { liveOutboundIo } from '../shared/outbound/liveIo';
import { cancelOutbound } from '../shared/outbound/orchestrator';
import { ROUTES } from '../shared/platform/routes';
import { answeringStorageOutages } from '../shared/platform/storageUnavailable';

/**
 * DELETE /api/outbound/{key}: cancels a message that has not been sent. 200 with the row (now `canceled`, for good),
 * 404 for an unknown key, 409 with the status when an attempt has already claimed or settled it, 503 when storage is down.
 */
export const outboundCancel = answeringStorageOutages(async (request: HttpRequest): Promise<HttpResponseInit> => {
  const key = request.params.key ?? '';
  if (!IDEMPOTENCY_KEY.test(key)) return { status: 404, jsonBody: { error: 'No outbound message with this key.', key: '' } };
  const result = await cancelOutbound(liveOutboundIo('request'), key);
  if (result.outcome === 'not-found') return { status: 404, jsonBody: { error: 'No outbound message with this key.', key } };
  const { claimId: _claimId, ...row } = result.row;
  if (result.outcome === 'too-late') {
    return {
      status: 409,
      jsonBody: { error: `Too late to cancel: the message is ${row.status}.`, key, status: row.status, row },
    };
  }
  return { status: 200, jsonBody: row };
});

app.http('outboundCancel', { methods: ['DELETE'], authLevel: 'function', route: ROUTES.outboundByKey, handler: outboundCancel });

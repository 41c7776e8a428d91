import { app } from '@azure/functions';
import { answerOutboundCancel } from '../shared/outbound/keyAnswer';
import { liveOutboundIo } from '../shared/outbound/liveIo';
import { ROUTES } from '../shared/platform/routes';
import { answeringStorageOutages } from '../shared/platform/storageUnavailable';

/**
 * DELETE /api/outbound/{key}: cancels a message that has not been sent. 200 with the row (now `canceled`, for good),
 * 404 for an unknown key, 409 with the status when an attempt has already claimed or settled it, 503 when storage is down.
 */
export const outboundCancel = answeringStorageOutages((request) =>
  answerOutboundCancel(liveOutboundIo('request'), request.params.key ?? ''),
);

app.http('outboundCancel', { methods: ['DELETE'], authLevel: 'function', route: ROUTES.outboundByKey, handler: outboundCancel });

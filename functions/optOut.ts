import { app } from '@azure/functions';
import { liveOptOutIo } from '../shared/outbound/liveIo';
import { answerOptOut } from '../shared/outbound/optOutAnswer';
import { ROUTES } from '../shared/platform/routes';
import { answeringStorageOutages } from '../shared/platform/storageUnavailable';

/**
 * The opt-out management API (function key). GET lists the address's opt-outs (404: none), PUT records
 * one (for a sender, or * / no body for every sender), DELETE removes one (?sender=...) or all of them. 503 when storage is down.
 */
export const optOut = answeringStorageOutages((request) =>
  answerOptOut(liveOptOutIo, {
    method: request.method,
    address: request.params.address ?? '',
    body: () => request.text(),
    query: request.query,
  }),
);

app.http('optOut', { methods: ['GET', 'PUT', 'DELETE'], authLevel: 'function', route: ROUTES.optOutByAddress, handler: optOut });

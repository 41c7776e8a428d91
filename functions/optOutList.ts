import { app } from '@azure/functions';
import { liveOptOutIo } from '../shared/outbound/liveIo';
import { answerOptOutList } from '../shared/outbound/optOutAnswer';
import { ROUTES } from '../shared/platform/routes';
import { answeringStorageOutages } from '../shared/platform/storageUnavailable';

/** GET /api/optouts?pageSize=100&continuationToken=...: every opt-out, a page at a time (function key); 503 when storage is down. */
export const optOutList = answeringStorageOutages((request) =>
  answerOptOutList(liveOptOutIo, request.query, new URL(request.url).pathname),
);

app.http('optOutList', { methods: ['GET'], authLevel: 'function', route: ROUTES.optOuts, handler: optOutList });

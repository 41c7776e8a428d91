import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { listOptOuts } from '../shared/outbound/optOutTable';
import { asRestError } from '../shared/platform/azureErrors';
import { ROUTES } from '../shared/platform/routes';
import { answeringStorageOutages } from '../shared/platform/storageUnavailable';

const MAX_PAGE = 1000;

/** GET /api/optouts?pageSize=100&continuationToken=...: every opt-out, a page at a time (function key); 503 when storage is down. */
export const optOutList = answeringStorageOutages(async (request: HttpRequest): Promise<HttpResponseInit> => {
  const pageSize = Number(request.query.get('pageSize') ?? 100);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE) {
    const error = `pageSize must be a whole number from 1 to ${MAX_PAGE}`;
    return { status: 400, jsonBody: { error, issues: [{ path: 'pageSize', message: error }] } };
  }
  const continuationToken = request.query.get('continuationToken') ?? undefined;
  if (continuationToken !== undefined && !/^[A-Za-z0-9+/=_-]{1,2000}$/.test(continuationToken)) {
    const error = 'continuationToken must be the value of next from the previous page';
    return { status: 400, jsonBody: { error, issues: [{ path: 'continuationToken', message: error }] } };
  }
  let page: Awaited<ReturnType<typeof listOptOuts>>;
  try {
    page = await listOptOuts({ pageSize, continuationToken });
  } catch (error) {
    // The table SDK parses the token before any request: a token it cannot read fails here, not at the table.
    if (continuationToken === undefined || (await asRestError(error))) throw error;
    const message = 'continuationToken must be the value of next from the previous page';
    return { status: 400, jsonBody: { error: message, issues: [{ path: 'continuationToken', message }] } };
  }
  const items = page.items.map((o) => ({
    address: o.address,
    sender: o.sender ?? '*',
    keyword: o.keyword,
    source: o.source,
    optedOutAt: o.optedOutAt,
  }));
  const next =
    page.next && `${new URL(request.url).pathname}?${new URLSearchParams({ pageSize: String(pageSize), continuationToken: page.next })}`;
  return { status: 200, jsonBody: { items, next: page.next, nextUrl: next } };
});

app.http('optOutList', { methods: ['GET'], authLevel: 'function', route: ROUTES.optOuts, handler: optOutList });

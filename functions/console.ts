import { join } from 'node:path';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { bundledFile } from '../shared/platform/bundledFile';
import { ROUTES } from '../shared/platform/routes';
import { effectiveSettings, settings, SETTINGS } from '../shared/platform/settings';

/**
 * /api/console and its JSON routes (/api/console/messages, ...): the number's console, for CONSOLE_ADMINS only
 * (docs/console.md). Access is decided before anything is read; a request that changes something must also come
 * from the page itself. The work is the same code as the function-key API's: sending is POST /api/outbound's
 * acceptance, cancel is DELETE /api/outbound/{key}'s, opt-outs are /api/optouts'. Its code loads on its first
 * request, not with the webhooks.
 */
export async function consoleHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { consoleAccess, crossSiteRefusal } = await import('../shared/console/access');
  const config = settings();
  const access = consoleAccess(request.headers, {
    admins: config.console.admins,
    isDevelopment: config.console.isDevelopment,
    platformAuthEnabled: config.calling.platformAuthEnabled,
  });
  const path = request.params.path ?? '';
  const isPage = path.split('/').filter(Boolean).length === 0;
  if (!access.ok) {
    if (isPage && request.method === 'GET') return page({ refused: access }, access.status);
    return json(access.status, { error: access.reason });
  }
  const refusal = crossSiteRefusal(request.method, request.headers, request.url);
  if (refusal) return json(403, { error: refusal });
  const { matchConsoleRoute } = await import('../shared/console/consoleRoutes');
  const match = matchConsoleRoute(request.method, path);
  if (!match.ok) return json(match.status, { error: match.status === 404 ? 'No such console route.' : 'Method not allowed here.' });
  const { answeringStorageOutages } = await import('../shared/platform/storageUnavailable');
  return answeringStorageOutages(async () => {
    const route = match.route;
    switch (route.name) {
      case 'page':
        return page({ who: access.who, localDeveloper: access.localDeveloper }, 200);
      case 'script':
        return script();
      case 'messages':
        return messages(request);
      case 'message':
        return message(route.key);
      case 'cancel': {
        const [{ outboundCancel }, { internalRequest }] = await Promise.all([
          import('./outboundCancel'),
          import('../shared/console/internalHttp'),
        ]);
        return outboundCancel(internalRequest(request, { method: 'DELETE', params: { key: route.key } }), context);
      }
      case 'send': {
        const [{ outboundPost }, { internalRequest }] = await Promise.all([
          import('./outboundPost'),
          import('../shared/console/internalHttp'),
        ]);
        return outboundPost(internalRequest(request, { method: 'POST', body: await request.text() }), context);
      }
      case 'activity':
        return activity(request);
      case 'optouts': {
        const [{ optOutList }, { internalRequest }] = await Promise.all([import('./optOutList'), import('../shared/console/internalHttp')]);
        const query = Object.fromEntries(new URL(request.url).searchParams);
        return optOutList(internalRequest(request, { method: 'GET', query }), context);
      }
      case 'optoutAdd':
      case 'optoutRemove':
        return optOutChange(request, context, route.name === 'optoutAdd');
      case 'health':
        return health();
      case 'settings':
        return settingsView();
    }
  })(request, context);
}

const json = (status: number, body: unknown): HttpResponseInit => ({
  status,
  headers: { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
  jsonBody: body,
});

async function page(
  options: Parameters<typeof import('../shared/console/consolePage').consolePage>[0],
  status: number,
): Promise<HttpResponseInit> {
  const { CONSOLE_PAGE_CSP, consolePage } = await import('../shared/console/consolePage');
  return {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': CONSOLE_PAGE_CSP,
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    },
    body: consolePage(options),
  };
}

// The build writes the console's script beside the app bundle (dist/console.js); unbundled (tests) it is in dist/.
const scriptText = bundledFile(
  [join(__dirname, 'console.js'), join(__dirname, '..', 'dist', 'console.js')],
  'dist/console.js is missing: run `node scripts/build.mjs`',
);

async function script(): Promise<HttpResponseInit> {
  return {
    status: 200,
    headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' },
    body: await scriptText(),
  };
}

async function messages(request: HttpRequest): Promise<HttpResponseInit> {
  const [{ parseMessageFilter, ledgerQuery, messagePage, MAX_ROWS_READ }, { listLedgerRows }] = await Promise.all([
    import('../shared/console/messages'),
    import('../shared/outbound/ledgerTable'),
  ]);
  const parsed = parseMessageFilter(new URL(request.url).searchParams);
  if (!parsed.ok) return json(400, { error: parsed.message, issues: [{ path: parsed.path, message: parsed.message }] });
  const rows = await listLedgerRows(ledgerQuery(parsed.value) ?? "PartitionKey ne ''", MAX_ROWS_READ);
  return json(200, messagePage(rows, parsed.value, rows.length < MAX_ROWS_READ));
}

async function message(key: string): Promise<HttpResponseInit> {
  const [{ IDEMPOTENCY_KEY }, { readLedgerRow }, { messageDetail }] = await Promise.all([
    import('../shared/outbound/fields'),
    import('../shared/outbound/ledgerTable'),
    import('../shared/console/messages'),
  ]);
  const row = IDEMPOTENCY_KEY.test(key) ? await readLedgerRow(key, 'request') : undefined;
  if (!row) return json(404, { error: 'No outbound message with this key.' });
  return json(200, messageDetail(row));
}

/** POST /api/console/optouts {address, sender?, keyword?} and optouts/remove {address, sender?}: /api/optouts/{address}'s PUT, DELETE. */
async function optOutChange(request: HttpRequest, context: InvocationContext, add: boolean): Promise<HttpResponseInit> {
  const [{ readOptOutChange }, { optOut }, { internalRequest }] = await Promise.all([
    import('../shared/console/optOutChange'),
    import('./optOut'),
    import('../shared/console/internalHttp'),
  ]);
  const change = readOptOutChange(await request.text(), add);
  if (!change.ok) return json(400, { error: change.error, ...(change.issues && { issues: change.issues }) });
  const params = { address: change.address };
  if (change.method === 'PUT') return optOut(internalRequest(request, { method: 'PUT', body: change.body, params }), context);
  return optOut(internalRequest(request, { method: 'DELETE', params, query: change.query }), context);
}

async function activity(request: HttpRequest): Promise<HttpResponseInit> {
  const { activityView } = await import('../shared/console/activityView');
  const { listActivity } = await import('../shared/activity/activityTable');
  const table = settings().activity.table;
  if (!table) return json(200, { items: [], off: 'ACTIVITY_TABLE is empty: inbound activity is not recorded.' });
  const query = new URL(request.url).searchParams;
  const { parseActivityQuery, ACTIVITY_ROWS_READ } = await import('../shared/console/activityView');
  const parsed = parseActivityQuery(query);
  if (!parsed.ok) return json(400, { error: parsed.message, issues: [{ path: parsed.path, message: parsed.message }] });
  const { rows, readAll } = await listActivity(table, { since: parsed.value.since, limit: ACTIVITY_ROWS_READ });
  const voicemails = rows.some((r) => r.recordingSid);
  const { recordingLinkKey } = await import('../shared/recordings/recordingBlob');
  const key = voicemails ? await recordingLinkKey() : undefined;
  return json(200, activityView(rows, parsed.value, { linkKey: key, now: new Date(), readAll }));
}

async function health(): Promise<HttpResponseInit> {
  const [{ healthChecks }] = await Promise.all([import('../shared/console/healthIo')]);
  return json(200, { checks: await healthChecks() });
}

async function settingsView(): Promise<HttpResponseInit> {
  const { settingsReport } = await import('../shared/console/settingsView');
  return json(200, { settings: settingsReport(SETTINGS, effectiveSettings()) });
}

app.http('console', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.console, handler: consoleHandler });

// The console's answers: access first (nothing is read for a refused or cross-site request), then the route, then
// the route's answer from the table below. Pure: storage, the console's script, the checks and the function-key API's
// own handlers come in as `io`; a storage outage inside a route is io.answeringStorageOutages' to answer (503).
import type { HttpResponseInit } from '@azure/functions';
import type { ActivityRow } from '../activity/activity';
import type { HeaderSource } from '../calling/principal';
import type { Check } from '../operations/doctorReport';
import type { LedgerRow } from '../outbound/ledger';
import { IDEMPOTENCY_KEY } from '../outbound/fields';
import { consoleAccess, crossSiteRefusal, type ConsoleAccessConfig } from './access';
import { ACTIVITY_ROWS_READ, activityView, parseActivityQuery } from './activityView';
import { matchConsoleRoute, type ConsoleRoute } from './consoleRoutes';
import { CONSOLE_PAGE_CSP, consolePage, type ConsolePageOptions } from './consolePage';
import { ledgerQuery, MAX_ROWS_READ, messageDetail, messagePage, parseMessageFilter } from './messages';
import { readOptOutChange } from './optOutChange';
import type { SettingView } from './settingsView';

export interface ConsoleConfig extends ConsoleAccessConfig {
  /** ACTIVITY_TABLE; undefined when inbound activity is not recorded. */
  activityTable: string | undefined;
}

export interface ConsoleRequest {
  method: string;
  /** The part of the route after /api/console/. */
  path: string;
  url: string;
  headers: HeaderSource;
  text(): Promise<string>;
}

/** A request to one of the function-key API's handlers, made from the console's request. */
export interface InternalCall {
  method: string;
  body?: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
}

export type InternalHandler = 'outboundCancel' | 'outboundPost' | 'optOutList' | 'optOut';

export interface ConsoleIo {
  /** Runs a route's work, answering a storage outage with a 503. */
  answeringStorageOutages(work: () => Promise<HttpResponseInit>): Promise<HttpResponseInit>;
  script(): Promise<string>;
  listLedgerRows(filter: string, limit: number): Promise<LedgerRow[]>;
  readLedgerRow(key: string): Promise<LedgerRow | undefined>;
  listActivity(table: string, options: { since?: string; limit: number }): Promise<{ rows: ActivityRow[]; readAll: boolean }>;
  recordingLinkKey(): Promise<Buffer>;
  healthChecks(): Promise<Check[]>;
  settingsReport(): SettingView[];
  internal(handler: InternalHandler, call: InternalCall): Promise<HttpResponseInit>;
  now(): Date;
}

const json = (status: number, body: unknown): HttpResponseInit => ({
  status,
  headers: { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
  jsonBody: body,
});

const page = (options: ConsolePageOptions, status: number): HttpResponseInit => ({
  status,
  headers: {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': CONSOLE_PAGE_CSP,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  },
  body: consolePage(options),
});

const badQuery = (parsed: { path: string; message: string }) =>
  json(400, { error: parsed.message, issues: [{ path: parsed.path, message: parsed.message }] });

interface RouteContext<R extends ConsoleRoute> {
  io: ConsoleIo;
  request: ConsoleRequest;
  route: R;
  config: ConsoleConfig;
  access: { who: string; localDeveloper: boolean };
}

type Answers = { [N in ConsoleRoute['name']]: (c: RouteContext<Extract<ConsoleRoute, { name: N }>>) => Promise<HttpResponseInit> };

/** POST /api/console/optouts {address, sender?, keyword?} and optouts/remove {address, sender?}: /api/optouts/{address}'s PUT, DELETE. */
async function optOutChange({ io, request }: RouteContext<ConsoleRoute>, add: boolean): Promise<HttpResponseInit> {
  const change = readOptOutChange(await request.text(), add);
  if (!change.ok) return json(400, { error: change.error, ...(change.issues && { issues: change.issues }) });
  const params = { address: change.address };
  if (change.method === 'PUT') return io.internal('optOut', { method: 'PUT', body: change.body, params });
  return io.internal('optOut', { method: 'DELETE', params, query: change.query });
}

const ANSWERS: Answers = {
  page: async ({ access }) => page({ who: access.who, localDeveloper: access.localDeveloper }, 200),
  script: async ({ io }) => ({
    status: 200,
    headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' },
    body: await io.script(),
  }),
  messages: async ({ io, request }) => {
    const parsed = parseMessageFilter(new URL(request.url).searchParams);
    if (!parsed.ok) return badQuery(parsed);
    const rows = await io.listLedgerRows(ledgerQuery(parsed.value) ?? "PartitionKey ne ''", MAX_ROWS_READ);
    return json(200, messagePage(rows, parsed.value, rows.length < MAX_ROWS_READ));
  },
  message: async ({ io, route }) => {
    const row = IDEMPOTENCY_KEY.test(route.key) ? await io.readLedgerRow(route.key) : undefined;
    if (!row) return json(404, { error: 'No outbound message with this key.' });
    return json(200, messageDetail(row));
  },
  cancel: ({ io, route }) => io.internal('outboundCancel', { method: 'DELETE', params: { key: route.key } }),
  send: async ({ io, request }) => io.internal('outboundPost', { method: 'POST', body: await request.text() }),
  activity: async ({ io, request, config }) => {
    const table = config.activityTable;
    if (!table) return json(200, { items: [], off: 'ACTIVITY_TABLE is empty: inbound activity is not recorded.' });
    const parsed = parseActivityQuery(new URL(request.url).searchParams);
    if (!parsed.ok) return badQuery(parsed);
    const { rows, readAll } = await io.listActivity(table, { since: parsed.value.since, limit: ACTIVITY_ROWS_READ });
    const linkKey = rows.some((r) => r.recordingSid) ? await io.recordingLinkKey() : undefined;
    return json(200, activityView(rows, parsed.value, { linkKey, now: io.now(), readAll }));
  },
  optouts: ({ io, request }) => io.internal('optOutList', { method: 'GET', query: Object.fromEntries(new URL(request.url).searchParams) }),
  optoutAdd: (c) => optOutChange(c, true),
  optoutRemove: (c) => optOutChange(c, false),
  health: async ({ io }) => json(200, { checks: await io.healthChecks() }),
  settings: async ({ io }) => json(200, { settings: io.settingsReport() }),
};

/**
 * /api/console and its JSON routes, for CONSOLE_ADMINS only (docs/console.md): 401/403 (the page, for a GET of it)
 * and the cross-site 403 before anything is read, 404/405 for no such route, then the route's answer.
 */
export async function answerConsole(io: ConsoleIo, config: ConsoleConfig, request: ConsoleRequest): Promise<HttpResponseInit> {
  const access = consoleAccess(request.headers, config);
  if (!access.ok) {
    const isPage = request.path.split('/').filter(Boolean).length === 0;
    if (isPage && request.method === 'GET') return page({ refused: access }, access.status);
    return json(access.status, { error: access.reason });
  }
  const refusal = crossSiteRefusal(request.method, request.headers, request.url);
  if (refusal) return json(403, { error: refusal });
  const match = matchConsoleRoute(request.method, request.path);
  if (!match.ok) return json(match.status, { error: match.status === 404 ? 'No such console route.' : 'Method not allowed here.' });
  const answer = ANSWERS[match.route.name] as (c: RouteContext<ConsoleRoute>) => Promise<HttpResponseInit>;
  return io.answeringStorageOutages(() => answer({ io, request, route: match.route, config, access }));
}

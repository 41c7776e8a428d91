// The console's answers against a fake io: refusals before any read, then every route's outcome.
import type { HttpResponseInit } from '@azure/functions';
import { answerConsole, type ConsoleConfig, type ConsoleIo, type ConsoleRequest } from '../../../shared/console/consoleAnswer';
import type { ActivityRow } from '../../../shared/activity/activity';
import type { LedgerRow } from '../../../shared/outbound/ledger';

const DEV: ConsoleConfig = { admins: [], isDevelopment: true, platformAuthEnabled: false, activityTable: 'activity' };
const NO_STORE = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
const KEY = 'order-1';
const ROW: LedgerRow = {
  key: KEY,
  status: 'sent',
  type: 'sms',
  to: '+14155550100',
  attempts: 1,
  createdAt: '2026-12-06T10:00:00.000Z',
  updatedAt: '2026-12-06T10:00:00.000Z',
};
const VOICEMAIL: ActivityRow = {
  eventId: 'e1',
  kind: 'voicemail',
  at: '2026-12-06T10:00:00.000Z',
  outcome: 'recorded',
  recordingSid: `RE${'a'.repeat(32)}`,
};
const INTERNAL: HttpResponseInit = { status: 202, jsonBody: { internal: true } };

function fakeIo(rows: { ledger?: LedgerRow[]; activity?: ActivityRow[] } = {}) {
  const io = {
    answeringStorageOutages: jest.fn((work: () => Promise<HttpResponseInit>) => work()),
    script: jest.fn(() => Promise.resolve('console.log(1)')),
    listLedgerRows: jest.fn(() => Promise.resolve(rows.ledger ?? [])),
    readLedgerRow: jest.fn((key: string) => Promise.resolve((rows.ledger ?? []).find((r) => r.key === key))),
    listActivity: jest.fn(() => Promise.resolve({ rows: rows.activity ?? [], readAll: true })),
    recordingLinkKey: jest.fn(() => Promise.resolve(Buffer.alloc(32, 1))),
    healthChecks: jest.fn(() => Promise.resolve([{ name: 'storage', ok: true, detail: 'reachable' }])),
    settingsReport: jest.fn(() => [{ name: 'ACTIVITY_TABLE' }]),
    internal: jest.fn(() => Promise.resolve(INTERNAL)),
    now: jest.fn(() => new Date('2026-12-06T12:00:00Z')),
  };
  return io as typeof io & ConsoleIo;
}

const calls = (io: ReturnType<typeof fakeIo>) =>
  Object.entries(io)
    .filter(([, f]) => (f as jest.Mock).mock.calls.length > 0)
    .map(([name]) => name);

function request(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; query?: string } = {},
): ConsoleRequest {
  const headers = new Map(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method,
    path,
    url: `http://localhost:7071/api/console/${path}${options.query ? `?${options.query}` : ''}`,
    headers: { get: (name) => headers.get(name.toLowerCase()) ?? null },
    text: () => Promise.resolve(options.body ?? ''),
  };
}
const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/json' };
const post = (path: string, body: string) => request('POST', path, { headers: SAME_ORIGIN, body });

describe('refusals come before any read', () => {
  test('403 with authentication off outside Development: the page for GET of it, JSON elsewhere', async () => {
    const io = fakeIo();
    const config = { ...DEV, isDevelopment: false };
    const page = await answerConsole(io, config, request('GET', ''));
    expect(page.status).toBe(403);
    expect(page.headers).toMatchObject({ 'Content-Type': 'text/html; charset=utf-8', 'Referrer-Policy': 'no-referrer' });
    expect(page.body).toContain('App Service Authentication is off');
    expect(await answerConsole(io, config, request('GET', 'messages'))).toEqual({
      status: 403,
      headers: NO_STORE,
      jsonBody: { error: expect.stringContaining('App Service Authentication is off') as unknown },
    });
    expect(await answerConsole(io, config, request('POST', ''))).toMatchObject({ status: 403, jsonBody: {} });
    expect(calls(io)).toEqual([]);
  });

  test('401 when not signed in with authentication on', async () => {
    const io = fakeIo();
    const config = { ...DEV, platformAuthEnabled: true, admins: ['admins'] };
    expect((await answerConsole(io, config, request('GET', ''))).status).toBe(401);
    expect(await answerConsole(io, config, request('GET', 'health'))).toEqual({
      status: 401,
      headers: NO_STORE,
      jsonBody: { error: 'Not signed in.' },
    });
    expect(calls(io)).toEqual([]);
  });

  test('403 for a change from another site, or without Origin, before the body is read', async () => {
    const io = fakeIo();
    const text = jest.fn(() => Promise.resolve('{}'));
    const crossSite = { ...request('POST', 'send', { headers: { 'Sec-Fetch-Site': 'cross-site' } }), text };
    expect(await answerConsole(io, DEV, crossSite)).toEqual({
      status: 403,
      headers: NO_STORE,
      jsonBody: { error: 'refused: a cross-site request cannot change anything here' },
    });
    expect((await answerConsole(io, DEV, { ...request('POST', 'optouts'), text })).jsonBody).toEqual({
      error: 'refused: a request that changes something must come from the console page (no Origin)',
    });
    expect(text).not.toHaveBeenCalled();
    expect(calls(io)).toEqual([]);
  });

  test('404 for no such route, 405 for the wrong method, nothing read', async () => {
    const io = fakeIo();
    expect(await answerConsole(io, DEV, request('GET', 'nowhere'))).toEqual({
      status: 404,
      headers: NO_STORE,
      jsonBody: { error: 'No such console route.' },
    });
    expect(await answerConsole(io, DEV, post('health', '{}'))).toEqual({
      status: 405,
      headers: NO_STORE,
      jsonBody: { error: 'Method not allowed here.' },
    });
    expect(calls(io)).toEqual([]);
  });
});

describe('routes', () => {
  test('the page greets the local developer, inside the storage-outage guard', async () => {
    const io = fakeIo();
    const page = await answerConsole(io, DEV, request('GET', ''));
    expect(page).toMatchObject({
      status: 200,
      headers: { 'Cache-Control': 'no-store', 'Content-Security-Policy': expect.any(String) as unknown },
    });
    expect(page.body).toContain('local developer');
    expect(io.answeringStorageOutages).toHaveBeenCalledTimes(1);
  });

  test('app.js: the script, revalidated', async () => {
    expect(await answerConsole(fakeIo(), DEV, request('GET', 'app.js'))).toEqual({
      status: 200,
      headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' },
      body: 'console.log(1)',
    });
  });

  test('messages: a bad filter is a 400 naming the field, unread; a good one reads the ledger', async () => {
    const io = fakeIo({ ledger: [ROW] });
    const bad = await answerConsole(io, DEV, request('GET', 'messages', { query: 'status=gone' }));
    expect(bad).toMatchObject({ status: 400, headers: NO_STORE, jsonBody: { issues: [{ path: 'status' }] } });
    expect(io.listLedgerRows).not.toHaveBeenCalled();
    const ok = await answerConsole(io, DEV, request('GET', 'messages'));
    expect(ok).toMatchObject({ status: 200, headers: NO_STORE, jsonBody: { items: [{ key: KEY }] } });
    expect(io.listLedgerRows).toHaveBeenCalledWith("PartitionKey ne ''", 5000);
  });

  test('one message: found, not found, and a key that cannot exist is not looked up', async () => {
    const io = fakeIo({ ledger: [ROW] });
    expect(await answerConsole(io, DEV, request('GET', `messages/${KEY}`))).toMatchObject({ status: 200, jsonBody: { key: KEY } });
    const missing = { status: 404, headers: NO_STORE, jsonBody: { error: 'No outbound message with this key.' } };
    expect(await answerConsole(io, DEV, request('GET', 'messages/other'))).toEqual(missing);
    expect(await answerConsole(io, DEV, request('GET', 'messages/%25bad'))).toEqual(missing);
    expect(io.readLedgerRow.mock.calls).toEqual([[KEY], ['other']]);
  });

  test('cancel, send and the opt-out list are the function-key API handlers', async () => {
    const io = fakeIo();
    expect(await answerConsole(io, DEV, post(`messages/${KEY}/cancel`, ''))).toBe(INTERNAL);
    expect(await answerConsole(io, DEV, post('send', '{"to":"+14155550100"}'))).toBe(INTERNAL);
    expect(await answerConsole(io, DEV, request('GET', 'optouts', { query: 'pageSize=5' }))).toBe(INTERNAL);
    expect(io.internal.mock.calls).toEqual([
      ['outboundCancel', { method: 'DELETE', params: { key: KEY } }],
      ['outboundPost', { method: 'POST', body: '{"to":"+14155550100"}' }],
      ['optOutList', { method: 'GET', query: { pageSize: '5' } }],
    ]);
  });

  test('opt-out add and remove: PUT and DELETE of /api/optouts/{address}; a bad body is a 400 there', async () => {
    const io = fakeIo();
    expect(await answerConsole(io, DEV, post('optouts', '{"address":"+14155550100","keyword":"STOP"}'))).toBe(INTERNAL);
    expect(await answerConsole(io, DEV, post('optouts/remove', '{"address":"+14155550100","sender":"+15005550006"}'))).toBe(INTERNAL);
    expect(io.internal.mock.calls).toEqual([
      ['optOut', { method: 'PUT', body: '{"keyword":"STOP"}', params: { address: '+14155550100' } }],
      ['optOut', { method: 'DELETE', params: { address: '+14155550100' }, query: { sender: '+15005550006' } }],
    ]);
    expect(await answerConsole(io, DEV, post('optouts', '{}'))).toEqual({
      status: 400,
      headers: NO_STORE,
      jsonBody: { error: 'The body needs an address: {"address": "+14155550100"}.', issues: [{ path: 'address', message: 'required' }] },
    });
    expect(await answerConsole(io, DEV, post('optouts/remove', 'nope'))).toEqual({
      status: 400,
      headers: NO_STORE,
      jsonBody: { error: 'The body must be JSON: {"address": "+14155550100"}.' },
    });
    expect(io.internal).toHaveBeenCalledTimes(2);
  });

  test('activity: off without a table, 400 for a bad query, voicemails get a play link (the key read only then)', async () => {
    const off = fakeIo();
    expect(await answerConsole(off, { ...DEV, activityTable: undefined }, request('GET', 'activity'))).toEqual({
      status: 200,
      headers: NO_STORE,
      jsonBody: { items: [], off: 'ACTIVITY_TABLE is empty: inbound activity is not recorded.' },
    });
    expect(calls(off)).toEqual(['answeringStorageOutages']);
    const io = fakeIo({ activity: [VOICEMAIL] });
    expect(await answerConsole(io, DEV, request('GET', 'activity', { query: 'kind=fax' }))).toMatchObject({
      status: 400,
      jsonBody: { issues: [{ path: 'kind' }] },
    });
    expect(io.listActivity).not.toHaveBeenCalled();
    const listed = await answerConsole(io, DEV, request('GET', 'activity', { query: 'since=2026-12-01' }));
    expect(listed).toMatchObject({
      status: 200,
      jsonBody: { items: [{ eventId: 'e1', playUrl: expect.stringContaining('/recordings/RE') as unknown }], truncated: false },
    });
    expect(io.listActivity).toHaveBeenCalledWith('activity', { since: '2026-12-01T00:00:00.000Z', limit: 5000 });
    const plain = fakeIo({ activity: [{ ...VOICEMAIL, kind: 'sms', recordingSid: undefined }] });
    await answerConsole(plain, DEV, request('GET', 'activity'));
    expect(plain.recordingLinkKey).not.toHaveBeenCalled();
  });

  test('health and settings', async () => {
    const io = fakeIo();
    expect(await answerConsole(io, DEV, request('GET', 'health'))).toEqual({
      status: 200,
      headers: NO_STORE,
      jsonBody: { checks: [{ name: 'storage', ok: true, detail: 'reachable' }] },
    });
    expect(await answerConsole(io, DEV, request('GET', 'settings'))).toEqual({
      status: 200,
      headers: NO_STORE,
      jsonBody: { settings: [{ name: 'ACTIVITY_TABLE' }] },
    });
  });

  test('a storage outage inside a route is the io guard’s to answer', async () => {
    const io = fakeIo();
    io.healthChecks.mockRejectedValue(new Error('down'));
    io.answeringStorageOutages.mockImplementation((work) => work().catch(() => ({ status: 503 })));
    expect(await answerConsole(io, DEV, request('GET', 'health'))).toEqual({ status: 503 });
  });
});

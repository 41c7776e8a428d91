import { ledgerQuery, messageDetail, messagePage, parseMessageFilter, twilioErrorLink } from '../../../shared/console/messages';
import type { LedgerRow } from '../../../shared/outbound/ledger';
import { matchConsoleRoute } from '../../../shared/console/consoleRoutes';

const row = (key: string, createdAt: string, fields: Partial<LedgerRow> = {}): LedgerRow => ({
  key,
  status: 'sent',
  type: 'sms',
  to: '+14155550100',
  attempts: 1,
  createdAt,
  updatedAt: createdAt,
  ...fields,
});

const parse = (query: string) => {
  const parsed = parseMessageFilter(new URLSearchParams(query));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};

test('the filter: every field checked, and what the table can apply becomes its query', () => {
  const filter = parse('status=failed&type=sms&since=2026-12-01&until=2026-12-06T10:00:00Z&to=+1 (415) 555');
  expect(filter).toMatchObject({ status: 'failed', type: 'sms', toDigits: '1415555', since: '2026-12-01T00:00:00.000Z' });
  expect(ledgerQuery(filter)).toBe(
    "status eq 'failed' and type eq 'sms' and createdAt ge '2026-12-01T00:00:00.000Z' and createdAt le '2026-12-06T10:00:00.000Z'",
  );
  expect(ledgerQuery(parse(''))).toBeUndefined();
  for (const bad of [
    'status=gone',
    'type=fax',
    'channel=pigeon',
    'to=abc',
    "since=2026-12-01' or 1",
    'pageSize=0',
    'pageSize=1000',
    'before=x',
  ])
    expect(parseMessageFilter(new URLSearchParams(bad))).toMatchObject({ ok: false });
});

test('newest first, a page at a time, filtered by recipient digits and channel', () => {
  const rows = [
    row('a', '2026-12-01T10:00:00.000Z'),
    row('b', '2026-12-03T10:00:00.000Z', { to: 'whatsapp:+14155550100' }),
    row('c', '2026-12-02T10:00:00.000Z', { to: '+447700900123' }),
    row('d', '2026-12-04T10:00:00.000Z', { type: 'call' }),
  ];
  const first = messagePage(rows, parse('pageSize=2'), true);
  expect(first.items.map((m) => m.key)).toEqual(['d', 'b']);
  expect(first.next).toBe('2026-12-03T10:00:00.000Z|b');
  const second = messagePage(rows, parse(`pageSize=2&before=${encodeURIComponent(first.next!)}`), true);
  expect(second.items.map((m) => m.key)).toEqual(['c', 'a']);
  expect(second.next).toBeUndefined();
  expect(messagePage(rows, parse('to=7700900'), true).items.map((m) => m.key)).toEqual(['c']);
  expect(messagePage(rows, parse('channel=whatsapp'), true).items.map((m) => [m.key, m.channel])).toEqual([['b', 'whatsapp']]);
  expect(messagePage(rows, parse('channel=call'), true).items.map((m) => m.key)).toEqual(['d']);
  expect(messagePage(rows, parse(''), false).truncated).toBe(true);
});

test("the detail: every status change with its event, the error with Twilio's link, and what can be done", () => {
  const failed = row('k', '2026-12-01T10:00:00.000Z', {
    status: 'failed',
    errorCode: 21211,
    errorMessage: 'invalid To',
    statusHistory: [
      { status: 'accepted', at: '2026-12-01T10:00:00.000Z', eventId: 'e1' },
      { status: 'failed', at: '2026-12-01T10:00:01.000Z', eventId: 'e2', errorCode: 21211 },
    ],
    claimId: 'secret-claim',
  });
  const detail = messageDetail(failed);
  expect(detail.errorLink).toBe('https://www.twilio.com/docs/api/errors/21211');
  expect(detail.history).toEqual([
    { status: 'accepted', at: '2026-12-01T10:00:00.000Z', eventId: 'e1' },
    {
      status: 'failed',
      at: '2026-12-01T10:00:01.000Z',
      eventId: 'e2',
      errorCode: 21211,
      errorLink: 'https://www.twilio.com/docs/api/errors/21211',
    },
  ]);
  expect(detail).toMatchObject({ canCancel: false, canResend: true });
  expect(JSON.stringify(detail)).not.toContain('secret-claim');
  const scheduled = messageDetail(row('s', '2026-12-01T10:00:00.000Z', { status: 'accepted', sendAt: '2026-12-09T10:00:00.000Z' }));
  expect(scheduled).toMatchObject({ canCancel: true, canResend: false });
  // A row without a kept history (events off): what its times say, marked as derived.
  expect(messageDetail(row('o', '2026-12-01T10:00:00.000Z', { sentAt: '2026-12-01T10:00:02.000Z' })).history).toEqual([
    { status: 'accepted', at: '2026-12-01T10:00:00.000Z', derived: true },
    { status: 'sent', at: '2026-12-01T10:00:02.000Z', derived: true },
  ]);
  expect(twilioErrorLink('not a code')).toBeUndefined();
});

test('routes: each method and path, 404 and 405 otherwise', () => {
  expect(matchConsoleRoute('GET', '')).toEqual({ ok: true, route: { name: 'page' } });
  expect(matchConsoleRoute('GET', 'messages/abc')).toEqual({ ok: true, route: { name: 'message', key: 'abc' } });
  expect(matchConsoleRoute('POST', 'messages/abc/cancel')).toEqual({ ok: true, route: { name: 'cancel', key: 'abc' } });
  expect(matchConsoleRoute('POST', 'optouts')).toEqual({ ok: true, route: { name: 'optoutAdd' } });
  expect(matchConsoleRoute('GET', 'send')).toEqual({ ok: false, status: 405 });
  expect(matchConsoleRoute('POST', 'messages')).toEqual({ ok: false, status: 405 });
  expect(matchConsoleRoute('GET', 'nothing/here')).toEqual({ ok: false, status: 404 });
});

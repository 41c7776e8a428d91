// The console's view of the ledger: the filters a person asks for, the table query they become, and the rows as
// the page shows them, newest first, a page at a time. Pure: the rows come in from ledgerTable.ts.
import { LEDGER_STATUSES, type LedgerRow, type LedgerStatus, type StatusChange } from '../outbound/ledger';

export const CHANNELS = ['sms', 'whatsapp', 'call'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface MessageFilter {
  status?: LedgerStatus;
  type?: 'sms' | 'call';
  channel?: Channel;
  /** Digits the recipient's number contains. */
  toDigits?: string;
  /** ISO instants: created at or after `since`, before `until`. */
  since?: string;
  until?: string;
  /** Rows older than this cursor (the previous page's `next`). */
  before?: { createdAt: string; key: string };
  pageSize: number;
}

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;
/**
 * The ledger is keyed by idempotency key, not by time, so a page is found by reading the rows the filter's table
 * query selects and sorting them. This many at most per request: the answer says when there were more, and a
 * date filter narrows the read.
 */
export const MAX_ROWS_READ = 5000;

export type Parsed<T> = { ok: true; value: T } | { ok: false; path: string; message: string };

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const CURSOR = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\|(.{1,256})$/;

function instant(value: string, path: string): Parsed<string> {
  if (!ISO_DATE.test(value) || Number.isNaN(Date.parse(value)))
    return { ok: false, path, message: `${path} must be a date or an ISO 8601 time, e.g. 2026-12-06 or 2026-12-06T09:00:00Z` };
  return { ok: true, value: new Date(value).toISOString() };
}

/** The filter in a query string; every field is optional. */
export function parseMessageFilter(query: URLSearchParams): Parsed<MessageFilter> {
  const filter: MessageFilter = { pageSize: DEFAULT_PAGE_SIZE };
  const fail = (path: string, message: string): Parsed<MessageFilter> => ({ ok: false, path, message });
  const status = query.get('status') || undefined;
  if (status !== undefined) {
    if (!(LEDGER_STATUSES as readonly string[]).includes(status))
      return fail('status', `status must be one of ${LEDGER_STATUSES.join(', ')}`);
    filter.status = status as LedgerStatus;
  }
  const type = query.get('type') || undefined;
  if (type !== undefined) {
    if (type !== 'sms' && type !== 'call') return fail('type', 'type must be sms or call');
    filter.type = type;
  }
  const channel = query.get('channel') || undefined;
  if (channel !== undefined) {
    if (!(CHANNELS as readonly string[]).includes(channel)) return fail('channel', `channel must be one of ${CHANNELS.join(', ')}`);
    filter.channel = channel as Channel;
  }
  const to = query.get('to') || undefined;
  if (to !== undefined) {
    const digits = to.replace(/[\s().+-]/g, '');
    if (!/^\d{1,15}$/.test(digits)) return fail('to', 'to must be digits of the recipient number (spaces, +, -, ( and ) are ignored)');
    filter.toDigits = digits;
  }
  for (const name of ['since', 'until'] as const) {
    const value = query.get(name) || undefined;
    if (value === undefined) continue;
    const parsed = instant(value, name);
    if (!parsed.ok) return parsed;
    filter[name] = parsed.value;
  }
  const before = query.get('before') || undefined;
  if (before !== undefined) {
    const match = CURSOR.exec(before);
    if (!match || Number.isNaN(Date.parse(match[1]))) return fail('before', 'before must be the value of next from the previous page');
    filter.before = { createdAt: match[1], key: match[2] };
  }
  const size = query.get('pageSize');
  if (size !== null && size !== '') {
    const n = Number(size);
    if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE)
      return fail('pageSize', `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    filter.pageSize = n;
  }
  return { ok: true, value: filter };
}

const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** The part of the filter the table can apply (OData); the rest is applied to the rows read (matchesFilter). */
export function ledgerQuery(filter: MessageFilter): string | undefined {
  const parts: string[] = [];
  if (filter.status) parts.push(`status eq ${quoted(filter.status)}`);
  if (filter.type) parts.push(`type eq ${quoted(filter.type)}`);
  if (filter.channel === 'call') parts.push(`type eq 'call'`);
  if (filter.since) parts.push(`createdAt ge ${quoted(filter.since)}`);
  const until = [filter.until, filter.before?.createdAt].filter((v): v is string => !!v).sort()[0];
  if (until) parts.push(`createdAt le ${quoted(until)}`);
  return parts.length ? parts.join(' and ') : undefined;
}

export function channelOf(row: Pick<LedgerRow, 'type' | 'to'>): Channel {
  if (row.type === 'call') return 'call';
  return row.to?.startsWith('whatsapp:') ? 'whatsapp' : 'sms';
}

const newestFirst = (a: Pick<LedgerRow, 'createdAt' | 'key'>, b: Pick<LedgerRow, 'createdAt' | 'key'>) =>
  a.createdAt === b.createdAt ? (a.key < b.key ? 1 : a.key > b.key ? -1 : 0) : a.createdAt < b.createdAt ? 1 : -1;

export function matchesFilter(row: LedgerRow, filter: MessageFilter): boolean {
  if (filter.status && row.status !== filter.status) return false;
  if (filter.type && (row.type ?? 'sms') !== filter.type) return false;
  if (filter.channel && channelOf(row) !== filter.channel) return false;
  if (filter.toDigits && !(row.to ?? '').replace(/\D/g, '').includes(filter.toDigits)) return false;
  if (filter.since && row.createdAt < filter.since) return false;
  if (filter.until && row.createdAt >= filter.until) return false;
  if (filter.before && newestFirst(row, { createdAt: filter.before.createdAt, key: filter.before.key }) <= 0) return false;
  return true;
}

export interface MessageSummary {
  key: string;
  status: LedgerStatus;
  channel: Channel;
  to?: string;
  from?: string;
  sid?: string;
  twilioStatus?: string;
  errorCode?: number | string;
  sendAt?: string;
  createdAt: string;
  updatedAt: string;
}

export function summary(row: LedgerRow): MessageSummary {
  const { key, status, to, from, sid, twilioStatus, errorCode, sendAt, createdAt, updatedAt } = row;
  return withoutUndefined({ key, status, channel: channelOf(row), to, from, sid, twilioStatus, errorCode, sendAt, createdAt, updatedAt });
}

export interface MessagePage {
  items: MessageSummary[];
  /** The `before` of the next page, when there is one. */
  next?: string;
  /** The table held more matching rows than one request reads: narrow the dates to see them all. */
  truncated: boolean;
}

/** One page of the rows read, newest first. `readAll`: the read reached the end of what the query selects. */
export function messagePage(rows: LedgerRow[], filter: MessageFilter, readAll: boolean): MessagePage {
  const matching = rows.filter((row) => matchesFilter(row, filter)).sort(newestFirst);
  const items = matching.slice(0, filter.pageSize);
  const last = items.at(-1);
  const more = matching.length > filter.pageSize || (!readAll && items.length === filter.pageSize);
  return { items: items.map(summary), next: more && last ? `${last.createdAt}|${last.key}` : undefined, truncated: !readAll };
}

export const twilioErrorLink = (code: number | string) =>
  /^\d{3,6}$/.test(String(code)) ? `https://www.twilio.com/docs/api/errors/${code}` : undefined;

export interface MessageDetail extends MessageSummary {
  type?: string;
  messagingServiceSid?: string;
  errorMessage?: string;
  errorLink?: string;
  reason?: string;
  attempts: number;
  sentAt?: string;
  completedAt?: string;
  canceledAt?: string;
  answeredBy?: string;
  duplicateSids?: string[];
  correlationId?: string;
  metadata?: Record<string, unknown>;
  history: Array<StatusChange & { errorLink?: string; derived?: boolean }>;
  canCancel: boolean;
  canResend: boolean;
}

const RESENDABLE: ReadonlySet<LedgerStatus> = new Set(['failed', 'undelivered', 'poisoned', 'rejected']);

/**
 * Every status change: the events' own record when the row kept one; for a row written before that (or with events
 * off) what its timestamps tell, marked as derived.
 */
function historyOf(row: LedgerRow): MessageDetail['history'] {
  const linked = (h: StatusChange) =>
    withoutUndefined({ ...h, errorLink: h.errorCode === undefined ? undefined : twilioErrorLink(h.errorCode) });
  if (row.statusHistory?.length) return row.statusHistory.map(linked);
  const derived: MessageDetail['history'] = [{ status: 'accepted', at: row.createdAt, eventId: '', derived: true }];
  if (row.sentAt) derived.push({ status: 'sent', at: row.sentAt, eventId: '', derived: true });
  if (row.canceledAt) derived.push({ status: 'canceled', at: row.canceledAt, eventId: '', derived: true });
  else if (row.status !== 'accepted' && row.status !== 'sent')
    derived.push(
      withoutUndefined({ status: row.status, at: row.completedAt ?? row.updatedAt, eventId: '', errorCode: row.errorCode, derived: true }),
    );
  return derived.map((h) => withoutUndefined({ ...h, eventId: h.eventId || undefined })) as MessageDetail['history'];
}

export function messageDetail(row: LedgerRow): MessageDetail {
  return withoutUndefined({
    ...summary(row),
    type: row.type,
    messagingServiceSid: row.messagingServiceSid,
    errorMessage: row.errorMessage,
    errorLink: row.errorCode === undefined ? undefined : twilioErrorLink(row.errorCode),
    reason: row.reason,
    attempts: row.attempts,
    sentAt: row.sentAt,
    completedAt: row.completedAt,
    canceledAt: row.canceledAt,
    answeredBy: row.answeredBy,
    duplicateSids: row.duplicateSids ? row.duplicateSids.split(',') : undefined,
    correlationId: row.correlationId,
    metadata: row.metadata,
    history: historyOf(row),
    canCancel: row.status === 'accepted',
    canResend: RESENDABLE.has(row.status),
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// The console's view of the inbound activity table: newest first, filtered by kind and date, with a voicemail's
// playback link (the app's own signed recording link, valid for an hour). Pure: the rows and the key come in.
import { ACTIVITY_KINDS, type ActivityKind, type ActivityRow } from '../activity/activity';
import { ROUTE_PREFIX } from '../platform/routes';
import { RECORDING_SID, recordingLinkQuery } from '../recordings/recordingLink';

export const ACTIVITY_ROWS_READ = 5000;
const PAGE = 200;
const LINK_SECONDS = 3600;

export interface ActivityQuery {
  kind?: ActivityKind;
  since?: string;
}

export function parseActivityQuery(
  query: URLSearchParams,
): { ok: true; value: ActivityQuery } | { ok: false; path: string; message: string } {
  const value: ActivityQuery = {};
  const kind = query.get('kind') || undefined;
  if (kind !== undefined) {
    if (!(ACTIVITY_KINDS as readonly string[]).includes(kind))
      return { ok: false, path: 'kind', message: `kind must be one of ${ACTIVITY_KINDS.join(', ')}` };
    value.kind = kind as ActivityKind;
  }
  const since = query.get('since') || undefined;
  if (since !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/.test(since) || Number.isNaN(Date.parse(since)))
      return { ok: false, path: 'since', message: 'since must be a date such as 2026-12-06 or an ISO 8601 UTC time' };
    value.since = new Date(since).toISOString();
  }
  return { ok: true, value };
}

export interface ActivityItem extends ActivityRow {
  /** Plays the voicemail: /api/recordings/{sid}?exp=..&sig=.. */
  playUrl?: string;
}

export function activityView(
  rows: ActivityRow[],
  query: ActivityQuery,
  options: { linkKey?: Buffer; now: Date; readAll: boolean },
): { items: ActivityItem[]; truncated: boolean } {
  const expiresAt = Math.floor(options.now.getTime() / 1000) + LINK_SECONDS;
  const items = rows
    .filter((r) => !query.kind || r.kind === query.kind)
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    .slice(0, PAGE)
    .map((row): ActivityItem => {
      const sid = row.recordingSid;
      if (row.kind !== 'voicemail' || !sid || !RECORDING_SID.test(sid) || !options.linkKey) return row;
      return { ...row, playUrl: `/${ROUTE_PREFIX}/recordings/${sid}?${recordingLinkQuery(options.linkKey, { sid, expiresAt })}` };
    });
  return { items, truncated: !options.readAll || rows.filter((r) => !query.kind || r.kind === query.kind).length > PAGE };
}

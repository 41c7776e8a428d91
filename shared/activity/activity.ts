// What the number received, one row per inbound event: a call arriving and what it got, a text and what became of
// it, a voicemail. Written by the webhooks from the events they already make (shared/events/inboundEvents.ts),
// before they answer, keyed by the event's id so that Twilio's retry of a webhook writes the same row again rather
// than a second one. Pure.
import type { CloudEvent } from '../events/cloudEvent';
import { EVENT_TYPES } from '../events/cloudEvent';

export const ACTIVITY_KINDS = ['call', 'sms', 'voicemail', 'transcription'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** What the number did with it, in words a person reads (forwarded, voicemail, menu, rejected, queued, auto-replied, ...). */
export type ActivityOutcome = string;

export interface ActivityRow {
  /** The event's id: one row per event. */
  eventId: string;
  kind: ActivityKind;
  /** The event's time (ISO 8601). */
  at: string;
  /** CallSid or MessageSid. */
  sid?: string;
  from?: string;
  to?: string;
  outcome: ActivityOutcome;
  recordingSid?: string;
  durationSeconds?: number;
  correlationId?: string;
}

/** Calls: what VOICE_MODE (or VOICE_CLOSED_MODE) gives a caller, as the console says it. */
export const CALL_OUTCOMES: Record<string, string> = {
  message: 'greeted',
  forward: 'forwarded',
  voicemail: 'voicemail',
  menu: 'menu',
  queue: 'queued',
  client: 'rang browsers',
};

export function callOutcome(decision: { refused: boolean; open: boolean; mode: string }): ActivityOutcome {
  if (decision.refused) return 'rejected';
  const outcome = CALL_OUTCOMES[decision.mode] ?? decision.mode;
  return decision.open ? outcome : `closed: ${outcome}`;
}

export interface SmsDecision {
  keyword?: 'optOut' | 'optIn' | 'help';
  blocked: boolean;
  autoReplied: boolean;
  relayed: boolean;
}

export function smsOutcome(decision: SmsDecision): ActivityOutcome {
  if (decision.blocked) return 'blocked';
  const parts: string[] = [];
  if (decision.keyword === 'optOut') parts.push('opted out');
  else if (decision.keyword === 'optIn') parts.push('opted in');
  else if (decision.keyword === 'help') parts.push('help');
  if (decision.autoReplied) parts.push('auto-replied');
  if (decision.relayed) parts.push('relayed');
  return parts.length ? parts.join(', ') : 'received';
}

type Data = Record<string, unknown>;
const str = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

/** The activity row an inbound event makes, or undefined for an event that is not inbound activity. */
export function activityFromEvent(event: CloudEvent, outcome: ActivityOutcome): ActivityRow | undefined {
  const data = (event.data ?? {}) as Data;
  const common = { eventId: event.id, at: event.time, outcome, correlationId: correlationOf(event) };
  switch (event.type) {
    case EVENT_TYPES.callReceived:
      return clean({ ...common, kind: 'call' as const, sid: str(data.callSid), from: str(data.from), to: str(data.to) });
    case EVENT_TYPES.smsReceived:
      return clean({ ...common, kind: 'sms' as const, sid: str(data.messageSid), from: str(data.from), to: str(data.to) });
    case EVENT_TYPES.voicemailRecorded:
      return clean({
        ...common,
        kind: 'voicemail' as const,
        sid: str(data.callSid),
        from: str(data.from),
        recordingSid: str(data.recordingSid),
        durationSeconds: typeof data.durationSeconds === 'number' ? data.durationSeconds : undefined,
      });
    case EVENT_TYPES.voicemailTranscribed:
      return clean({
        ...common,
        kind: 'transcription' as const,
        sid: str(data.callSid),
        from: str(data.from),
        recordingSid: str(data.recordingSid),
      });
    default:
      return undefined;
  }
}

function correlationOf(event: CloudEvent): string | undefined {
  const match = /^00-([0-9a-f]{32})-/.exec(event.traceparent ?? '');
  return match?.[1];
}

function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A stored row, checked field by field. */
export function parseActivityRow(fields: Record<string, unknown>): ActivityRow | undefined {
  const { eventId, kind, at, outcome } = fields;
  if (typeof eventId !== 'string' || typeof at !== 'string' || typeof outcome !== 'string') return undefined;
  if (typeof kind !== 'string' || !(ACTIVITY_KINDS as readonly string[]).includes(kind)) return undefined;
  const row: ActivityRow = { eventId, kind: kind as ActivityKind, at, outcome };
  for (const name of ['sid', 'from', 'to', 'recordingSid', 'correlationId'] as const)
    if (typeof fields[name] === 'string') row[name] = fields[name];
  if (typeof fields.durationSeconds === 'number') row.durationSeconds = fields.durationSeconds;
  return row;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** OData filter of the rows the retention timer deletes: older than `days`. */
export function activityRetentionFilter(now: Date, days: number): string {
  return `at lt '${new Date(now.getTime() - days * DAY_MS).toISOString()}'`;
}

/**
 * The retention timer's run: deletes the rows older than `retentionDays` (they hold phone numbers) and writes one
 * line with how many; with ACTIVITY_TABLE empty (activity not recorded), nothing.
 */
export async function retainActivity(
  deleteActivity: (table: string, filter: string) => Promise<number>,
  { table, retentionDays }: { table?: string; retentionDays: number },
  now: Date,
  log: (line: string) => void,
): Promise<void> {
  if (!table) return;
  const deleted = await deleteActivity(table, activityRetentionFilter(now, retentionDays));
  log(JSON.stringify({ event: 'activity-retention', retentionDays, deleted }));
}

/** The value `make` returns, made at most once and only when first asked for. */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

// npm run replay: which messages of <queue>-poison go back on the queue, and under which key. Pure: the script
// (scripts/replay.ts) reads the poison queue and the ledger and does the moving.
//
// A replayed message must keep the key it had, so that its ledger row continues from `poisoned` (looked up on Twilio
// before any resend) instead of starting a second send under a new key. A message with its own idempotencyKey, or an
// Event Grid event (keyed by its event id), keeps its key as it is. A message keyed by its queue message id lost that
// id when the host copied it to the poison queue; it is matched to its poisoned ledger row by what the row records
// of it (type, to, from, sendAt, metadata), and replayed only when exactly one row matches.
import { readDelivery } from './envelope';
import type { LedgerRow } from './ledger';

export interface PoisonMessage {
  messageId: string;
  text: string;
  /** When the host put it in the poison queue. */
  insertedOn?: Date;
}

export interface ReplayFilter {
  /** Only these keys (after matching). Empty: every key. */
  keys: string[];
  /** Only messages that went to the poison queue at least this long ago. */
  olderThanMs?: number;
  /** Only messages that went to the poison queue at most this long ago. */
  newerThanMs?: number;
}

export type ReplayDecision =
  { action: 'replay'; key: string; text: string; how: 'own key' | 'matched ledger row' } | { action: 'skip'; key?: string; reason: string };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The poisoned rows that record this message: same type, recipient, sender, schedule and metadata. */
export function matchingPoisonedRows(payload: Json, rows: LedgerRow[]): LedgerRow[] {
  return rows.filter(
    (row) =>
      row.status === 'poisoned' &&
      row.type === payload.type &&
      row.to === payload.to &&
      (payload.from === undefined || row.from === payload.from) &&
      same(row.sendAt, payload.sendAt) &&
      same(row.metadata, payload.metadata),
  );
}

function ageAllowed(message: PoisonMessage, filter: ReplayFilter, now: Date): string | undefined {
  if (filter.olderThanMs === undefined && filter.newerThanMs === undefined) return undefined;
  if (!message.insertedOn) return 'the poison queue gives no insertion time';
  const age = now.getTime() - message.insertedOn.getTime();
  if (filter.olderThanMs !== undefined && age < filter.olderThanMs) return 'newer than --older-than';
  if (filter.newerThanMs !== undefined && age > filter.newerThanMs) return 'older than --newer-than';
  return undefined;
}

/**
 * What to do with one poison message. `poisonedRows` are the ledger's poisoned rows for the message's recipient
 * (only consulted when the message has no key of its own).
 */
export function decideReplay(message: PoisonMessage, poisonedRows: LedgerRow[], filter: ReplayFilter, now: Date): ReplayDecision {
  const tooOld = ageAllowed(message, filter, now);
  if (tooOld) return { action: 'skip', reason: tooOld };
  const delivery = readDelivery(message.text, undefined);
  if (delivery.undecodable) return { action: 'skip', reason: `undecodable (${delivery.undecodable}); it was rejected, nothing to replay` };
  let decision: ReplayDecision;
  if (delivery.keySource === 'idempotencyKey' || delivery.keySource === 'event id') {
    decision = { action: 'replay', key: delivery.key, text: message.text, how: 'own key' };
  } else if (!isObject(delivery.payload)) {
    return { action: 'skip', reason: 'not a JSON object' };
  } else {
    const matches = matchingPoisonedRows(delivery.payload, poisonedRows);
    if (matches.length !== 1) {
      return {
        action: 'skip',
        reason: matches.length
          ? `${matches.length} poisoned ledger rows match it; replay it by hand with its key`
          : 'no poisoned ledger row matches it (already replayed, or deleted by retention)',
      };
    }
    const key = matches[0].key;
    decision = { action: 'replay', key, text: JSON.stringify({ ...delivery.payload, idempotencyKey: key }), how: 'matched ledger row' };
  }
  if (filter.keys.length && !filter.keys.includes(decision.key))
    return { action: 'skip', key: decision.key, reason: 'not one of the --key values' };
  return decision;
}

/** The recipient whose poisoned rows decideReplay needs: set only for a message without a key of its own. */
export function recipientToMatch(text: string): string | undefined {
  const delivery = readDelivery(text, undefined);
  if (delivery.undecodable || delivery.keySource !== 'message hash' || !isObject(delivery.payload)) return undefined;
  return typeof delivery.payload.to === 'string' ? delivery.payload.to : undefined;
}

/** "90s", "15m", "2h", "7d" to milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration such as 90s, 15m, 2h or 7d`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

// The status re-check: Twilio does not retry a status callback that fails, so a row that hears nothing after it
// was sent has its status fetched from Twilio, by a delayed message on the outbound queue (not a timer), backing
// off and giving up after MAX_STATUS_CHECKS. Pure: the message, the delays and the row's note.
import { IDEMPOTENCY_KEY, MAX_QUEUE_DELAY_MS } from './fields';
import type { LedgerRow, Transition } from './ledger';
import { isCorrelationId } from './correlation';

export const MAX_STATUS_CHECKS = 6;

/** The queue message: a field no outbound message has, so it cannot be mistaken for one. */
export interface StatusCheckMessage {
  /** correlationId: the message's (its ledger row's), so the check's log lines carry it before the row is read. */
  statusCheck: { key: string; check: number; correlationId?: string };
}

export function statusCheckMessage(key: string, check: number, correlationId?: string): StatusCheckMessage {
  return { statusCheck: { key, check, ...(correlationId && { correlationId }) } };
}

export function readStatusCheck(payload: unknown): { key: string; check: number; correlationId?: string } | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const value = (payload as { statusCheck?: unknown }).statusCheck;
  if (typeof value !== 'object' || value === null || Object.keys(payload).length !== 1) return undefined;
  const { key, check, correlationId } = value as { key?: unknown; check?: unknown; correlationId?: unknown };
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key) || typeof check !== 'number' || !Number.isInteger(check) || check < 1)
    return undefined;
  return { key, check: Math.min(check, MAX_STATUS_CHECKS), ...(isCorrelationId(correlationId) && { correlationId }) };
}

/** Check n waits afterMs x 2^(n-1) after the one before (check 1: after the send), at most the queue's 7 days. */
export function checkDelayMs(afterMs: number, check: number): number {
  return Math.min(afterMs * 2 ** (check - 1), MAX_QUEUE_DELAY_MS);
}

/** How long all checks take together, in words, for the reason. */
export function checksSpan(afterMs: number): string {
  let total = 0;
  for (let check = 1; check <= MAX_STATUS_CHECKS; check++) total += checkDelayMs(afterMs, check);
  const hours = total / 3_600_000;
  return hours >= 1 ? `${Math.round(hours * 10) / 10} h` : `${Math.round(total / 60_000)} min`;
}

/** The last check found no final status: the row stays where it is, with why, and how many checks were made. */
export function checksEnded(update: { reason: string; checks: number; now: Date }): Transition {
  return (row: LedgerRow | undefined) => {
    if (!row || row.status !== 'sent') return undefined;
    return { ...row, reason: update.reason, statusChecks: update.checks, updatedAt: update.now.toISOString() };
  };
}

/** The reason a row keeps `sent` after every check: an outcome, not an error. */
export function noFinalStatusReason(twilioStatus: string | undefined, checks: number, afterMs: number): string {
  return (
    `Twilio still reports ${twilioStatus ?? 'no final status'} after ${checks} status checks over ${checksSpan(afterMs)}; ` +
    'the carrier sends no delivery report for this message, so it stays sent'
  );
}

// Which ledger rows the retention timer deletes: rows in a final state (nothing will change them again except a
// late callback) last written before the cutoff. Rows still waiting, sending or poisoned are kept whatever their
// age, and so is every opt-out. Pure: the filter is applied by ledgerTable.deleteFinalRowsUpdatedBefore.
import { MAX_QUEUE_DELAY_MS, MAX_SCHEDULE_MS } from './fields';
import { isFinal, LEDGER_STATUSES } from './ledger';

const DAY_MS = 24 * 60 * 60 * 1000;

export const FINAL_STATUSES = LEDGER_STATUSES.filter(isFinal);

/**
 * A canceled row is what stops its queued message, which may come due up to 35 days (plus a last queue
 * hop) after the cancel. It is kept that much longer than the other final rows, so the message finds it.
 */
export const CANCELED_EXTRA_MS = MAX_SCHEDULE_MS + MAX_QUEUE_DELAY_MS;

export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/** OData filter for the table query: final rows whose updatedAt (an ISO-8601 UTC string, so ordered as text) is older. */
export function retentionFilter(cutoff: Date): string {
  const statuses = FINAL_STATUSES.filter((s) => s !== 'canceled')
    .map((s) => `status eq '${s}'`)
    .join(' or ');
  const canceledCutoff = new Date(cutoff.getTime() - CANCELED_EXTRA_MS).toISOString();
  return `updatedAt lt '${cutoff.toISOString()}' and (${statuses}) or (status eq 'canceled' and updatedAt lt '${canceledCutoff}')`;
}

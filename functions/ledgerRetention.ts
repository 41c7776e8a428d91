import { app, type InvocationContext, type Timer } from '@azure/functions';
import { settings } from '../shared/platform/settings';

/**
 * Keeps the ledger bounded: deletes rows in a final state last changed more than OUTBOUND_LEDGER_RETENTION_DAYS ago
 * (they hold phone numbers), and logs how many. Opt-outs are never deleted.
 */
export async function ledgerRetention(_timer: Timer, context: InvocationContext): Promise<void> {
  const [{ deleteLedgerRows }, { retentionCutoff, retentionFilter }] = await Promise.all([
    import('../shared/outbound/ledgerTable'),
    import('../shared/outbound/retention'),
  ]);
  const cutoff = retentionCutoff(new Date(), settings().ledgerRetentionDays);
  const { deleted, kept } = await deleteLedgerRows(retentionFilter(cutoff));
  context.log(JSON.stringify({ event: 'ledger-retention', cutoff: cutoff.toISOString(), deleted, keptBecauseChanged: kept }));
}

app.timer('ledgerRetention', { schedule: settings().ledgerRetentionSchedule, handler: ledgerRetention });

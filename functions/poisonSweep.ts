import { app, type InvocationContext, type Timer } from '@azure/functions';
import { settings } from '../shared/platform/settings';

/**
 * Marks `poisoned` the ledger rows whose message the host moved to the poison queue without running its last
 * delivery (see shared/outbound/poisonSweep.ts), and logs how many. The messages stay in the poison queue.
 */
export async function poisonSweep(_timer: Timer, context: InvocationContext): Promise<void> {
  const [{ livePoisonSweepIo }, { sweepPoisonQueue }] = await Promise.all([
    import('../shared/outbound/poisonQueue'),
    import('../shared/outbound/poisonSweep'),
  ]);
  const { messages, marked, keyless } = await sweepPoisonQueue(livePoisonSweepIo());
  context.log(JSON.stringify({ event: 'poison-sweep', messages, marked: marked.length, keys: marked, keyless }));
}

app.timer('poisonSweep', { schedule: settings().poisonSweepSchedule, handler: poisonSweep });

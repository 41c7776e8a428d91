import { app, type InvocationContext, type Timer } from '@azure/functions';
import { settings } from '../shared/platform/settings';

/**
 * Keeps the Event Streams sink's table of event ids bounded: deletes the rows whose dedupe window has passed (they
 * already count as absent, docs/event-streams.md), and logs how many.
 */
export async function eventStreamsRetention(_timer: Timer, context: InvocationContext): Promise<void> {
  // Loaded on the first run: the schedule is a setting, so this module registers at start.
  const { deleteExpiredEventRecords } = await import('../shared/eventStreams/eventRecordsTable');
  const { table } = settings().eventStreams;
  const deleted = await deleteExpiredEventRecords(table, Date.now());
  context.log(JSON.stringify({ event: 'event-streams-retention', table, deleted }));
}

app.timer('eventStreamsRetention', { schedule: settings().eventStreams.retentionSchedule, handler: eventStreamsRetention });

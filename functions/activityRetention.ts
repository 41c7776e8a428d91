import { app, type InvocationContext, type Timer } from '@azure/functions';
import { settings } from '../shared/platform/settings';

/** Keeps the inbound activity table bounded: deletes rows older than ACTIVITY_RETENTION_DAYS (they hold phone numbers). */
export async function activityRetention(_timer: Timer, context: InvocationContext): Promise<void> {
  const { table, retentionDays } = settings().activity;
  if (!table) return;
  // Loaded on the first run: the schedule is a setting, so this module registers at start.
  const [{ activityRetentionFilter }, { deleteActivity }] = await Promise.all([
    import('../shared/activity/activity'),
    import('../shared/activity/activityTable'),
  ]);
  const deleted = await deleteActivity(table, activityRetentionFilter(new Date(), retentionDays));
  context.log(JSON.stringify({ event: 'activity-retention', retentionDays, deleted }));
}

app.timer('activityRetention', { schedule: settings().activity.retentionSchedule, handler: activityRetention });

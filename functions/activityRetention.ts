import { app, type InvocationContext, type Timer } from '@azure/functions';
import { activityRetentionFilter } from '../shared/activity/activity';
import { deleteActivity } from '../shared/activity/activityTable';
import { settings } from '../shared/platform/settings';

/** Keeps the inbound activity table bounded: deletes rows older than ACTIVITY_RETENTION_DAYS (they hold phone numbers). */
export async function activityRetention(_timer: Timer, context: InvocationContext): Promise<void> {
  const { table, retentionDays } = settings().activity;
  if (!table) return;
  const deleted = await deleteActivity(table, activityRetentionFilter(new Date(), retentionDays));
  context.log(JSON.stringify({ event: 'activity-retention', retentionDays, deleted }));
}

app.timer('activityRetention', { schedule: settings().activity.retentionSchedule, handler: activityRetention });

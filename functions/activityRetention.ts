import { app, type InvocationContext, type Timer } from '@azure/functions';
import { settings } from '../shared/platform/settings';

/** Keeps the inbound activity table bounded: deletes rows older than ACTIVITY_RETENTION_DAYS (they hold phone numbers). */
export async function activityRetention(_timer: Timer, context: InvocationContext): Promise<void> {
  // Loaded on the first run: the schedule is a setting, so this module registers at start.
  const [{ retainActivity }, { deleteActivity }] = await Promise.all([
    import('../shared/activity/activity'),
    import('../shared/activity/activityTable'),
  ]);
  await retainActivity(deleteActivity, settings().activity, new Date(), (line) => context.log(line));
}

app.timer('activityRetention', { schedule: settings().activity.retentionSchedule, handler: activityRetention });

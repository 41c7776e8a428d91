// The inbound activity table: what the number received, for the console's Activity page.
import { declareSettings } from '../platform/declareSettings';
import { ncrontab, positiveInt, tableName } from '../platform/settingParsers';

export const activitySettings = declareSettings(
  'Inbound activity',
  'shared/activity/activitySettings.ts',
  {
    ACTIVITY_TABLE: {
      description: 'Table of inbound calls, texts and voicemails (one row per event), written before each webhook answers. Empty: off.',
      default: 'inboundactivity',
      deployed: true,
      parser: tableName,
    },
    ACTIVITY_RETENTION_DAYS: {
      description: 'Activity rows are deleted this many days after they were written, by the activityRetention timer.',
      default: '90',
      deployed: false,
      parser: positiveInt,
    },
    ACTIVITY_RETENTION_SCHEDULE: {
      description: 'When the activityRetention timer runs: six-field NCRONTAB, UTC.',
      default: '0 45 3 * * *',
      deployed: false,
      parser: ncrontab,
    },
  },
  (values, { env }) => ({
    activity: {
      /** Undefined when ACTIVITY_TABLE is set empty: activity is not recorded. */
      table: env.ACTIVITY_TABLE !== undefined && env.ACTIVITY_TABLE.trim() === '' ? undefined : values.ACTIVITY_TABLE,
      retentionDays: values.ACTIVITY_RETENTION_DAYS,
      retentionSchedule: values.ACTIVITY_RETENTION_SCHEDULE,
    },
  }),
);

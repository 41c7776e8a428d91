// The inbound activity table's settings.
export const ACTIVITY_TABLE_DEFAULT = 'inboundactivity';
export const ACTIVITY_RETENTION_DAYS_DEFAULT = 90;

export function activitySettings(): { table?: string; retentionDays: number; retentionSchedule: string } {
  const env = process.env;
  const table = env.ACTIVITY_TABLE === undefined ? ACTIVITY_TABLE_DEFAULT : env.ACTIVITY_TABLE.trim() || undefined;
  return {
    table,
    retentionDays: Number(env.ACTIVITY_RETENTION_DAYS || ACTIVITY_RETENTION_DAYS_DEFAULT),
    retentionSchedule: '0 45 3 * * *',
  };
}

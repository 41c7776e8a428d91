import { FINAL_STATUSES, retentionCutoff, retentionFilter } from '../../../shared/outbound/retention';

describe('ledger retention', () => {
  test('deletes only final statuses: waiting, sending and poisoned rows are kept whatever their age', () => {
    expect([...FINAL_STATUSES].sort()).toEqual(['delivered', 'failed', 'rejected', 'sent', 'undelivered']);
  });

  test('the cutoff is the retention in days before now', () => {
    expect(retentionCutoff(new Date('2026-12-01T00:00:00Z'), 90).toISOString()).toBe('2026-09-02T00:00:00.000Z');
  });

  test('the filter compares updatedAt with the cutoff and names every final status', () => {
    const filter = retentionFilter(new Date('2026-09-02T00:00:00Z'));
    expect(filter.startsWith("updatedAt lt '2026-09-02T00:00:00.000Z' and (")).toBe(true);
    for (const status of FINAL_STATUSES) expect(filter).toContain(`status eq '${status}'`);
    expect(filter).not.toContain('poisoned');
  });
});

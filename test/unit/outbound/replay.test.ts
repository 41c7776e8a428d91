import type { LedgerRow } from '../../../shared/outbound/ledger';
import { decideReplay, parseDuration, recipientToMatch, type PoisonMessage } from '../../../shared/outbound/replay';

const now = new Date('2026-12-01T12:00:00Z');
const noFilter = { keys: [] };
const poisoned = (key: string, fields: Partial<LedgerRow> = {}): LedgerRow => ({
  key,
  status: 'poisoned',
  type: 'sms',
  to: '+15550100001',
  attempts: 5,
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  ...fields,
});
const message = (payload: unknown, insertedOn = new Date('2026-12-01T10:00:00Z')): PoisonMessage => ({
  messageId: 'poison-1',
  text: typeof payload === 'string' ? payload : JSON.stringify(payload),
  insertedOn,
});

describe('which poison messages npm run replay moves, and under which key', () => {
  test('a message with its own key is replayed as it is', () => {
    const text = { type: 'sms', to: '+15550100001', body: 'hi', idempotencyKey: 'order-1' };
    expect(decideReplay(message(text), [], noFilter, now)).toEqual({
      action: 'replay',
      key: 'order-1',
      text: JSON.stringify(text),
      how: 'own key',
    });
  });

  test('an Event Grid event keeps its event-id key', () => {
    const event = { id: 'e1', eventType: 'x', dataVersion: '1', subject: 's', data: { type: 'sms', to: '+1555', body: 'x' } };
    expect(decideReplay(message(event), [], noFilter, now)).toMatchObject({ action: 'replay', key: 'event-e1' });
  });

  test('a keyless message takes the key of the one poisoned row that records it', () => {
    const decision = decideReplay(message({ type: 'sms', to: '+15550100001', body: 'hi' }), [poisoned('queue-id-7')], noFilter, now);
    expect(decision).toMatchObject({ action: 'replay', key: 'queue-id-7', how: 'matched ledger row' });
    expect(JSON.parse((decision as { text: string }).text)).toEqual({
      type: 'sms',
      to: '+15550100001',
      body: 'hi',
      idempotencyKey: 'queue-id-7',
    });
  });

  test('a keyless message is skipped when no row or several rows match', () => {
    const keyless = message({ type: 'sms', to: '+15550100001', body: 'hi' });
    expect(decideReplay(keyless, [], noFilter, now)).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/no poisoned ledger row/),
    });
    expect(decideReplay(keyless, [poisoned('a'), poisoned('b')], noFilter, now)).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/2 poisoned/),
    });
    expect(decideReplay(keyless, [poisoned('a', { status: 'sent' })], noFilter, now)).toMatchObject({ action: 'skip' });
    expect(decideReplay(keyless, [poisoned('a', { metadata: { other: 1 } })], noFilter, now)).toMatchObject({ action: 'skip' });
  });

  test('filters by key and by age', () => {
    const own = message({ type: 'sms', to: '+1555', body: 'x', idempotencyKey: 'k1' });
    expect(decideReplay(own, [], { keys: ['k2'] }, now)).toMatchObject({ action: 'skip', key: 'k1' });
    expect(decideReplay(own, [], { keys: [], olderThanMs: parseDuration('3h') }, now)).toMatchObject({
      action: 'skip',
      reason: 'newer than --older-than',
    });
    expect(decideReplay(own, [], { keys: [], olderThanMs: parseDuration('1h') }, now)).toMatchObject({ action: 'replay' });
    expect(decideReplay(own, [], { keys: [], newerThanMs: parseDuration('90m') }, now)).toMatchObject({
      action: 'skip',
      reason: 'older than --newer-than',
    });
  });

  test('an undecodable message is not replayed', () => {
    expect(decideReplay(message('not json'), [], noFilter, now)).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/undecodable/),
    });
  });

  test('only keyless messages need their ledger rows looked up', () => {
    expect(recipientToMatch(JSON.stringify({ type: 'sms', to: '+1555', body: 'x' }))).toBe('+1555');
    expect(recipientToMatch(JSON.stringify({ type: 'sms', to: '+1555', body: 'x', idempotencyKey: 'k' }))).toBeUndefined();
    expect(recipientToMatch(Buffer.from(JSON.stringify({ type: 'sms', to: '+1556', body: 'x' })).toString('base64'))).toBe('+1556');
  });

  test('durations', () => {
    expect([parseDuration('90s'), parseDuration('15m'), parseDuration('2h'), parseDuration('7d')]).toEqual([
      90_000, 900_000, 7_200_000, 604_800_000,
    ]);
    expect(() => parseDuration('2 hours')).toThrow(/not a duration/);
  });
});

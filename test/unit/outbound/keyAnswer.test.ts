// GET and DELETE /api/outbound/{key}: every answer, against the in-memory ledger with the real ETag loop.
import { acceptAndSchedule, deliverOutbound } from '../../../shared/outbound/orchestrator';
import { answerOutboundCancel, answerOutboundGet } from '../../../shared/outbound/keyAnswer';
import { fakeOutbound, type FakeOutbound } from './outboundFakes';

const AT = { createdAt: '2030-01-01T09:00:00.000Z', updatedAt: '2030-01-01T09:00:00.000Z' };
const sms = { type: 'sms', to: '+15551234567', body: 'Hello', idempotencyKey: 'k1' };
const accept = (fake: FakeOutbound) => acceptAndSchedule(fake.io, sms as never, { now: fake.clock.now() });
const read = (fake: FakeOutbound) => {
  const asked: string[] = [];
  const readRow = (key: string) => {
    asked.push(key);
    return Promise.resolve(fake.ledger.row(key));
  };
  return { asked, readRow };
};

describe('GET /api/outbound/{key}', () => {
  test("a known key: 200 with the row, without the attempt's claimId", async () => {
    const fake = fakeOutbound();
    fake.ledger.put({ key: 'k1', status: 'sending', attempts: 1, to: '+15551234567', claimId: 'claim-1', ...AT });
    const answer = await answerOutboundGet(read(fake).readRow, 'k1');
    expect(answer.status).toBe(200);
    expect(answer.jsonBody).toEqual({ key: 'k1', status: 'sending', attempts: 1, to: '+15551234567', ...AT });
    expect(answer.jsonBody).not.toHaveProperty('claimId');
  });

  test('an unknown key: 404 naming it', async () => {
    expect(await answerOutboundGet(read(fakeOutbound()).readRow, 'k2')).toEqual({
      status: 404,
      jsonBody: { error: 'No outbound message with this key.', key: 'k2' },
    });
  });

  test('not a key: 404 without a look at the ledger', async () => {
    const reader = read(fakeOutbound());
    const answer = await answerOutboundGet(reader.readRow, 'bad key!');
    expect(answer.status).toBe(404);
    expect(reader.asked).toEqual([]);
  });
});

describe('DELETE /api/outbound/{key}', () => {
  test('a message not yet sent: 200 with the row, canceled', async () => {
    const fake = fakeOutbound();
    await accept(fake);
    const answer = await answerOutboundCancel(fake.io, 'k1');
    expect(answer.status).toBe(200);
    expect(answer.jsonBody).toMatchObject({ key: 'k1', status: 'canceled' });
    expect(answer.jsonBody).not.toHaveProperty('claimId');
    expect(fake.ledger.row('k1')!.status).toBe('canceled');
  });

  test('a message an attempt holds: 409 with the row, without its claimId', async () => {
    const fake = fakeOutbound();
    fake.ledger.put({ key: 'k1', status: 'sending', attempts: 1, claimId: 'claim-1', ...AT });
    const answer = await answerOutboundCancel(fake.io, 'k1');
    expect(answer).toMatchObject({ status: 409, jsonBody: { key: 'k1', status: 'sending', row: { key: 'k1', status: 'sending' } } });
    expect((answer.jsonBody as { row: object }).row).not.toHaveProperty('claimId');
  });

  test('a sent message: 409 with its status and row, and the row stays sent', async () => {
    const fake = fakeOutbound();
    await deliverOutbound(fake.io, JSON.stringify(sms), { id: 'm1', dequeueCount: 1 }, () => undefined);
    const answer = await answerOutboundCancel(fake.io, 'k1');
    expect(answer).toMatchObject({
      status: 409,
      jsonBody: { error: 'Too late to cancel: the message is sent.', key: 'k1', status: 'sent' },
    });
    expect((answer.jsonBody as { row: object }).row).not.toHaveProperty('claimId');
    expect(fake.ledger.row('k1')!.status).toBe('sent');
  });

  test('an unknown key: 404 naming it, and no row is made', async () => {
    const fake = fakeOutbound();
    expect(await answerOutboundCancel(fake.io, 'k2')).toEqual({
      status: 404,
      jsonBody: { error: 'No outbound message with this key.', key: 'k2' },
    });
    expect(fake.ledger.size).toBe(0);
  });

  test('not a key: 404 that does not echo it', async () => {
    expect(await answerOutboundCancel(fakeOutbound().io, '<script>')).toEqual({
      status: 404,
      jsonBody: { error: 'No outbound message with this key.', key: '' },
    });
  });
});

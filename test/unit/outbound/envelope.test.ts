import { createHash } from 'node:crypto';
import { readDelivery } from '../../../shared/outbound/envelope';

const message = { type: 'sms', to: '+15551234567', body: 'Hi' };
const queueMeta = { id: 'queue-message-id', dequeueCount: 2, popReceipt: 'pr' };
const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

describe('reading a queue delivery', () => {
  test('a raw JSON message (parsed by @azure/functions) is keyed by the queue message id', () => {
    expect(readDelivery(message, queueMeta)).toMatchObject({
      payload: message,
      producer: 'message',
      key: 'queue-message-id',
      keySource: 'queue message id',
      queueMessageId: 'queue-message-id',
      dequeueCount: 2,
    });
  });

  test('a base64 message (Functions output binding) is decoded and keyed by the queue message id', () => {
    expect(readDelivery(base64(message), queueMeta)).toMatchObject({ payload: message, key: 'queue-message-id', dequeueCount: 2 });
  });

  test("the message's own idempotencyKey wins over the queue message id", () => {
    expect(readDelivery({ ...message, idempotencyKey: 'order-7' }, queueMeta)).toMatchObject({
      key: 'order-7',
      keySource: 'idempotencyKey',
    });
  });

  test('an Event Grid event delivers the message in data, keyed by the event id', () => {
    const event = { id: 'evt-1', eventType: 'Contoso.Outbound', subject: 'orders/7', eventTime: '2030-01-01T00:00:00Z' };
    // The host merged the event's own "id" over the queue message id.
    const delivery = readDelivery({ ...event, dataVersion: '1.0', data: message }, { ...queueMeta, id: 'evt-1' });
    expect(delivery).toMatchObject({ payload: message, producer: 'event-grid', key: 'event-evt-1', keySource: 'event id' });
    expect(delivery.dequeueCount).toBe(2);
    expect(delivery.queueMessageId).toBeUndefined();
  });

  test('a CloudEvents event delivers the message in data, keyed by the event id', () => {
    const event = { specversion: '1.0', id: 'ce-9', type: 'Contoso.Outbound', source: '/orders' };
    const data = { ...message, idempotencyKey: 'k-1' };
    expect(readDelivery(base64({ ...event, data }), queueMeta)).toMatchObject({ producer: 'cloud-event', key: 'k-1' });
  });

  test('an event id that cannot be a table key is hashed into one', () => {
    const event = { id: 'a/b#c', eventType: 't', dataVersion: '1', data: message };
    expect(readDelivery(event, {}).key).toMatch(/^event-sha256-[0-9a-f]{64}$/);
  });

  test('a payload field named id hides the queue message id, so the key comes from the message text', () => {
    const payload = { ...message, id: 'mine' };
    const delivery = readDelivery(payload, { ...queueMeta, id: 'mine' });
    expect(delivery.queueMessageId).toBeUndefined();
    expect(delivery.key).toBe(`sha256-${createHash('sha256').update(JSON.stringify(payload)).digest('hex')}`);
    expect(delivery.keySource).toBe('message hash');
  });

  test('a dequeue count given as a numeric string is read as a number', () => {
    expect(readDelivery(message, { ...queueMeta, dequeueCount: '4' }).dequeueCount).toBe(4);
  });

  test('fields hidden in another case are not trusted either', () => {
    expect(readDelivery({ ...message, DequeueCount: 99 }, { ...queueMeta, DequeueCount: 99 }).dequeueCount).toBeUndefined();
  });

  test('text that is neither JSON nor base64 JSON is reported, keyed by the queue message id', () => {
    expect(readDelivery('hello there', queueMeta)).toMatchObject({
      undecodable: expect.stringMatching(/neither JSON nor base64/),
      key: 'queue-message-id',
    });
  });
});

import { eventLine, unseen } from '../../../shared/operations/eventLines';

test('a CloudEvent is one line: time, type (with an outbound status), subject and id', () => {
  const event = {
    specversion: '1.0',
    id: 'ev-1',
    source: '/x',
    type: 'twilio.outbound.status',
    subject: 'order-42',
    time: '2026-12-06T20:00:00.000Z',
    data: { status: 'delivered' },
  };
  expect(eventLine(JSON.stringify(event))).toBe('2026-12-06T20:00:00.000Z  twilio.outbound.status delivered  subject=order-42  id=ev-1');
  expect(eventLine(JSON.stringify({ ...event, type: 'twilio.sms.received', data: {} }))).toBe(
    '2026-12-06T20:00:00.000Z  twilio.sms.received  subject=order-42  id=ev-1',
  );
});

test('a message that is not a CloudEvent says so instead of failing', () => {
  expect(eventLine('hello')).toBe('(not JSON: hello)');
  expect(eventLine('{"a":1}')).toBe('(not a CloudEvent: {"a":1})');
});

test('each message is printed once, in queue order', () => {
  const seen = new Set<string>();
  expect(unseen(seen, [{ messageId: 'a', messageText: '1' }]).map((m) => m.messageId)).toEqual(['a']);
  expect(
    unseen(seen, [
      { messageId: 'a', messageText: '1' },
      { messageId: 'b', messageText: '2' },
    ]).map((m) => m.messageId),
  ).toEqual(['b']);
});

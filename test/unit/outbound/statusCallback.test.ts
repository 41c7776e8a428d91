import { parseStatusCallback } from '../../../shared/outbound/statusCallback';

describe('status callback parameters', () => {
  test('a message status callback, as Twilio posts it', () => {
    const params = { MessageSid: 'SM1', SmsSid: 'SM1', MessageStatus: 'undelivered', SmsStatus: 'undelivered', ErrorCode: '30003' };
    const sent = { AccountSid: 'AC1', From: '+15005550006', To: '+15551234567', ApiVersion: '2010-04-01' };
    expect(parseStatusCallback({ ...params, ...sent })).toEqual({
      kind: 'sms',
      sid: 'SM1',
      twilioStatus: 'undelivered',
      errorCode: '30003',
    });
  });

  test('a call status callback', () => {
    const params = { CallSid: 'CA1', CallStatus: 'completed', CallDuration: '12', Direction: 'outbound-api', SequenceNumber: '3' };
    expect(parseStatusCallback({ ...params, Timestamp: 'Mon, 01 Jan 2030 00:00:00 +0000' })).toEqual({
      kind: 'call',
      sid: 'CA1',
      twilioStatus: 'completed',
    });
  });

  test('anything else is not a status callback', () => {
    expect(parseStatusCallback({ Body: 'hello', From: '+15551234567' })).toBeUndefined();
  });
});

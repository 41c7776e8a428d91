import { decodeQueueMessage, UndecodableMessageError } from '../../../shared/outbound/decode';

const message = { type: 'sms', to: '+15551234567', body: 'Hi' };

describe('queue message decoding', () => {
  test('an object the trigger already parsed passes through', () => {
    expect(decodeQueueMessage(message)).toEqual(message);
  });

  test('base64 of JSON (the Functions output binding, Logic Apps with encoding) is decoded', () => {
    expect(decodeQueueMessage(Buffer.from(JSON.stringify(message)).toString('base64'))).toEqual(message);
  });

  test('raw JSON text is parsed', () => {
    expect(decodeQueueMessage(` ${JSON.stringify(message)} `)).toEqual(message);
  });

  test('text that is neither is an UndecodableMessageError', () => {
    expect(() => decodeQueueMessage('hello there')).toThrow(UndecodableMessageError);
    expect(() => decodeQueueMessage(Buffer.from('not json').toString('base64'))).toThrow(/base64 but does not decode to JSON/);
  });
});

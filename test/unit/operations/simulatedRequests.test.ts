import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { SIMULATION_KINDS, simulatedRequest } from '../../../shared/operations/simulatedRequests';
import { paramsFromSearch } from '../../../shared/webhook/params';
import { parseStatusCallback } from '../../../shared/outbound/statusCallback';
import { signatureMatches } from '../../../shared/webhook/signature';
import { parseDebuggerEvent } from '../../../shared/operations/debuggerEvent';

const options = { from: '+14155550111', to: '+18005550100', accountSid: 'AC00000000000000000000000000000000' };

describe('the requests npm run simulate sends', () => {
  test.each(SIMULATION_KINDS)('%s is signed the way the app checks signatures', (kind) => {
    const { path, params } = simulatedRequest(kind, { ...options, key: 'k1' });
    const url = `https://calls.example.test${path}`;
    const signature = getExpectedTwilioSignature('token', url, params);
    expect(signatureMatches('token', { signature, url, body: { kind: 'form', params } })).toBe(true);
  });

  test("speech is a speech Gather's action to the assistant's turn, on the same call as `call`", () => {
    const call = simulatedRequest('call', options);
    const { path, params } = simulatedRequest('speech', { ...options, speech: 'Take a message', turn: '3' });
    expect(path).toBe('/api/assistant?turn=3');
    expect(params).toMatchObject({
      CallSid: call.params.CallSid,
      SpeechResult: 'Take a message',
      Confidence: '0.92',
      CallStatus: 'in-progress',
    });
    expect(simulatedRequest('speech', options)).toMatchObject({ path: '/api/assistant?turn=1', params: { SpeechResult: '' } });
  });

  test('an incoming call carries what Twilio sends for one', () => {
    const { path, params } = simulatedRequest('call', options);
    expect(path).toBe('/api/voice');
    expect(params).toMatchObject({
      From: options.from,
      Caller: options.from,
      To: options.to,
      Called: options.to,
      CallStatus: 'ringing',
      Direction: 'inbound',
    });
    expect(params.CallSid).toMatch(/^CA[0-9a-f]{32}$/);
  });

  test('the same simulation twice is the same request, as a Twilio retry would be', () => {
    expect(simulatedRequest('sms', { ...options, body: 'STOP' })).toEqual(simulatedRequest('sms', { ...options, body: 'STOP' }));
    expect(simulatedRequest('sms', { ...options, body: 'STOP' }).params.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
  });

  test('a dial result goes to the twimlet with Dial=true', () => {
    expect(simulatedRequest('dial-result', { ...options, dialStatus: 'busy' }, '/api/forward?PhoneNumber=%2B1415').path).toBe(
      '/api/forward?PhoneNumber=%2B1415&Dial=true',
    );
  });

  test('a status callback is one the status function understands', () => {
    const { path, params } = simulatedRequest('status', { ...options, key: 'order 7', messageStatus: 'undelivered', errorCode: '30003' });
    expect(path).toBe('/api/status?key=order+7');
    expect(parseStatusCallback(paramsFromSearch(new URLSearchParams(params)))).toMatchObject({
      kind: 'sms',
      twilioStatus: 'undelivered',
      errorCode: '30003',
    });
  });

  test('an alert is one the alerts function understands', () => {
    const { params } = simulatedRequest('alert', { ...options, errorCode: '12100' });
    expect(parseDebuggerEvent(paramsFromSearch(new URLSearchParams(params)))).toMatchObject({ level: 'error', errorCode: '12100' });
  });
});

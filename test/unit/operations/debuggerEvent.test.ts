import { parseDebuggerEvent } from '../../../shared/operations/debuggerEvent';
import { paramsFromSearch } from '../../../shared/webhook/params';

const params = (values: Record<string, string>) => paramsFromSearch(new URLSearchParams(values));
const payload = (body: unknown) =>
  params({ Sid: 'NO1', Level: 'WARNING', Timestamp: '2026-12-01T00:00:00Z', Payload: JSON.stringify(body) });

describe('reading a Twilio Debugger event', () => {
  test('takes the code, the resource, the service and the failing request', () => {
    const event = parseDebuggerEvent(
      payload({
        error_code: 11205,
        resource_sid: 'CA1',
        service_sid: 'MG1',
        webhook: { request: { url: 'https://a.example/api/sms?From=%2B1415&code=k', method: 'POST' }, response: { status_code: '504' } },
      }),
    );
    expect(event).toEqual({
      sid: 'NO1',
      level: 'warning',
      errorCode: '11205',
      resourceSid: 'CA1',
      serviceSid: 'MG1',
      failingUrl: 'https://a.example/api/sms',
      method: 'POST',
      responseStatus: '504',
      moreInfo: undefined,
      timestamp: '2026-12-01T00:00:00Z',
    });
  });

  test('drops the query of the failing URL: it may carry callers numbers and a function key', () => {
    expect(parseDebuggerEvent(payload({ webhook: { request: { url: 'https://a.example/x?code=secret' } } }))?.failingUrl).toBe(
      'https://a.example/x',
    );
  });

  test('a payload that is not JSON still gives the level and the SID', () => {
    expect(parseDebuggerEvent(params({ Sid: 'NO2', Level: 'ERROR', Payload: '{not json' }))).toMatchObject({
      sid: 'NO2',
      level: 'error',
      errorCode: undefined,
    });
  });

  test('is not a Debugger event without a known Level or without a Payload', () => {
    expect(parseDebuggerEvent(params({ Level: 'ERROR' }))).toBeUndefined();
    expect(parseDebuggerEvent(params({ Level: 'INFO', Payload: '{}' }))).toBeUndefined();
  });

  test('cuts oversized values', () => {
    expect(parseDebuggerEvent(payload({ error_code: 'x'.repeat(10_000) }))?.errorCode).toHaveLength(500);
  });
});

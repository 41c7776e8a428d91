import { answerDebuggerEvent, parseDebuggerEvent } from '../../../shared/operations/debuggerEvent';
import { recordingLog } from '../invocationLog';
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

  // Found by test/reliability/operatorFuzz.test.ts: cut to 500 characters, these still took 3,000 and 4,500 in the log line.
  test.each([
    ['lone surrogates', { error_code: '\ud800'.repeat(10_000) }, 'errorCode'],
    ['control characters', { resource_sid: '\u0001'.repeat(10_000) }, 'resourceSid'],
    ['quotes', { resource_sid: '"'.repeat(10_000) }, 'resourceSid'],
    ['a URL of accented characters', { webhook: { request: { url: `https://a.example/${'\u00e9'.repeat(10_000)}` } } }, 'failingUrl'],
  ] as const)('keeps %s to at most 500 characters as the log line writes them', (_, body, field) => {
    const value = parseDebuggerEvent(payload(body))?.[field];
    expect(value).toBeDefined();
    expect(JSON.stringify(value).length - 2).toBeLessThanOrEqual(500);
  });
});

describe('answering the Debugger webhook', () => {
  test('a warning at warn level, an error at error level', () => {
    const warning = recordingLog();
    expect(answerDebuggerEvent(payload({ error_code: 11205 }), warning)).toEqual({ status: 204 });
    expect(warning.at('warn').map((l) => JSON.parse(l) as unknown)).toEqual([
      expect.objectContaining({ event: 'twilio-alert', level: 'warning', errorCode: '11205', sid: 'NO1' }),
    ]);
    const error = recordingLog();
    expect(answerDebuggerEvent(params({ Sid: 'NO3', Level: 'ERROR', Payload: '{"error_code": 12100}' }), error)).toEqual({ status: 204 });
    expect(error.at('error').map((l) => JSON.parse(l) as unknown)).toEqual([
      expect.objectContaining({ level: 'error', errorCode: '12100' }),
    ]);
    expect(error.at('warn')).toEqual([]);
  });

  test('not a Debugger event: 400 and one warning', () => {
    const log = recordingLog();
    const answer = answerDebuggerEvent(params({ Level: 'ERROR' }), log);
    expect(answer).toMatchObject({ status: 400, body: 'Not a Twilio Debugger event.\n' });
    expect(log.lines).toEqual([
      { level: 'warn', line: JSON.stringify({ event: 'twilio-alert', outcome: 'ignored: not a Debugger event (no Level or Payload)' }) },
    ]);
  });
});

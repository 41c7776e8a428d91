import { parseHostConfig, parseTimeSpan } from '../../../devhost/hostConfig';
import { matchRoute, parseRoute } from '../../../devhost/routes';

describe('local host route templates', () => {
  test('literal segments match case-insensitively', () => {
    expect(matchRoute(parseRoute('message'), '/Message')).toEqual({});
    expect(matchRoute(parseRoute('message'), '/messages')).toBeUndefined();
  });

  test('parameters, optional parameters and constraints', () => {
    expect(matchRoute(parseRoute('outbound/{key}'), '/outbound/abc%20d')).toEqual({ key: 'abc d' });
    expect(matchRoute(parseRoute('outbound/{key}'), '/outbound')).toBeUndefined();
    expect(matchRoute(parseRoute('items/{id:int?}'), '/items')).toEqual({});
    expect(matchRoute(parseRoute('items/{id:int?}'), '/items/5')).toEqual({ id: '5' });
    expect(matchRoute(parseRoute('items/{id}'), '/items/5/extra')).toBeUndefined();
  });

  test('a catch-all takes the rest of the path', () => {
    expect(matchRoute(parseRoute('files/{*path}'), '/files/a/b/c')).toEqual({ path: 'a/b/c' });
  });
});

test('a malformed escape in the path is kept as it is instead of failing the request', () => {
  expect(matchRoute(parseRoute('things/{id}'), '/things/%ZZ')).toEqual({ id: '%ZZ' });
  expect(matchRoute(parseRoute('message'), '/message%E0%A4%A')).toBeUndefined();
  expect(matchRoute(parseRoute('things/{id}'), '/things/caf%C3%A9')).toEqual({ id: 'café' });
});

describe('local host host.json reading', () => {
  test('uses the Functions host defaults when host.json says nothing', () => {
    expect(parseHostConfig({ version: '2.0' }, 1)).toEqual({
      routePrefix: 'api',
      queues: { batchSize: 16, newBatchThreshold: 8, maxDequeueCount: 5, visibilityTimeoutMs: 0, maxPollingIntervalMs: 60_000, messageEncoding: 'base64' },
    });
  });

  test("defaults newBatchThreshold to (batchSize / 2) x the processor count, as the Storage extension does", () => {
    expect(parseHostConfig({ extensions: { queues: { batchSize: 8 } } }, 4).queues.newBatchThreshold).toBe(16);
  });

  test('reads queue settings, capping batchSize at 32', () => {
    const config = parseHostConfig({ extensions: { http: { routePrefix: '' }, queues: { batchSize: 64, visibilityTimeout: '00:00:30', messageEncoding: 'none', maxDequeueCount: 2 } } }, 1);
    expect(config.routePrefix).toBe('');
    expect(config.queues).toMatchObject({ batchSize: 32, newBatchThreshold: 16, visibilityTimeoutMs: 30_000, messageEncoding: 'none', maxDequeueCount: 2 });
  });

  test('time spans', () => {
    expect(parseTimeSpan('00:01:30')).toBe(90_000);
    expect(parseTimeSpan('1.00:00:00')).toBe(86_400_000);
    expect(parseTimeSpan('00:00:00.5')).toBe(500);
    expect(() => parseTimeSpan('30s')).toThrow(/not a time span/);
  });
});

import {
  checkTwilioConcurrency,
  HostJsonError,
  parseHostConfig,
  parseTimeSpan,
  withHostOverrides,
} from '../../../shared/platform/hostJson';
import { SettingsError } from '../../../shared/platform/settings';
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
      queues: {
        batchSize: 16,
        newBatchThreshold: 8,
        maxDequeueCount: 5,
        visibilityTimeoutMs: 0,
        maxPollingIntervalMs: 60_000,
        messageEncoding: 'base64',
      },
    });
  });

  test('reads queue settings, capping batchSize at 32', () => {
    const config = parseHostConfig(
      {
        extensions: {
          http: { routePrefix: '' },
          queues: { batchSize: 64, visibilityTimeout: '00:00:30', messageEncoding: 'none', maxDequeueCount: 2 },
        },
      },
      1,
    );
    expect(config.routePrefix).toBe('');
    expect(config.queues).toMatchObject({
      batchSize: 32,
      newBatchThreshold: 16,
      visibilityTimeoutMs: 30_000,
      messageEncoding: 'none',
      maxDequeueCount: 2,
    });
  });

  test('time spans', () => {
    expect(parseTimeSpan('00:01:30')).toBe(90_000);
    expect(parseTimeSpan('1.00:00:00')).toBe(86_400_000);
    expect(parseTimeSpan('00:00:00.5')).toBe(500);
    expect(() => parseTimeSpan('30s')).toThrow(/not a time span/);
  });
});

describe("the host's app-setting overrides of host.json", () => {
  const hostJson = { version: '2.0', extensions: { queues: { batchSize: 16, newBatchThreshold: 8, maxDequeueCount: 5 } } };

  test('an AzureFunctionsJobHost__ app setting overrides the value at its path, keys matched case-insensitively', () => {
    const merged = withHostOverrides(hostJson, {
      AzureFunctionsJobHost__extensions__queues__batchSize: '1',
      azurefunctionsjobhost__Extensions__Queues__NEWBATCHTHRESHOLD: '1',
      AzureFunctionsJobHost__functionTimeout: '00:05:00',
      OTHER: '3',
    });
    expect(merged).toEqual({
      version: '2.0',
      functionTimeout: '00:05:00',
      extensions: { queues: { batchSize: 1, newBatchThreshold: 1, maxDequeueCount: 5 } },
    });
    expect(hostJson.extensions.queues.batchSize).toBe(16);
  });

  test('an override can create a path host.json does not have', () => {
    expect(withHostOverrides({}, { AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '2' })).toEqual({
      extensions: { queues: { maxDequeueCount: 2 } },
    });
  });

  test('the last try is counted from the overridden maxDequeueCount, so the ledger says poisoned on the try the host gives up after', () => {
    expect(parseHostConfig(withHostOverrides(hostJson, {}), 1).queues.maxDequeueCount).toBe(5);
    const overridden = withHostOverrides(hostJson, { AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '3' });
    expect(parseHostConfig(overridden, 1).queues.maxDequeueCount).toBe(3);
  });

  test('unset, newBatchThreshold is (batchSize / 2) x the processor count, not batchSize / 2', () => {
    expect(parseHostConfig({ extensions: { queues: { batchSize: 16 } } }, 4).queues).toMatchObject({
      batchSize: 16,
      newBatchThreshold: 32,
    });
    expect(parseHostConfig({}, 1).queues).toMatchObject({ batchSize: 16, newBatchThreshold: 8 });
  });

  test('an override that is not a whole number is refused, naming both places it can come from', () => {
    const merged = withHostOverrides(hostJson, { AzureFunctionsJobHost__extensions__queues__batchSize: 'lots' });
    expect(() => parseHostConfig(merged, 1)).toThrow(HostJsonError);
    expect(() => parseHostConfig(merged, 1)).toThrow(
      /extensions\.queues\.batchSize \(or AzureFunctionsJobHost__extensions__queues__batchSize\)/,
    );
  });
});

describe("the outbound function's Twilio concurrency check", () => {
  test('refuses to start when its instances together could exceed TWILIO_MAX_CONCURRENCY', () => {
    const attempt = () =>
      checkTwilioConcurrency({ twilioMaxConcurrency: 80, outboundMaxInstances: 40 }, { batchSize: 16, newBatchThreshold: 8 });
    expect(attempt).toThrow(SettingsError);
    expect(attempt).toThrow(
      /TWILIO_MAX_CONCURRENCY is 80, but 40 outbound instances \(OUTBOUND_MAX_INSTANCES\) x \(batchSize 16 \+ newBatchThreshold 8\) could send 960/,
    );
  });

  test('allows exactly the budget', () => {
    expect(() =>
      checkTwilioConcurrency({ twilioMaxConcurrency: 80, outboundMaxInstances: 40 }, { batchSize: 1, newBatchThreshold: 1 }),
    ).not.toThrow();
    expect(() =>
      checkTwilioConcurrency({ twilioMaxConcurrency: 80, outboundMaxInstances: 1 }, { batchSize: 16, newBatchThreshold: 8 }),
    ).not.toThrow();
  });
});

// host.json as the Functions host reads it: the file, with app settings named AzureFunctionsJobHost__<path>
// overriding it, and the queue defaults of the Storage extension.
import { checkTwilioConcurrency, HostJsonError, queueConcurrency, queueMaxDequeueCount, withHostOverrides } from '../../../shared/platform/hostJson';
import { SettingsError } from '../../../shared/platform/settings';

const hostJson = { version: '2.0', extensions: { queues: { batchSize: 16, newBatchThreshold: 8, maxDequeueCount: 5 } } };

test('an AzureFunctionsJobHost__ app setting overrides the host.json value at its path, keys matched case-insensitively', () => {
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
  expect(withHostOverrides({}, { AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '2' })).toEqual({ extensions: { queues: { maxDequeueCount: 2 } } });
});

test('the last try is counted from the overridden maxDequeueCount, so the ledger says poisoned on the try the host gives up after', () => {
  expect(queueMaxDequeueCount(withHostOverrides(hostJson, {}))).toBe(5);
  expect(queueMaxDequeueCount(withHostOverrides(hostJson, { AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '3' }))).toBe(3);
});

test('unset, newBatchThreshold is (batchSize / 2) x the processor count, not batchSize / 2', () => {
  expect(queueConcurrency({ extensions: { queues: { batchSize: 16 } } }, 4)).toEqual({ batchSize: 16, newBatchThreshold: 32 });
  expect(queueConcurrency({}, 1)).toEqual({ batchSize: 16, newBatchThreshold: 8 });
});

test('an override that is not a whole number is refused, naming both places it can come from', () => {
  const merged = withHostOverrides(hostJson, { AzureFunctionsJobHost__extensions__queues__batchSize: 'lots' });
  expect(() => queueConcurrency(merged, 1)).toThrow(HostJsonError);
  expect(() => queueConcurrency(merged, 1)).toThrow(/extensions\.queues\.batchSize \(or AzureFunctionsJobHost__extensions__queues__batchSize\)/);
});

test('the outbound function refuses to start when its instances together could exceed TWILIO_MAX_CONCURRENCY', () => {
  const attempt = () => checkTwilioConcurrency({ twilioMaxConcurrency: 80, outboundMaxInstances: 40 }, { batchSize: 16, newBatchThreshold: 8 });
  expect(attempt).toThrow(SettingsError);
  expect(attempt).toThrow(/TWILIO_MAX_CONCURRENCY is 80, but 40 outbound instances \(OUTBOUND_MAX_INSTANCES\) x \(batchSize 16 \+ newBatchThreshold 8\) could send 960/);
});

test('exactly the budget is allowed', () => {
  expect(() => checkTwilioConcurrency({ twilioMaxConcurrency: 80, outboundMaxInstances: 40 }, { batchSize: 1, newBatchThreshold: 1 })).not.toThrow();
  expect(() => checkTwilioConcurrency({ twilioMaxConcurrency: 80, outboundMaxInstances: 1 }, queueConcurrency(hostJson))).not.toThrow();
});

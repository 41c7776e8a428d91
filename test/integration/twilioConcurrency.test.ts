// The built app as the host loads it, with the settings infra deploys: the outbound function reads the host's
// queue overrides from the environment and refuses to load when they would exceed TWILIO_MAX_CONCURRENCY.
import { listFunctions } from '../../harness/localHost';

const load = (env: Record<string, string>) => listFunctions(env);

test('with the settings infra deploys (40 instances, 1 + 1 per instance, budget 80) the outbound function registers', () => {
  const { status, output } = load({
    TWILIO_MAX_CONCURRENCY: '80',
    OUTBOUND_MAX_INSTANCES: '40',
    AzureFunctionsJobHost__extensions__queues__batchSize: '1',
    AzureFunctionsJobHost__extensions__queues__newBatchThreshold: '1',
  });
  expect(status).toBe(0);
  expect((JSON.parse(output) as { name: string }[]).map((f) => f.name)).toContain('outbound');
});

test('the same settings without the queue overrides stop the app, naming TWILIO_MAX_CONCURRENCY', () => {
  const { status, output } = load({ TWILIO_MAX_CONCURRENCY: '80', OUTBOUND_MAX_INSTANCES: '40' });
  expect(status).not.toBe(0);
  expect(output).toMatch(/Setting TWILIO_MAX_CONCURRENCY is 80, but 40 outbound instances/);
});

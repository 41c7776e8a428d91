// The local host's hold on a queue message while its function runs, as the Functions host does it: a lease
// renewed while the function runs, so a slow function keeps its message, and a host that dies leaves only
// the rest of one lease behind. The fault soak relies on the second to restart a killed host in seconds.
import { join } from 'node:path';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { startHost, type RunningHost } from '../../harness/localHost';
import { waitFor } from '../../harness/waitFor';

const LEASE_SECONDS = 2;
const appRoot = join(__dirname, '..', 'fixtures', 'queue-app');

let azurite: RunningAzurite;
let host: RunningHost;
let queue: QueueClient;

const start = () =>
  startHost({ AzureWebJobsStorage: azurite.connectionString, DEVHOST_QUEUE_LEASE_SECONDS: String(LEASE_SECONDS) }, { appRoot });

/** The fixture's SEEN lines for messages carrying `tag`, with their dequeue counts. */
function seen(output: string, tag: string): number[] {
  return output
    .split('\n')
    .filter((line) => line.includes('SEEN ') && line.includes(`"tag":"${tag}"`))
    .map((line) => (JSON.parse(line.slice(line.indexOf('SEEN ') + 5)) as { meta: { dequeueCount: number } }).meta.dequeueCount);
}

const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

beforeAll(async () => {
  azurite = await startAzurite();
  queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('fixture-work');
  await queue.create();
  host = await start();
});

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

test('a function running for longer than the lease keeps its message: delivered once, deleted when it succeeds', async () => {
  const sent = await queue.sendMessage(base64({ tag: 'slow', sleepMs: LEASE_SECONDS * 2500 }));
  await host.waitForOutput(new RegExp(`Executed 'work' \\(Succeeded, Id=${sent.messageId}`), 15_000);
  expect(seen(host.output(), 'slow')).toEqual([1]);
  expect(host.output()).not.toContain(`could not settle message ${sent.messageId}`);
  expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
});

test('a message whose host was killed mid-run comes back once the lease runs out, to the restarted host', async () => {
  await queue.sendMessage(base64({ tag: 'crash', sleepMs: 10_000 }));
  await waitFor(() => (seen(host.output(), 'crash').length ? true : undefined), { context: () => host.output() });
  const killed = host.process;
  const exited = new Promise((resolve) => killed.once('exit', resolve));
  killed.kill('SIGKILL');
  await exited;

  host = await start();
  await waitFor(() => (seen(host.output(), 'crash').length ? true : undefined), { timeoutMs: 15_000, context: () => host.output() });
  expect(seen(host.output(), 'crash')).toEqual([2]);
});

// The poison sweep on the local host and Azurite: a message the host moved to the poison queue without running its
// last delivery (its process died with the message prefetched) left its ledger row `sending`. The poisonSweep timer
// marks the row `poisoned`, publishes that once, and leaves the message in the poison queue for replay.
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { startOutboundRig, type OutboundRig } from '../../harness/outboundRig';
import { waitFor } from '../../harness/waitFor';
import type { LedgerRow } from '../../shared/outbound/ledger';
import { takeJsonMessages } from '../../harness/queueMessages';

const EVENTS_QUEUE = 'events-poison-sweep';
let rig: OutboundRig;
let eventsQueue: QueueClient;

beforeAll(async () => {
  rig = await startOutboundRig({
    queueName: 'outbound-poison-sweep',
    hostEnv: { EVENTS_QUEUE, OUTBOUND_POISON_SWEEP_SCHEDULE: '*/1 * * * * *' },
  });
  eventsQueue = QueueServiceClient.fromConnectionString(rig.azurite.connectionString).getQueueClient(EVENTS_QUEUE);
  await eventsQueue.createIfNotExists();
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

interface Event {
  subject: string;
  data: { status: string; previousStatus: string | null; reason: string | null };
}

const received: Event[] = [];
async function readEvents(): Promise<Event[]> {
  received.push(...(await takeJsonMessages<Event>(eventsQueue)));
  return received;
}

const sweeps = () =>
  rig.host
    .output()
    .split('\n')
    .filter((line) => line.includes('{"event":"poison-sweep"'))
    .map((line) => JSON.parse(line.slice(line.indexOf('{"event":'))) as { marked: number; messages: number });

async function ledgerRow(key: string): Promise<LedgerRow | undefined> {
  const response = await fetch(`${rig.host.baseUrl}/api/outbound/${encodeURIComponent(key)}`);
  return response.status === 404 ? undefined : ((await response.json()) as LedgerRow);
}

test('a `sending` row whose message is in the poison queue becomes `poisoned` with its reason, one event, the message kept', async () => {
  const key = 'poisoned-unrun-1';
  const at = new Date().toISOString();
  await rig.ledger.createTable().catch(() => undefined);
  // As a delivery that claimed the row and died leaves it: `sending`, its lease still running.
  await rig.ledger.createEntity({
    partitionKey: key,
    rowKey: '',
    status: 'sending',
    type: 'sms',
    to: '+15550900101',
    attempts: 2,
    dequeueCount: 2,
    claimId: 'a-dead-attempt',
    leaseUntil: new Date(Date.now() + 600_000).toISOString(),
    firstAttemptAt: at,
    lastEventStatus: 'sending',
    createdAt: at,
    updatedAt: at,
  });
  await rig.poison.createIfNotExists();
  await rig.poison.sendMessage(JSON.stringify({ type: 'sms', to: '+15550900101', body: 'never ran', idempotencyKey: key }));

  let last: LedgerRow | undefined;
  const row = await waitFor(
    async () => {
      last = await ledgerRow(key);
      return last?.status === 'poisoned' ? last : undefined;
    },
    { context: () => `Row: ${JSON.stringify(last)}\nHost output:\n${rig.host.output()}` },
  );
  expect(row.reason).toBe(
    `the Functions host moved it to the poison queue after ${rig.maxDequeueCount} deliveries; the last did not finish`,
  );

  // Two more sweeps see the message (it reappears after their hold) and change nothing.
  const marked = sweeps().length;
  await waitFor(() => sweeps().length >= marked + 2 || undefined, { context: () => rig.host.output() });
  const mine = (await readEvents()).filter((e) => e.subject === key);
  expect(mine.map((e) => [e.data.previousStatus, e.data.status, e.data.reason])).toEqual([['sending', 'poisoned', row.reason]]);
  expect(sweeps().reduce((sum, s) => sum + s.marked, 0)).toBe(1);
  expect((await ledgerRow(key))?.pendingEvents ?? []).toEqual([]);
  expect((await rig.poison.getProperties()).approximateMessagesCount).toBe(1);
}, 60_000);

// The queue's last delivery of a message dies (the host is killed mid-send). The host then moves the message to
// the poison queue on its next receive without invoking the function again, as the Functions host does
// (QueueProcessor.BeginProcessingMessageAsync), so the ledger must already say `poisoned`: found by the fault soak.
import { MAX_DEQUEUE_COUNT, outboundHelpers, startOutboundRig, type OutboundRig } from '../../harness/outboundRig';
import { waitFor } from '../../harness/waitFor';

let rig: OutboundRig;
const { ledgerRow, rowWithStatus, creates, enqueue } = outboundHelpers(() => rig);
const injected500 = { kind: 'status', status: 500 } as const;

beforeAll(async () => {
  rig = await startOutboundRig({ queueName: 'outbound-last-try', sendLeaseSeconds: 2, hostLeaseSeconds: 2 });
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

test('a host killed during the last delivery leaves the message in the poison queue and the ledger saying poisoned; put back, it is found on Twilio, not sent again', async () => {
  const to = '+15550700001';
  const text = JSON.stringify({ type: 'sms', to, body: 'last try', idempotencyKey: 'last-try-1' });
  rig.planFaults(to, [...Array(MAX_DEQUEUE_COUNT - 1).fill(injected500), { kind: 'forward-then-hold' }]);
  await enqueue(text);
  await waitFor(() => rig.twilio.created.find((c) => c.form.get('To') === to), {
    context: () => `the last delivery never reached Twilio:\n${rig.host.output()}`,
  });
  await rig.killHost();
  await rig.startHost();

  await rig.host.waitForOutput(/has reached MaxDequeueCount of \d+\. Moving message to queue 'outbound-last-try-poison'/);
  const inPoison = await rig.poison.peekMessages({ numberOfMessages: 32 });
  expect(inPoison.peekedMessageItems.map((m) => m.messageText)).toEqual([text]);
  expect(await ledgerRow('last-try-1')).toMatchObject({
    status: 'poisoned',
    dequeueCount: MAX_DEQUEUE_COUNT,
    reason: expect.stringMatching(/poison queue/),
  });

  await enqueue(text);
  expect(await rowWithStatus('last-try-1', 'sent')).toMatchObject({
    reconciled: true,
    sid: rig.twilio.created.find((c) => c.form.get('To') === to)!.sid,
  });
  expect(creates(to).filter((r) => r.status === 201)).toHaveLength(1);
});

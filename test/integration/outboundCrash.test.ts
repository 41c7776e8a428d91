// A crash in the worst place: Twilio has created the message, the host dies before the ledger says so.
// The host process is killed for real (SIGKILL) while Twilio's answer is still on its way, then restarted.
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { MOCK_TWILIO_CREDENTIALS } from '../../devhost/services';
import { outboundHelpers, startOutboundRig, WEBHOOK_BASE_URL, type OutboundRig } from '../../harness/outboundRig';
import { waitFor } from '../../harness/waitFor';

const LEASE_SECONDS = 2;
let rig: OutboundRig;
const { ledgerRow, rowWithStatus, logEntries, logEntry, creates, lookups, enqueue } = outboundHelpers(() => rig);

beforeAll(async () => {
  rig = await startOutboundRig({ queueName: 'outbound-crash', sendLeaseSeconds: LEASE_SECONDS });
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

/** Sends a message, kills the host once Twilio has created it, restarts the host; returns the created SID. */
async function crashAfterTwilioCreated(to: string, text: string): Promise<string> {
  rig.planFaults(to, [{ kind: 'forward-then-hold' }]);
  await enqueue(text);
  const created = await waitFor(() => rig.twilio.created.find((c) => c.form.get('To') === to), {
    context: () => 'Twilio never saw the create',
  });
  await rig.killHost();
  await rig.startHost();
  return created.sid;
}

/**
 * The killed host's lease on the queue message lasts minutes, after which the queue delivers it again.
 * The test delivers it again now: the same text, the same idempotency key.
 */
async function redeliver(text: string): Promise<void> {
  await rig.queue.clearMessages();
  await enqueue(text);
}

test('the redelivered message is looked up on Twilio after the lease and recorded, not sent again', async () => {
  const to = '+15550900001';
  const text = JSON.stringify({ type: 'sms', to, body: 'exactly once', idempotencyKey: 'crash-1' });
  const sid = await crashAfterTwilioCreated(to, text);
  expect(await ledgerRow('crash-1')).toMatchObject({ status: 'sending', attempts: 1 });

  await redeliver(text);
  const row = await rowWithStatus('crash-1', 'sent');
  expect(row).toMatchObject({ sid, reconciled: true, attempts: 2 });
  expect(creates(to)).toHaveLength(1);
  expect(lookups(to)).toHaveLength(1);
  await logEntry('crash-1', /^reconciled/);
});

test("Twilio's status callback completes the row first, and the redelivery then does nothing", async () => {
  const to = '+15550900002';
  const text = JSON.stringify({ type: 'sms', to, body: 'exactly once', idempotencyKey: 'crash-2' });
  const sid = await crashAfterTwilioCreated(to, text);

  const url = `${WEBHOOK_BASE_URL}/api/status?key=crash-2`;
  const params = { MessageSid: sid, MessageStatus: 'sent', AccountSid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID };
  const signature = getExpectedTwilioSignature(MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN, url, params);
  const response = await fetch(`${rig.host.baseUrl}/api/status?key=crash-2`, {
    method: 'POST',
    body: new URLSearchParams(params),
    headers: { 'x-twilio-signature': signature },
  });
  expect(response.status).toBe(204);
  expect(await ledgerRow('crash-2')).toMatchObject({ status: 'sent', sid, reconciled: true });

  await redeliver(text);
  await logEntry('crash-2', /^duplicate$/);
  expect(creates(to)).toHaveLength(1);
  expect(lookups(to)).toHaveLength(0);
  expect(logEntries('crash-2').map((e) => e.outcome)).toEqual(['duplicate']);
});

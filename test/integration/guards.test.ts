// The guards through the local host: one auto-reply budget shared by two app instances on one Azurite table,
// outbound destinations outside OUTBOUND_ALLOWED_COUNTRIES rejected before Twilio is called, and quiet-hours
// windows that hold a message back until they open.
import { MOCK_TWILIO_CREDENTIALS } from '../../devhost/services';
import { parseTwiml } from '../../harness/twiml';
import { startHost, type RunningHost } from '../../harness/localHost';
import { outboundHelpers, startOutboundRig, WEBHOOK_BASE_URL, type OutboundRig } from '../../harness/outboundRig';
import { uniqueSid } from '../../harness/genuineWebhooks';
import { smsParams, twilioPost } from '../../harness/twilioRequests';

const LIMIT = 3;
let rig: OutboundRig;
let second: RunningHost;
const { rowWithStatus, logEntry, creates, enqueue } = outboundHelpers(
  () => rig,
  () => (second ? [second] : []),
);

beforeAll(async () => {
  rig = await startOutboundRig({
    queueName: 'guards-it',
    hostEnv: {
      SMS_AUTO_REPLY: 'Thanks, we will call you back.',
      SMS_AUTO_REPLY_LIMIT: String(LIMIT),
      AUTO_REPLY_TABLE: 'autoreplyguards',
      VOICE_BLOCKLIST: '+1 (415) 555-0166',
      OUTBOUND_ALLOWED_COUNTRIES: '1,353',
    },
  });
  // A second instance of the app on the same storage, as Azure scales out.
  second = await startHost(rig.env);
}, 90_000);

afterAll(async () => {
  await second?.stop();
  await rig?.stop();
});

/** Posts an SMS webhook to one instance; true when the answer carries the auto-reply. */
async function textFrom(host: RunningHost, from: string, body = 'Hello?'): Promise<boolean> {
  const params = smsParams({ From: from, Body: body, MessageSid: uniqueSid('SM'), AccountSid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID });
  const response = await fetch(
    `${host.baseUrl}/api/sms`,
    twilioPost(MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN, `${WEBHOOK_BASE_URL}/api/sms`, params),
  );
  expect(response.status).toBe(200);
  return parseTwiml(await response.text()).children.some((c) => c.name === 'Message');
}

describe('auto-reply limit', () => {
  test('two instances sharing one table send one sender at most SMS_AUTO_REPLY_LIMIT replies an hour, even at once', async () => {
    const sender = '+14155550177';
    const hosts = [rig.host, second, rig.host, second, rig.host, second, rig.host, second, rig.host, second];
    const replied = await Promise.all(hosts.map((host) => textFrom(host, sender)));
    expect(replied.filter(Boolean)).toHaveLength(LIMIT);
    // Later messages in the same hour get nothing from either instance.
    expect(await textFrom(second, sender)).toBe(false);
    expect(await textFrom(rig.host, sender)).toBe(false);
    // Another sender has a budget of its own.
    expect(await textFrom(second, '+14155550178')).toBe(true);
    expect(`${rig.host.output()}${second.output()}`).toContain('the sender had SMS_AUTO_REPLY_LIMIT=3 replies this hour');
  });

  test('short codes and alphanumeric senders get no auto-reply', async () => {
    expect(await textFrom(rig.host, '72345')).toBe(false);
    expect(await textFrom(second, 'ACMEBANK')).toBe(false);
    expect(rig.host.output()).toContain('sms auto-reply not sent: the sender is a short code, an alphanumeric sender ID or no number');
  });

  test('a blocked sender gets no auto-reply and no relay, and the log says so without the number', async () => {
    expect(await textFrom(rig.host, '+14155550166')).toBe(false);
    const output = rig.host.output();
    expect(output).toContain('sms from a VOICE_BLOCKLIST sender: no auto-reply, no relay');
    expect(output).not.toContain('14155550166');
  });
});

describe('outbound destinations', () => {
  test('an SMS to a country outside OUTBOUND_ALLOWED_COUNTRIES is rejected with the reason, and Twilio is never called', async () => {
    const to = '+447700900123';
    await enqueue({ type: 'sms', to, body: 'Hello', idempotencyKey: 'guard-country-sms' });
    const row = await rowWithStatus('guard-country-sms', 'rejected');
    expect(row.reason).toMatch(/country calling code \+44, which OUTBOUND_ALLOWED_COUNTRIES \(\+1, \+353\) does not allow/);
    expect(creates(to)).toEqual([]);
  });

  test('a call to a country outside the list is rejected too; one inside it is placed', async () => {
    await enqueue({ type: 'call', to: '+33612345678', say: 'Hello', idempotencyKey: 'guard-country-call' });
    await enqueue({ type: 'call', to: '+353861234567', say: 'Hello', idempotencyKey: 'guard-country-ireland' });
    expect((await rowWithStatus('guard-country-call', 'rejected')).reason).toMatch(/country calling code \+33/);
    await rowWithStatus('guard-country-ireland', 'sent', 'delivered', 'undelivered', 'failed');
    expect(creates('+33612345678')).toEqual([]);
    expect(creates('+353861234567')).toHaveLength(1);
  });

  test('POST /api/outbound refuses the destination at once with a 400', async () => {
    const response = await fetch(`${rig.host.baseUrl}/api/outbound`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'sms', to: '+8613800138000', body: 'Hi' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ issues: [{ path: 'to', message: expect.stringMatching(/\+86/) }] });
  });
});

describe('quiet hours', () => {
  test('a message outside its window waits until the window opens, then nothing is sent before it', async () => {
    const now = new Date();
    const hhmm = (offsetHours: number) => new Date(now.getTime() + offsetHours * 3_600_000).toISOString().slice(11, 16);
    const to = '+14155550188';
    const window = { start: hhmm(2), end: hhmm(3), timeZone: 'UTC' };
    await enqueue({ type: 'sms', to, body: 'Your appointment', window, idempotencyKey: 'guard-window' });
    const entry = await logEntry('guard-window', /^scheduled$/);
    const until = Date.parse(String(entry.until));
    const opens = new Date(now.getTime() + 2 * 3_600_000);
    opens.setUTCSeconds(0, 0);
    expect(until).toBe(opens.getTime());
    expect((await rowWithStatus('guard-window', 'accepted')).status).toBe('accepted');
    expect(creates(to)).toEqual([]);
  });

  test('a message inside its window goes at once', async () => {
    const to = '+14155550189';
    const around = (offsetHours: number) => new Date(Date.now() + offsetHours * 3_600_000).toISOString().slice(11, 16);
    await enqueue({
      type: 'sms',
      to,
      body: 'Now',
      window: { start: around(-1), end: around(1), timeZone: 'UTC' },
      idempotencyKey: 'guard-window-open',
    });
    await rowWithStatus('guard-window-open', 'sent', 'delivered', 'undelivered', 'failed');
    await logEntry('guard-window-open', /^sent$/);
    expect(creates(to)).toHaveLength(1);
  });
});

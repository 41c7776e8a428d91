// Voicemail recordings that open, in process against Azurite and a loopback Twilio that serves
// the audio only with HTTP Basic auth: the Record action queues a copy job; the job copies the audio into Blob
// storage once and queues the SMS; the SMS's link streams the copy to anyone holding it, and to nobody else.
import { HttpRequest, InvocationContext } from '@azure/functions';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { recording } from '../../functions/recording';
import { voicemail } from '../../functions/voicemail';
import { resetSettingsForTests, settings } from '../../shared/platform/settings';
import { queueClient, blobContainer, resetStorageClientsForTests } from '../../shared/platform/storageClients';
import { resetTwilioCredentialsForTests } from '../../shared/platform/twilioCredentials';
import { resetTwilioClientForTests } from '../../shared/platform/twilioClient';
import { recordingLinkKey, resetRecordingLinkKeyForTests } from '../../shared/recordings/recordingBlob';
import { copyAndNotify, parseRecordingJob, type RecordingJob } from '../../shared/recordings/recordingJob';
import { linkExpiry, recordingLinkQuery } from '../../shared/recordings/recordingLink';
import { mediaAnswer, startTwilioMedia, type TwilioMedia } from '../../harness/twilioMedia';
import { SENTINEL_CREDENTIALS } from '../../harness/secrets';
import { voiceCallParams } from '../../harness/twilioRequests';
import { signedWebhookRequest } from '../../harness/inProcessRequests';
import { uniqueSid } from '../../harness/genuineWebhooks';

const BASE = 'https://calls.example.com';
const ACCOUNT = SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID;
const AUDIO = Buffer.from('ID3 fake mp3 audio of a voicemail');
// functions/voicemailRecording.ts registers its queue trigger from the settings at import, so it is loaded once they are set.
let voicemailRecording: typeof import('../../functions/voicemailRecording').voicemailRecording;
let liveRecordingIo: typeof import('../../shared/recordings/liveRecordingIo').liveRecordingIo;
let azurite: RunningAzurite;
let twilio: TwilioMedia;
const savedEnv = { ...process.env };

function env(extra: Record<string, string> = {}): void {
  process.env = {
    ...savedEnv,
    AzureWebJobsStorage: azurite.connectionString,
    ...SENTINEL_CREDENTIALS,
    TWILIO_API_KEY_SID: '',
    TWILIO_API_KEY_SECRET: '',
    TWILIO_API_BASE_URL: twilio.url,
    WEBHOOK_BASE_URL: BASE,
    OUTBOUND_QUEUE: 'rec-outbound',
    RECORDINGS_QUEUE: 'rec-jobs',
    RECORDINGS_CONTAINER: 'rec-copies',
    VOICEMAIL_NOTIFY: '+14155550188',
    ...extra,
  };
  resetSettingsForTests();
  resetStorageClientsForTests();
  resetTwilioCredentialsForTests();
  resetTwilioClientForTests();
  resetRecordingLinkKeyForTests();
}

beforeAll(async () => {
  azurite = await startAzurite();
  twilio = await startTwilioMedia({ accountSid: ACCOUNT, authToken: SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN });
  env();
  ({ voicemailRecording } = await import('../../functions/voicemailRecording'));
  ({ liveRecordingIo } = await import('../../shared/recordings/liveRecordingIo'));
});

afterAll(async () => {
  process.env = { ...savedEnv };
  resetSettingsForTests();
  resetStorageClientsForTests();
  await twilio?.stop();
  await azurite?.stop();
});

beforeEach(async () => {
  env();
  for (const name of ['rec-outbound', 'rec-jobs']) await (await queueClient(name)).clearMessages();
});

/** Everything the functions logged: the link's signature (its credential) must never be among it. */
const logged: string[] = [];
const context = () => new InvocationContext({ functionName: 'test', logHandler: (_level, ...args) => void logged.push(args.join(' ')) });

async function recordAction(sid: string): Promise<number> {
  const params = voiceCallParams({
    AccountSid: ACCOUNT,
    CallStatus: 'in-progress',
    RecordingSid: sid,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${sid}`,
    RecordingDuration: '7',
  });
  const url = `${BASE}/api/voicemail`;
  const request = signedWebhookRequest(SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN, url, params);
  return (await voicemail(request, context())).status ?? 200;
}

const withoutCorrelation = (message: unknown) => {
  const { correlationId: _id, ...rest } = message as Record<string, unknown>;
  return JSON.stringify(rest);
};

async function messages(queue: string): Promise<unknown[]> {
  const peeked = await (await queueClient(queue)).peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((m) => JSON.parse(m.messageText));
}

async function open(link: string): Promise<{ status: number; body: Buffer; headers: Record<string, string> }> {
  const url = new URL(link);
  const sid = url.pathname.split('/').pop()!;
  const response = await recording(new HttpRequest({ method: 'GET', url: link, params: { sid } }));
  const chunks: Buffer[] = [];
  if (response.body) for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return { status: response.status ?? 200, body: Buffer.concat(chunks), headers: (response.headers ?? {}) as Record<string, string> };
}

const linkIn = (sms: unknown) => /https:\/\/\S+/.exec((sms as { body: string }).body)![0];

test("the stand-in takes the API key for a DELETE, as Twilio's REST API does, not for the media, and its 401 says why", () => {
  // Found by the fault soak: the app's REST client deletes with the API key; the stand-in refused it with a 401 that
  // had no message, so the copy job failed as "undefined" and went to the poison queue.
  const apiKey = { sid: SENTINEL_CREDENTIALS.TWILIO_API_KEY_SID, secret: SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET };
  const account = { accountSid: ACCOUNT, authToken: SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN, apiKey };
  const store = { recordings: new Map<string, Buffer>(), deleted: new Set<string>(), anyAudio: AUDIO };
  const withKey = `Basic ${Buffer.from(`${apiKey.sid}:${apiKey.secret}`).toString('base64')}`;
  const sid = uniqueSid('RE');
  const path = (extension: string) => `/2010-04-01/Accounts/${ACCOUNT}/Recordings/${sid}${extension}`;
  const media = mediaAnswer(account, store, { method: 'GET', path: path('.mp3'), authorization: withKey });
  expect(media).toMatchObject({ status: 401 });
  expect(JSON.parse(String(media!.body))).toMatchObject({ code: 20003, message: 'Authenticate' });
  expect(mediaAnswer(account, store, { method: 'DELETE', path: path('.json'), authorization: withKey })).toMatchObject({ status: 204 });
  expect(store.deleted.has(sid)).toBe(true);
});

test('the raw RecordingUrl needs the account credentials: the stand-in answers 401 without them', async () => {
  const sid = uniqueSid('RE');
  twilio.addRecording(sid, AUDIO);
  const response = await fetch(`${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${sid}.mp3`);
  expect(response.status).toBe(401);
});

test('a voicemail is copied into Blob storage and texted as a link that opens without Twilio credentials', async () => {
  const sid = uniqueSid('RE');
  twilio.addRecording(sid, AUDIO);
  expect(await recordAction(sid)).toBe(200);
  const jobs = await messages('rec-jobs');
  expect(jobs).toEqual([
    {
      type: 'voicemail-recording',
      recordingSid: sid,
      notify: '+14155550188',
      caller: '+14155550111',
      duration: '7',
      linkBase: BASE,
      correlationId: expect.stringMatching(/^[0-9a-f]{32}$/),
    },
  ]);
  // The webhook no longer texts Twilio's URL itself.
  expect(await messages('rec-outbound')).toEqual([]);

  await voicemailRecording(jobs[0], context());
  const [sms] = await messages('rec-outbound');
  // The notification carries the voicemail webhook request's id, which the job brought (docs/outbound.md, One id through the path).
  expect(sms).toMatchObject({
    type: 'sms',
    to: '+14155550188',
    idempotencyKey: `voicemail-recording-${sid}`,
    correlationId: (jobs[0] as { correlationId: string }).correlationId,
  });
  const link = linkIn(sms);
  expect(link).toMatch(new RegExp(`^${BASE}/api/recordings/${sid}\\?exp=\\d+&sig=[\\w-]{43}$`));
  expect((sms as { body: string }).body).not.toContain('api.twilio.com');
  expect(twilio.log).toContain(`GET ${sid} 200`);

  const sig = new URL(link).searchParams.get('sig')!;
  expect(logged.join('\n')).not.toContain(sig);
  expect(logged.join('\n')).toContain(`voicemail recording ${sid} copied; notification queued`);

  const opened = await open(link);
  expect(opened.status).toBe(200);
  expect(opened.body.equals(AUDIO)).toBe(true);
  expect(opened.headers['Content-Type']).toBe('audio/mpeg');
  expect(opened.headers['Cache-Control']).toBe('private, no-store');
  // The recording stays on Twilio unless RECORDINGS_DELETE_FROM_TWILIO says otherwise.
  expect(twilio.has(sid)).toBe(true);
});

test('the link expires after RECORDING_LINK_DAYS (7 by default)', async () => {
  const sid = uniqueSid('RE');
  twilio.addRecording(sid, AUDIO);
  const before = Date.now();
  await voicemailRecording(
    { type: 'voicemail-recording', recordingSid: sid, notify: '+14155550188', caller: 'x', linkBase: BASE },
    context(),
  );
  const exp = Number(new URL(linkIn((await messages('rec-outbound'))[0])).searchParams.get('exp'));
  expect(exp * 1000).toBeGreaterThanOrEqual(before + 7 * 86_400_000 - 1000);
  expect(exp * 1000).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
});

test('anyone without the link gets nothing: tampered, expired, another recording, unknown recording', async () => {
  const [sid, other] = [uniqueSid('RE'), uniqueSid('RE')];
  for (const s of [sid, other]) {
    twilio.addRecording(s, AUDIO);
    await voicemailRecording(
      { type: 'voicemail-recording', recordingSid: s, notify: '+14155550188', caller: 'x', linkBase: BASE },
      context(),
    );
  }
  const link = linkIn((await messages('rec-outbound')).find((m) => (m as { body: string }).body.includes(sid)));
  const url = new URL(link);
  const sig = url.searchParams.get('sig')!;
  const key = await recordingLinkKey();
  const expiredQuery = recordingLinkQuery(key, { sid, expiresAt: Math.floor(Date.now() / 1000) - 1 });
  const cases: Array<[string, string, number]> = [
    ['no query', `${BASE}/api/recordings/${sid}`, 403],
    ['a tampered signature', link.replace(sig, `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`), 403],
    ['a later expiry', link.replace(/exp=\d+/, `exp=${Number(url.searchParams.get('exp')) + 86_400}`), 403],
    ['an expired link, correctly signed', `${BASE}/api/recordings/${sid}?${expiredQuery}`, 403],
    ["another recording's signature", link.replace(sid, other), 403],
    ['the signing key blob itself', `${BASE}/api/recordings/link-signing-key?${url.search.slice(1)}`, 403],
    [
      'a correctly signed link to a recording with no copy',
      `${BASE}/api/recordings/${uniqueSid('RE')}`.replace(
        /(RE\w+)$/,
        (s) => `${s}?${recordingLinkQuery(key, { sid: s, expiresAt: 4102444800 })}`,
      ),
      404,
    ],
  ];
  for (const [what, target, status] of cases) {
    const opened = await open(target);
    expect([what, opened.status, opened.body.length]).toEqual([what, status, 0]);
  }
});

test('the copy and the SMS happen once per RecordingSid, even when the host dies between the copy and the enqueue', async () => {
  const sid = uniqueSid('RE');
  twilio.addRecording(sid, AUDIO);
  const job: RecordingJob = parseRecordingJob({
    type: 'voicemail-recording',
    recordingSid: sid,
    notify: '+14155550188',
    caller: 'x',
    linkBase: BASE,
  });
  const options = { linkTtlMs: settings().recordings.linkTtlMs, deleteFromTwilio: false, linkExpiry };
  const killedBeforeEnqueue = {
    ...liveRecordingIo,
    enqueueSms: async () => {
      throw new Error('host killed');
    },
  };
  await expect(copyAndNotify(killedBeforeEnqueue, job, options)).rejects.toThrow('host killed');
  expect(await messages('rec-outbound')).toEqual([]);

  // The queue delivers the job again (twice, say: a repeated Record action queued it twice).
  await voicemailRecording(job, context());
  await voicemailRecording(job, context());
  expect(twilio.log.filter((line) => line === `GET ${sid} 200`)).toHaveLength(1);
  const sms = await messages('rec-outbound');
  // Every copy of the outbound message has the same key and text: the outbound ledger sends it once. (A job queued
  // without a correlationId takes each invocation's; the content hash leaves it out, and the row keeps the first.)
  expect(new Set(sms.map(withoutCorrelation)).size).toBe(1);
  const blobs: string[] = [];
  for await (const blob of (await blobContainer('rec-copies')).listBlobsFlat({ prefix: sid })) blobs.push(blob.name);
  expect(blobs).toEqual([`${sid}.mp3`]);
});

test('with RECORDINGS_DELETE_FROM_TWILIO=true the recording is deleted from Twilio after the copy', async () => {
  env({ RECORDINGS_DELETE_FROM_TWILIO: 'true' });
  const sid = uniqueSid('RE');
  twilio.addRecording(sid, AUDIO);
  await voicemailRecording(
    { type: 'voicemail-recording', recordingSid: sid, notify: '+14155550188', caller: 'x', linkBase: BASE },
    context(),
  );
  expect(twilio.has(sid)).toBe(false);
  expect(twilio.log.slice(-2)).toEqual([`GET ${sid} 200`, `DELETE ${sid} 204`]);
  // The copy still opens, and a retried job (Twilio now answers 404) still texts the same link.
  const [sms] = await messages('rec-outbound');
  expect((await open(linkIn(sms))).status).toBe(200);
  await voicemailRecording(
    { type: 'voicemail-recording', recordingSid: sid, notify: '+14155550188', caller: 'x', linkBase: BASE },
    context(),
  );
  expect(new Set((await messages('rec-outbound')).map(withoutCorrelation)).size).toBe(1);
});

test('Twilio refusing the audio fails the job with the status, and leaves nothing half done', async () => {
  env({ TWILIO_AUTH_TOKEN: 'a-wrong-token' });
  const sid = uniqueSid('RE');
  twilio.addRecording(sid, AUDIO);
  await expect(
    voicemailRecording({ type: 'voicemail-recording', recordingSid: sid, notify: '+14155550188', caller: 'x', linkBase: BASE }, context()),
  ).rejects.toThrow(`Twilio answered 401 for the audio of recording ${sid}`);
  expect(await messages('rec-outbound')).toEqual([]);
});

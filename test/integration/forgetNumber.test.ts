// npm run forget-number against Azurite: two numbers' rows, written by the app's own writers into every store that
// holds a number, and the built command erasing one of them. The other number's rows, and the first number's
// message still being sent, stay.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { repoRoot } from '../../harness/localHost';
import { recordActivity } from '../../shared/activity/activityTable';
import { exampleStreamEvent } from '../../shared/eventStreams/exampleEvents';
import { oversizedBlob } from '../../shared/eventStreams/oversizedBlob';
import { newConversation } from '../../shared/assistant/conversation';
import { writeConversation } from '../../shared/assistant/conversationTable';
import { takeAutoReply } from '../../shared/guards/autoReplyTable';
import { callback, claim, sent } from '../../shared/outbound/ledger';
import { updateLedgerRow } from '../../shared/outbound/ledgerTable';
import { recordOptOut } from '../../shared/outbound/optOutTable';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { resetStorageClientsForTests } from '../../shared/platform/storageClients';
import { resetRecordingLinkKeyForTests, saveRecordingCopy } from '../../shared/recordings/recordingBlob';

const run = promisify(execFile);
const GONE = '+15557650001';
const STAYS = '+15557650002';
const TABLES = {
  OUTBOUND_LEDGER: 'forgetledger',
  OPTOUT_TABLE: 'forgetoptouts',
  ACTIVITY_TABLE: 'forgetactivity',
  AUTO_REPLY_TABLE: 'forgetautoreplies',
  ASSISTANT_TABLE: 'forgetassistant',
  RECORDINGS_CONTAINER: 'forgetrecordings',
  OUTBOUND_QUEUE: 'forget-outbound',
  RECORDINGS_QUEUE: 'forget-recordings',
  EVENT_STREAMS_OVERSIZED_CONTAINER: 'forgetkeptevents',
};
const env = { ...process.env };
let azurite: RunningAzurite;
let scratch: string;
let childEnv: Record<string, string>;

const callSidOf = (n: number) => `CA${String(n).padStart(32, '0')}`;
const recordingSidOf = (n: number) => `RE${String(n).padStart(32, '0')}`;

/** Everything the app keeps about a number, written as the app writes it; `n` tells the two numbers' ids apart. */
async function keepEverything(number: string, n: number): Promise<void> {
  const now = new Date('2026-12-06T10:00:00Z');
  const info = { type: 'sms' as const, to: number, from: '+15550001111' };
  await updateLedgerRow(`delivered-${n}`, claim({ key: `delivered-${n}`, claimId: 'c', now, leaseMs: 60_000, info }));
  await updateLedgerRow(`delivered-${n}`, sent({ sid: `SM${String(n).padStart(32, '0')}`, now }));
  await updateLedgerRow(
    `delivered-${n}`,
    callback({ kind: 'sms', sid: `SM${String(n).padStart(32, '0')}`, twilioStatus: 'delivered', now }),
  );
  await updateLedgerRow(
    `whatsapp-${n}`,
    claim({ key: `whatsapp-${n}`, claimId: 'c', now, leaseMs: 60_000, info: { ...info, to: `whatsapp:${number}` } }),
  );
  await updateLedgerRow(`whatsapp-${n}`, sent({ sid: `SM${String(n + 50).padStart(32, '0')}`, now }));
  await updateLedgerRow(`sending-${n}`, claim({ key: `sending-${n}`, claimId: 'c', now, leaseMs: 60_000, info }));
  await recordOptOut(number, 'STOP');
  await recordOptOut(number, 'STOP', '+15550001111');
  await takeAutoReply(number, 5, now);
  const common = { at: now.toISOString(), from: number, to: '+15550001111', sid: callSidOf(n) };
  await recordActivity(TABLES.ACTIVITY_TABLE, { ...common, eventId: `call-${n}`, kind: 'call', outcome: 'voicemail' });
  await recordActivity(TABLES.ACTIVITY_TABLE, {
    ...common,
    eventId: `voicemail-${n}`,
    kind: 'voicemail',
    outcome: 'voicemail',
    recordingSid: recordingSidOf(n),
  });
  await recordActivity(TABLES.ACTIVITY_TABLE, { ...common, eventId: `sms-${n}`, kind: 'sms', sid: `SM${n}`, outcome: 'opted out' });
  const conversation = newConversation(callSidOf(n), now);
  conversation.transcript.push({ role: 'caller', text: 'please call me back', turn: 1 });
  await writeConversation(TABLES.ASSISTANT_TABLE, { conversation, completed: true });
  // What the host leaves in the poison queues: the outbound message as its producer wrote it (base64 here, as the
  // output binding writes), and a recording job.
  const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  const outboundPoison = queues.getQueueClient(`${TABLES.OUTBOUND_QUEUE}-poison`);
  const recordingsPoison = queues.getQueueClient(`${TABLES.RECORDINGS_QUEUE}-poison`);
  await Promise.all([outboundPoison.createIfNotExists(), recordingsPoison.createIfNotExists()]);
  await outboundPoison.sendMessage(
    Buffer.from(JSON.stringify({ type: 'sms', to: number, body: 'x', idempotencyKey: `poisoned-${n}` })).toString('base64'),
  );
  await recordingsPoison.sendMessage(
    JSON.stringify({ type: 'voicemail-recording', recordingSid: recordingSidOf(n), notify: '+15550001111', caller: number }),
  );
  await saveRecordingCopy(recordingSidOf(n), { bytes: Buffer.from('ID3 voicemail'), contentType: 'audio/mpeg' }, Date.now() + 86_400_000);
  // An Event Streams event too large for the events queue, kept whole by the sink's own writer.
  const event = exampleStreamEvent(n, 'AC00000000000000000000000000000000', { data: { to: number, body: 'x'.repeat(60_000) } });
  await oversizedBlob(TABLES.EVENT_STREAMS_OVERSIZED_CONTAINER).keep(
    [{ event, bytes: 60_100, reason: 'over 48 KiB', correlationId: 'c'.repeat(32) }],
    AbortSignal.timeout(10_000),
  );
}

async function keys(table: string): Promise<string[]> {
  const client = TableClient.fromConnectionString(azurite.connectionString, table, { allowInsecureConnection: true });
  const found: string[] = [];
  for await (const entity of client.listEntities<Record<string, unknown>>())
    found.push(`${entity.partitionKey}|${entity.rowKey}|${String(entity.from ?? '')}|${String(entity.to ?? '')}`);
  return found.sort();
}

async function blobs(containerName: string = TABLES.RECORDINGS_CONTAINER): Promise<string[]> {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(containerName);
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

async function poisonTexts(): Promise<string[]> {
  const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  const texts: string[] = [];
  for (const queue of [`${TABLES.OUTBOUND_QUEUE}-poison`, `${TABLES.RECORDINGS_QUEUE}-poison`]) {
    const { peekedMessageItems } = await queues.getQueueClient(queue).peekMessages({ numberOfMessages: 32 });
    texts.push(
      ...peekedMessageItems.map((m) => (m.messageText.startsWith('{') ? m.messageText : Buffer.from(m.messageText, 'base64').toString())),
    );
  }
  return texts.sort();
}

async function everything(): Promise<Record<string, string[]>> {
  const tables = await Promise.all(
    (['OUTBOUND_LEDGER', 'OPTOUT_TABLE', 'ACTIVITY_TABLE', 'AUTO_REPLY_TABLE', 'ASSISTANT_TABLE'] as const).map((k) => keys(TABLES[k])),
  );
  return {
    ledger: tables[0],
    optOuts: tables[1],
    activity: tables[2],
    autoReplies: tables[3],
    conversations: tables[4],
    recordings: await blobs(),
    poison: await poisonTexts(),
    keptEvents: await blobs(TABLES.EVENT_STREAMS_OVERSIZED_CONTAINER),
  };
}

function forget(args: string[]) {
  return run(process.execPath, [join(repoRoot, 'build', 'forget-number.js'), ...args], { cwd: scratch, env: childEnv }).catch(
    (error: { stdout?: string; stderr?: string; code?: number }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
      code: error.code,
    }),
  );
}

beforeAll(async () => {
  azurite = await startAzurite();
  scratch = mkdtempSync(join(tmpdir(), 'forget-number-'));
  childEnv = { PATH: process.env.PATH ?? '', AzureWebJobsStorage: azurite.connectionString, ...TABLES };
  Object.assign(process.env, childEnv);
  resetSettingsForTests();
  resetStorageClientsForTests();
  resetRecordingLinkKeyForTests();
  await keepEverything(GONE, 1);
  await keepEverything(STAYS, 2);
}, 120_000);

afterAll(async () => {
  process.env = env;
  resetSettingsForTests();
  resetStorageClientsForTests();
  resetRecordingLinkKeyForTests();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await azurite?.stop();
});

test('without --yes it counts per store, deletes nothing, and never prints the number', async () => {
  const before = await everything();
  const result = await forget(['+1 555 765 0001']);
  expect(result.stderr).toBe('');
  expect(result.stdout.split('\n')).toEqual([
    'The number is held in:',
    expect.stringMatching(/^ {2}outbound ledger rows: +3 found, 2 to delete, 1 kept \(in flight/),
    expect.stringMatching(/^ {2}poison queue messages: +2 found, 2 to delete$/),
    expect.stringMatching(/^ {2}Event Streams events kept aside: +1 found, 1 to delete$/),
    expect.stringMatching(/^ {2}opt-outs: +2 found, 2 to delete$/),
    expect.stringMatching(/^ {2}auto-reply counts: +1 found, 1 to delete$/),
    expect.stringMatching(/^ {2}activity rows: +3 found, 3 to delete$/),
    expect.stringMatching(/^ {2}assistant conversations \(transcripts\): +1 found, 1 to delete$/),
    expect.stringMatching(/^ {2}voicemail recordings: +1 found, 1 to delete$/),
    'Nothing was deleted: run with --yes to erase.',
    '',
  ]);
  expect(result.stdout).not.toMatch(/765/);
  expect(await everything()).toEqual(before);
});

test("with --yes only that number's rows and blobs go; the other number's stay, and so does a send in flight", async () => {
  const before = await everything();
  const result = await forget(['--yes', GONE]);
  expect(result.stderr).toBe('');
  expect(result.stdout).toMatch(/^Erased the number:\n {2}outbound ledger rows: +3 found, 2 deleted, 1 kept/);
  expect(result.stdout).not.toMatch(/765/);
  const after = await everything();
  const ofStays = (rows: string[]) => rows.filter((r) => !r.includes(GONE) && !r.includes(callSidOf(1)) && !r.includes(recordingSidOf(1)));
  expect(after).toEqual({
    ledger: [...ofStays(before.ledger), `sending-1||+15550001111|${GONE}`].sort(),
    optOuts: ofStays(before.optOuts),
    activity: ofStays(before.activity),
    autoReplies: ofStays(before.autoReplies),
    conversations: ofStays(before.conversations),
    recordings: ofStays(before.recordings),
    poison: ofStays(before.poison),
    keptEvents: [`EZ${(2).toString(16).padStart(32, '0')}.json`],
  });
  expect(before.keptEvents).toHaveLength(2);
  expect(after.poison).toHaveLength(2);
  // The other number still has everything.
  expect(after.optOuts).toHaveLength(2);
  expect(after.activity).toHaveLength(3);
  expect(after.conversations).toEqual([`${callSidOf(2)}|conversation||`]);
  expect(after.recordings).toEqual([`${recordingSidOf(2)}.mp3`]);
});

test('run again, it finds only the send in flight', async () => {
  const result = await forget(['--yes', GONE]);
  expect(result.stdout).toMatch(/outbound ledger rows: +1 found, 0 deleted, 1 kept/);
  expect(result.stdout.match(/ 0 found, 0 deleted/g)).toHaveLength(7);
});

// The fault phase's producers for the rest of the outbound surface, and what the run reads back for its audit:
// cancels racing sends (DELETE /api/outbound/{key}), batches posted again by their producer, voicemail recordings
// (the Record action's webhook, the copy job, its notification), schedules longer than the queue's hop, and the
// events queue. They run in the same waves, under the same faults, as the messages of harness/soak/outboundFaults.ts.
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { recipientKey } from '../../shared/outbound/batch';
import { drainTexts, WEBHOOK_BASE_URL, type OutboundRig } from '../outboundRig';
import { SENTINEL_CREDENTIALS } from '../secrets';
import { mediaAnswer } from '../twilioMedia';
import { twilioPost, voiceCallParams } from '../twilioRequests';
import type { AuditEvent, BatchRecord, CancelRecord, CheckEntry, RecordingRecord, ScheduleRecord } from './faultAudit';
import type { PlannedBatch, PlannedCancel, PlannedLongSchedule, PlannedRecording } from './faultPlan';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `attempt` until it returns true: a producer that keeps trying while storage or the app is down. */
export async function persist(what: string, attempt: () => Promise<boolean>, minutes = 1): Promise<void> {
  for (let tries = 0; tries < 240 * minutes; tries++) {
    try {
      if (await attempt()) return;
    } catch {
      // Storage or the app is down for now: try again.
    }
    await sleep(250);
  }
  throw new Error(`${what}: still failing after ${minutes} minute(s) of retries`);
}

/** The inbound activity table the voicemail webhooks write (audited: one row per answered event). */
export const ACTIVITY_TABLE_NAME = 'soakactivity';
export const SURFACE_QUEUES = { events: 'soak-events', recordings: 'soak-recordings' };
const RECORDINGS_CONTAINER = 'soakrecordings';
const AUDIO = Buffer.from('ID3 soak voicemail audio');

/**
 * The app settings the surface needs: events on their own queue, recordings copied (and deleted on Twilio, the step
 * between the copy and the notification where the phase kills the host), status re-checks after `reconcileAfterSeconds`,
 * and the queue's 7-day hop shortened to `hopSeconds` (OUTBOUND_TEST_QUEUE_HOP_SECONDS, a Development-only seam).
 */
export function surfaceEnv(options: { hopSeconds: number; reconcileAfterSeconds: number }): Record<string, string> {
  return {
    EVENTS_QUEUE: SURFACE_QUEUES.events,
    RECORDINGS_QUEUE: SURFACE_QUEUES.recordings,
    RECORDINGS_CONTAINER,
    ACTIVITY_TABLE: ACTIVITY_TABLE_NAME,
    RECORDINGS_DELETE_FROM_TWILIO: 'true',
    OUTBOUND_RECONCILE_AFTER_SECONDS: String(options.reconcileAfterSeconds),
    OUTBOUND_TEST_QUEUE_HOP_SECONDS: String(options.hopSeconds),
  };
}

export interface SurfaceRecords {
  cancels: CancelRecord[];
  batches: BatchRecord[];
  recordings: RecordingRecord[];
  schedules: ScheduleRecord[];
}

export const newSurfaceRecords = (): SurfaceRecords => ({ cancels: [], batches: [], recordings: [], schedules: [] });

const RECORDING_PATH = /\/Recordings\/(RE[0-9a-f]{32})\.json$/;

/**
 * Twilio's recording media for every SID (Basic auth with the sentinel account), and a way to hold the next DELETE of
 * one recording unanswered: the copy job has then made its copy and not yet queued the notification.
 */
export function serveRecordings(rig: OutboundRig): { holdNextDelete(sid: string): void; held(sid: string): boolean } {
  const media = { recordings: new Map<string, Buffer>(), deleted: new Set<string>(), anyAudio: AUDIO };
  const account = {
    accountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID,
    authToken: SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN,
    // The app's REST client signs in with the API key (the vault holds one): the DELETE comes with it.
    apiKey: { sid: SENTINEL_CREDENTIALS.TWILIO_API_KEY_SID, secret: SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET },
  };
  const toHold = new Set<string>();
  const held = new Set<string>();
  rig.twilio.serve = (request) => mediaAnswer(account, media, request);
  rig.twilio.hold = ({ method, path }) => {
    const sid = method === 'DELETE' ? RECORDING_PATH.exec(new URL(path, 'http://x').pathname)?.[1] : undefined;
    if (!sid || !toHold.delete(sid)) return false;
    held.add(sid);
    return true;
  };
  return { holdNextDelete: (sid) => void toHold.add(sid), held: (sid) => held.has(sid) };
}

async function post(rig: OutboundRig, path: string, body: unknown, method = 'POST'): Promise<Response> {
  return fetch(`${rig.host.baseUrl}/api/${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
}

/** Long schedules, each POSTed once with a sendAt several hops ahead. */
export async function produceSchedules(
  rig: OutboundRig,
  schedules: PlannedLongSchedule[],
  records: SurfaceRecords,
  now: number,
): Promise<void> {
  await Promise.all(
    schedules.map(async (schedule) => {
      const dueAt = now + schedule.dueInMs;
      const message = {
        type: 'sms',
        to: schedule.to,
        body: `Reminder ${schedule.key}`,
        sendAt: new Date(dueAt).toISOString(),
        idempotencyKey: schedule.key,
      };
      await persist(`scheduling ${schedule.key}`, async () => (await post(rig, 'outbound', message)).status === 202);
      records.schedules.push({ key: schedule.key, dueAt });
    }),
  );
}

/** Each message POSTed, then canceled while its send may be under way; the DELETE retried while the app or storage is down. */
export async function produceCancels(rig: OutboundRig, cancels: PlannedCancel[], records: SurfaceRecords): Promise<void> {
  await Promise.all(
    cancels.map(async (cancel) => {
      const message = {
        type: 'sms',
        to: cancel.to,
        body: `Appointment ${cancel.key} confirmed`,
        idempotencyKey: cancel.key,
        ...(cancel.dueInMs > 0 && { sendAt: new Date(Date.now() + cancel.dueInMs).toISOString() }),
      };
      await persist(`posting ${cancel.key}`, async () => (await post(rig, 'outbound', message)).status === 202);
      await sleep(cancel.cancelAfterMs);
      const answers: number[] = [];
      await persist(`canceling ${cancel.key}`, async () => {
        const { status } = await post(rig, `outbound/${cancel.key}`, undefined, 'DELETE');
        answers.push(status);
        return status < 500;
      });
      records.cancels.push({ key: cancel.key, answer: answers.at(-1)!, answers });
    }),
  );
}

/** Each batch POSTed `posts` times, a second apart, each POST retried until it is answered 200 or 4xx. */
export async function produceBatches(rig: OutboundRig, batches: PlannedBatch[], records: SurfaceRecords): Promise<void> {
  await Promise.all(
    batches.map(async (batch) => {
      const body = {
        idempotencyKey: batch.batchKey,
        messages: batch.recipients.map((to, i) => ({ type: 'sms', to, body: `Batch ${batch.batchKey}, line ${i}` })),
      };
      const record: BatchRecord = {
        batchKey: batch.batchKey,
        recipientKeys: batch.recipients.map((to) => recipientKey(batch.batchKey, to)),
        answers: [],
        completePosts: 0,
      };
      for (let post_ = 0; post_ < batch.posts; post_++) {
        if (post_ > 0) await sleep(1000);
        await persist(`posting batch ${batch.batchKey}`, async () => {
          const response = await post(rig, 'outbound/batch', body);
          record.answers.push(response.status);
          if (response.status >= 500) return false;
          const answer = (await response.json()) as { results?: Array<{ key?: string; status?: string }> };
          const complete =
            response.status === 200 &&
            answer.results?.length === batch.recipients.length &&
            answer.results.every((r, i) => r.key === record.recipientKeys[i] && typeof r.status === 'string');
          if (complete) record.completePosts++;
          return true;
        });
      }
      records.batches.push(record);
    }),
  );
}

/** The Record action's webhook, signed as Twilio signs it; 200 once the app has queued the copy job. */
async function recordAction(rig: OutboundRig, recording: PlannedRecording): Promise<boolean> {
  const account = SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID;
  const params = voiceCallParams({
    AccountSid: account,
    CallSid: `CA${recording.sid.slice(2)}`,
    CallStatus: 'completed',
    RecordingSid: recording.sid,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${account}/Recordings/${recording.sid}`,
    RecordingDuration: '7',
  });
  const path = `/api/voicemail?Notify=${encodeURIComponent(recording.notify)}`;
  const response = await fetch(
    `${rig.host.baseUrl}${path}`,
    twilioPost(SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN, `${WEBHOOK_BASE_URL}${path}`, params),
  );
  return response.status === 200;
}

const notificationKey = (sid: string) => `voicemail-recording-${sid}`;

/** Each recording's Record action, once or (Twilio retrying it) twice, retried while the app or storage is down. */
export async function produceRecordings(rig: OutboundRig, recordings: PlannedRecording[], records: SurfaceRecords): Promise<void> {
  await Promise.all(
    recordings.map(async (recording) => {
      let webhooks = 0;
      for (let time = 0; time < (recording.twice ? 2 : 1); time++) {
        await persist(`voicemail ${recording.sid}`, () => recordAction(rig, recording));
        webhooks++;
      }
      records.recordings.push({
        sid: recording.sid,
        notificationKey: notificationKey(recording.sid),
        webhooks,
        killedBetweenCopyAndEnqueue: false,
      });
    }),
  );
}

async function copyExists(rig: OutboundRig, sid: string): Promise<boolean> {
  const container = BlobServiceClient.fromConnectionString(rig.azurite.connectionString).getContainerClient(RECORDINGS_CONTAINER);
  return container.getBlockBlobClient(`${sid}.mp3`).exists();
}

/**
 * One recording whose host is killed (SIGKILL) after it copied the audio into Blob storage and before it queued the
 * notification: its DELETE on Twilio, the step in between, is held unanswered until the kill.
 */
export async function killBetweenCopyAndEnqueue(
  rig: OutboundRig,
  recording: PlannedRecording,
  recordings: ReturnType<typeof serveRecordings>,
  records: SurfaceRecords,
): Promise<boolean> {
  recordings.holdNextDelete(recording.sid);
  await persist(`voicemail ${recording.sid}`, () => recordAction(rig, recording));
  const deadline = Date.now() + 30_000;
  while (!recordings.held(recording.sid) && Date.now() < deadline) await sleep(50);
  const between = recordings.held(recording.sid) && (await copyExists(rig, recording.sid));
  await rig.killHost();
  await rig.startHost();
  records.recordings.push({
    sid: recording.sid,
    notificationKey: notificationKey(recording.sid),
    webhooks: 1,
    killedBetweenCopyAndEnqueue: between,
  });
  return between;
}

/** The recordings whose notification's link, opened through the app, answers 200 with the audio. */
export async function openedLinks(rig: OutboundRig, bodies: Map<string, string>): Promise<Set<string>> {
  const opened = new Set<string>();
  for (const [sid, body] of bodies) {
    const link = /https?:\/\/\S+\/api\/recordings\/\S+/.exec(body)?.[0];
    if (!link) continue;
    const url = new URL(link);
    try {
      const response = await fetch(`${rig.host.baseUrl}${url.pathname}${url.search}`);
      if (response.status === 200 && Buffer.from(await response.arrayBuffer()).equals(AUDIO)) opened.add(sid);
    } catch {
      // Not opened: reported by the audit.
    }
  }
  return opened;
}

/** What the surface left behind, read once nothing runs any more. */
export async function readSurface(
  rig: OutboundRig,
): Promise<{ events: AuditEvent[]; copies: Set<string>; activity: Array<{ kind: string; sid?: string; recordingSid?: string }> }> {
  const queues = QueueServiceClient.fromConnectionString(rig.azurite.connectionString);
  const events = (await drainTexts(queues.getQueueClient(SURFACE_QUEUES.events))).map((text) => JSON.parse(text) as AuditEvent);
  const copies = new Set<string>();
  const container = BlobServiceClient.fromConnectionString(rig.azurite.connectionString).getContainerClient(RECORDINGS_CONTAINER);
  if (await container.exists()) {
    for await (const blob of container.listBlobsFlat()) if (blob.name.endsWith('.mp3')) copies.add(blob.name.slice(0, -4));
  }
  const activity: Array<{ kind: string; sid?: string; recordingSid?: string }> = [];
  const table = TableClient.fromConnectionString(rig.azurite.connectionString, ACTIVITY_TABLE_NAME, { allowInsecureConnection: true });
  try {
    for await (const row of table.listEntities<{ kind: string; sid?: string; recordingSid?: string }>()) activity.push(row);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return { events, copies, activity };
}

/** The app's structured log entries of one event kind, across every host the run started. */
function logEntries(output: string, event: string): Array<Record<string, unknown>> {
  const marker = `{"event":"${event}"`;
  return output
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => JSON.parse(line.slice(line.indexOf(marker))) as Record<string, unknown>);
}

/** Every status check the app made, from its `status-check` log entries. */
export function checkEntries(output: string): CheckEntry[] {
  return logEntries(output, 'status-check').map((e) => ({ key: String(e.key), check: Number(e.check) }));
}

/** Per key, how many times its message came back before it was due and was put back on the queue (`scheduled`). */
export function hopsPerKey(output: string): Map<string, number> {
  const hops = new Map<string, number>();
  for (const entry of logEntries(output, 'outbound')) {
    if (entry.outcome === 'scheduled') hops.set(String(entry.key), (hops.get(String(entry.key)) ?? 0) + 1);
  }
  return hops;
}

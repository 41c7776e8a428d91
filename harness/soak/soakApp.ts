// The app as the soak runs it: Azurite, then the built app under the local host with signature checks on
// and known (sentinel) credentials, so the soak can also prove that none of them reaches the host's output.
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { startFakeTwilio, type FakeTwilio } from '../fakeTwilio';
import { startHost, type RunningHost } from '../localHost';
import { startChatCompletionsStandIn, type RunningStandIn } from '../../devhost/chatCompletionsStandIn';
import { SENTINEL_CREDENTIALS } from '../secrets';
import { assistantWithStandIn } from '../assistantStandIn';
import type { LoadTarget } from './webhookLoad';

export interface SoakApp {
  azurite: RunningAzurite;
  host: RunningHost;
  /** Where the app sends outbound messages: records each create's body. */
  twilio: FakeTwilio;
  /** What the webhook load needs to sign its requests and know the right answers. */
  target: LoadTarget;
  /** The chat-completions stand-in the assistant's turns go to. */
  model: RunningStandIn;
  stop(): Promise<void>;
}

/** Where the webhooks and the Event Streams sink publish; the soak's subscriber empties it. */
export const SOAK_EVENTS_QUEUE = 'soak-events';

const FORWARD_TO = '+14155550100';
const FROM_NUMBER = '+15005550006';
const AUTO_REPLY = 'Thanks {from}, we got your message.';
const BLOCKED = '+14155550166';
const AUDIO_CONTAINER = 'soakaudio';
const HOLD_MUSIC = 'hold-music.mp3';
/**
 * Open in even minutes, closed in odd ones (UTC), so a soak of a minute or more meets both answers of the voice
 * webhook; each answer is checked against the clock (webhookLoad.ts).
 */
const EVEN_MINUTES = `Mon-Sun ${Array.from({ length: 720 }, (_, i) => `${clock(2 * i)}-${clock(2 * i + 1)}`).join(',')}`;

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Hold music the audio function serves from the private container: ASCII, so autocannon's text body is the file. */
const HOLD_MUSIC_BYTES = Buffer.from(`ID3 soak hold music ${'la '.repeat(5000)}`);

export interface SoakAppOptions {
  /** The host samples its own memory and event-loop delay into this file (devhost/hostSampler.ts), with --expose-gc. */
  sampleFile?: string;
  sampleIntervalMs?: number;
  /** With sampling: the host writes a heap snapshot into heapSnapshotDir at the first sample after each time. */
  heapSnapshotsAtMs?: number[];
  heapSnapshotDir?: string;
}

export async function startSoakApp(options: SoakAppOptions = {}): Promise<SoakApp> {
  const azurite = await startAzurite();
  const twilio = await startFakeTwilio({ recordBodies: true });
  const model = await startChatCompletionsStandIn();
  const sampling: Record<string, string> = options.sampleFile
    ? {
        DEVHOST_SAMPLE_FILE: options.sampleFile,
        DEVHOST_SAMPLE_INTERVAL_MS: String(options.sampleIntervalMs ?? 10_000),
        ...(options.heapSnapshotsAtMs?.length
          ? { DEVHOST_HEAP_SNAPSHOTS_AT_MS: options.heapSnapshotsAtMs.join(','), DEVHOST_HEAP_SNAPSHOT_DIR: options.heapSnapshotDir ?? '.' }
          : {}),
      }
    : {};
  let host: RunningHost;
  let audioEtag: string;
  try {
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(AUDIO_CONTAINER);
    await container.createIfNotExists();
    const uploaded = await container
      .getBlockBlobClient(HOLD_MUSIC)
      .uploadData(HOLD_MUSIC_BYTES, { blobHTTPHeaders: { blobContentType: 'audio/mpeg' } });
    audioEtag = uploaded.etag!;
    host = await startHost(
      {
        AzureWebJobsStorage: azurite.connectionString,
        ...SENTINEL_CREDENTIALS,
        TWILIO_API_BASE_URL: twilio.url,
        TWILIO_FROM_NUMBER: FROM_NUMBER,
        TWILIO_VALIDATE_SIGNATURES: 'true',
        OUTBOUND_QUEUE: 'soak-outbound',
        OPTOUT_TABLE: 'soakoptouts',
        // Open: the assistant answers (against the stand-in); closed: the queue. Forwarding has its own case.
        ...assistantWithStandIn(model, 'soakassistant'),
        // The Event Streams sink republishes to the events queue (the webhooks then publish their events too).
        EVENTS_QUEUE: SOAK_EVENTS_QUEUE,
        VOICE_FORWARD_TO: FORWARD_TO,
        VOICE_HOURS: EVEN_MINUTES,
        VOICE_CLOSED_MODE: 'queue',
        VOICE_HOLD_MUSIC: `audio:${HOLD_MUSIC}`,
        VOICE_BLOCKLIST: BLOCKED,
        AUDIO_CONTAINER,
        SMS_AUTO_REPLY: AUTO_REPLY,
        // One sender texts thousands of times: every SMS still takes a slot from the shared count (two table
        // requests), but the limit never bites, so each answer must carry the reply.
        SMS_AUTO_REPLY_LIMIT: '100000000',
        AUTO_REPLY_TABLE: 'soakautoreplies',
        ...sampling,
      },
      { nodeArgs: options.sampleFile ? ['--expose-gc'] : [] },
    );
  } catch (error) {
    await twilio.stop();
    await model.stop();
    await azurite.stop();
    throw error;
  }
  return {
    azurite,
    host,
    twilio,
    model,
    target: {
      baseUrl: host.baseUrl,
      authToken: SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN,
      accountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID,
      forwardTo: FORWARD_TO,
      autoReply: (from) => AUTO_REPLY.replace('{from}', from),
      blocked: BLOCKED,
      fromNumber: FROM_NUMBER,
      isOpen: (at) => at.getUTCMinutes() % 2 === 0,
      holdMusic: { name: HOLD_MUSIC, body: HOLD_MUSIC_BYTES.toString('latin1'), etag: audioEtag },
    },
    async stop() {
      await host.stop();
      await twilio.stop();
      await model.stop();
      await azurite.stop();
    },
  };
}

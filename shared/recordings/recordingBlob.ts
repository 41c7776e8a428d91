// The recordings' copies in Blob storage, read and written with the app's identity, and the key that signs
// their links. The container is private: nothing in it is reachable without this app.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { azureStatusOf } from '../platform/azureErrors';
import { settings } from '../platform/settings';
import { blobContainer } from '../platform/storageClients';

/** Never a recording's name (those are RE + 32 hex digits + .mp3), so the link route cannot serve it. */
const LINK_KEY_BLOB = 'link-signing-key';
const EXPIRES_AT = 'linkexpiresat';

const blobName = (sid: string) => `${sid}.mp3`;
const container = () => blobContainer(settings().recordings.container);

let linkKey: Promise<Buffer> | undefined;

/**
 * The HMAC key of the recording links: 32 random bytes, created by the first instance that needs it (conditional
 * create, so every instance ends up with the same key) and cached. Deleting the blob revokes every link.
 */
export function recordingLinkKey(): Promise<Buffer> {
  linkKey ??= loadLinkKey().catch((error: unknown) => {
    linkKey = undefined;
    throw error;
  });
  return linkKey;
}

async function loadLinkKey(): Promise<Buffer> {
  const blob = (await container()).getBlockBlobClient(LINK_KEY_BLOB);
  try {
    await blob.uploadData(randomBytes(32), { conditions: { ifNoneMatch: '*' } });
  } catch (error) {
    if ((await azureStatusOf(error)) !== 409) throw error;
  }
  return blob.downloadToBuffer();
}

/** The link expiry stored with an existing copy, or undefined when there is none. */
export async function existingRecordingCopy(sid: string): Promise<number | undefined> {
  try {
    const properties = await (await container()).getBlockBlobClient(blobName(sid)).getProperties();
    return Number(properties.metadata?.[EXPIRES_AT]);
  } catch (error) {
    if ((await azureStatusOf(error)) === 404) return undefined;
    throw error;
  }
}

/** Creates the copy unless one exists (If-None-Match: *); returns the expiry stored with the copy that exists. */
export async function saveRecordingCopy(sid: string, audio: { bytes: Buffer; contentType: string }, expiresAt: number): Promise<number> {
  const blob = (await container()).getBlockBlobClient(blobName(sid));
  try {
    await blob.uploadData(audio.bytes, {
      conditions: { ifNoneMatch: '*' },
      blobHTTPHeaders: { blobContentType: audio.contentType },
      metadata: { [EXPIRES_AT]: String(expiresAt) },
    });
    return expiresAt;
  } catch (error) {
    if ((await azureStatusOf(error)) !== 409) throw error;
    return (await existingRecordingCopy(sid))!;
  }
}

/** The copy as a stream, or undefined when there is no copy. */
export async function openRecordingCopy(sid: string): Promise<{ stream: Readable; contentType: string; length?: number } | undefined> {
  try {
    const download = await (await container()).getBlockBlobClient(blobName(sid)).download();
    return {
      stream: download.readableStreamBody as Readable,
      contentType: download.contentType ?? 'audio/mpeg',
      length: download.contentLength,
    };
  } catch (error) {
    if ((await azureStatusOf(error)) === 404) return undefined;
    throw error;
  }
}

export function resetRecordingLinkKeyForTests(): void {
  linkKey = undefined;
}

/** Deletes a recording's copy (an erasure on request); false when there was none. */
export async function deleteRecordingCopy(sid: string): Promise<boolean> {
  return (await (await container()).getBlockBlobClient(blobName(sid)).deleteIfExists()).succeeded;
}

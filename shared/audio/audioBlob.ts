// Reads one file of the private audio container (AUDIO_CONTAINER) for the audio function.
import { azureStatusOf } from '../platform/azureErrors';
import { settings } from '../platform/settings';
import { containerClient } from '../platform/storageClients';

import { AudioTooLargeError, MAX_AUDIO_BYTES, type AudioFile } from './audioAnswer';

/** The file, or undefined when the container or the file does not exist. */
export async function readAudio(name: string): Promise<AudioFile | undefined> {
  const container = await containerClient(settings().audioContainer);
  try {
    const blob = container.getBlobClient(name);
    const download = await blob.download();
    if ((download.contentLength ?? 0) > MAX_AUDIO_BYTES) throw new AudioTooLargeError(`${name} is larger than ${MAX_AUDIO_BYTES} bytes`);
    const chunks: Buffer[] = [];
    for await (const chunk of download.readableStreamBody!) chunks.push(Buffer.from(chunk as Buffer));
    return { body: Buffer.concat(chunks), etag: download.etag, lastModified: download.lastModified };
  } catch (error) {
    if ((await azureStatusOf(error)) === 404) return undefined;
    throw error;
  }
}

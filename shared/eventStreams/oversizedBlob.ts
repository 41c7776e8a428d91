// Events too large for the events queue, kept whole in a private blob container (EVENT_STREAMS_OVERSIZED_CONTAINER),
// one JSON blob per event id holding the event as republished and why it was kept aside. Writing the same id again
// (Twilio's retry of the batch) replaces the blob: one per event.
import { createHash } from 'node:crypto';
import { blobContainer } from '../platform/storageClients';
import type { KeptEvent, OversizedStore } from './sink';

/**
 * The event id, readable (URL-encoded: an id may hold any character), or its SHA-256 when it would not make a blob
 * name: too long, or not well-formed UTF-16 (encodeURIComponent throws on a lone surrogate).
 */
export function oversizedBlobName(id: string): string {
  let readable = '';
  try {
    readable = encodeURIComponent(id);
  } catch {
    // a lone surrogate: the hash below
  }
  return `${readable && readable.length <= 900 ? readable : createHash('sha256').update(id).digest('hex')}.json`;
}

/** What a kept event's blob holds. */
export function oversizedBlobBody(kept: KeptEvent, keptAt: Date): string {
  const { reason, bytes, correlationId, event } = kept;
  return JSON.stringify({ reason, bytes, correlationId, keptAt: keptAt.toISOString(), event });
}

export function oversizedBlob(containerName: string): OversizedStore {
  return {
    where: `blob container ${containerName}`,
    async keep(events, abortSignal) {
      const container = await blobContainer(containerName, 'request');
      await Promise.all(
        events.map((kept) => {
          const body = oversizedBlobBody(kept, new Date());
          return container.getBlockBlobClient(oversizedBlobName(kept.event.id)).upload(body, Buffer.byteLength(body), {
            abortSignal,
            blobHTTPHeaders: { blobContentType: 'application/json' },
          });
        }),
      );
    },
  };
}

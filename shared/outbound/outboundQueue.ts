// Puts a message on the outbound queue. Webhooks (SMS forwarding, voicemail notification) and
// POST /api/outbound use it; the outbound function takes it from there, exactly once.
import { settings } from '../platform/settings';
import type { OutboundMessage } from './schema';
import { queueClient, type StorageProfile } from '../platform/storageClients';

export interface EnqueueOptions {
  /** Seconds the message stays invisible (for sendAt). */
  visibilityTimeoutSeconds?: number;
  /** `request` when someone waits for the answer (HTTP, the CLI): storage failures then come back at once. */
  profile?: StorageProfile;
}

export async function enqueueOutbound(message: OutboundMessage, options: EnqueueOptions = {}): Promise<{ messageId: string }> {
  const queue = await queueClient(settings().outboundQueue, options.profile);
  const sent = await queue.sendMessage(JSON.stringify(message), {
    visibilityTimeout: options.visibilityTimeoutSeconds,
    messageTimeToLive: -1,
  });
  return { messageId: sent.messageId };
}

// Puts a message on the outbound queue. Webhooks (SMS forwarding, voicemail notification) and
// POST /api/outbound use it; the outbound function takes it from there, exactly once.
import { settings } from '../platform/settings';
import type { OutboundMessage } from './schema';
import { queueClient } from '../platform/storageClients';

export interface EnqueueOptions {
  /** Seconds the message stays invisible (for sendAt). */
  visibilityTimeoutSeconds?: number;
}

export async function enqueueOutbound(message: OutboundMessage, options: EnqueueOptions = {}): Promise<void> {
  const queue = await queueClient(settings().outboundQueue);
  await queue.sendMessage(JSON.stringify(message), { visibilityTimeout: options.visibilityTimeoutSeconds, messageTimeToLive: -1 });
}

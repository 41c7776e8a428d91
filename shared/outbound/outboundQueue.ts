// Puts a message on the outbound queue. Webhooks (SMS forwarding, voicemail notification) and
// POST /api/outbound use it; the outbound function takes it from there, exactly once.
import { queueJson } from '../platform/queueText';
import { settings } from '../platform/settings';
import type { OutboundMessage } from './schema';
import type { StatusCheckMessage } from './statusCheck';
import { queueClient, type StorageProfile } from '../platform/storageClients';

export interface EnqueueOptions {
  /** Seconds the message stays invisible (for sendAt). */
  visibilityTimeoutSeconds?: number;
  /** `request` when someone waits for the answer (HTTP, the CLI): storage failures then come back at once. */
  profile?: StorageProfile;
}

/**
 * The delay as given, or capped by OUTBOUND_TEST_QUEUE_HOP_SECONDS (tests only): the message then comes back before it
 * is due, as a long sendAt does after each 7-day hop, and the orchestrator puts it back for the rest.
 */
function delaySeconds(requested: number | undefined): number | undefined {
  const hop = settings().outboundTestQueueHopSeconds;
  return requested !== undefined && hop !== undefined ? Math.min(requested, hop) : requested;
}

export async function enqueueOutbound(message: OutboundMessage, options: EnqueueOptions = {}): Promise<void> {
  const queue = await queueClient(settings().outboundQueue, options.profile);
  await queue.sendMessage(queueJson(message), {
    visibilityTimeout: delaySeconds(options.visibilityTimeoutSeconds),
    messageTimeToLive: -1,
  });
}

/** Puts a status re-check on the outbound queue, invisible for `visibilityTimeoutSeconds`. */
export async function enqueueStatusCheck(check: StatusCheckMessage, options: EnqueueOptions): Promise<void> {
  const queue = await queueClient(settings().outboundQueue);
  await queue.sendMessage(queueJson(check), {
    visibilityTimeout: delaySeconds(options.visibilityTimeoutSeconds),
    messageTimeToLive: -1,
  });
}

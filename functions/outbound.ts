import { app, type InvocationContext } from '@azure/functions';
import { checkTwilioConcurrency } from '../shared/platform/hostJson';
import { settings } from '../shared/platform/settings';

/**
 * Sends the SMS or places the call a queue message asks for, once per idempotency key (see docs/outbound.md).
 * Returns when the message is done with; throws when the host should retry it.
 */
export async function outbound(queueItem: unknown, context: InvocationContext): Promise<void> {
  // The send path loads on the first message: the queue name is a setting, so this module registers at start.
  const [{ invocationCorrelationId }, { liveOutboundIo }, { deliverOutbound }] = await Promise.all([
    import('../shared/outbound/correlation'),
    import('../shared/outbound/liveIo'),
    import('../shared/outbound/orchestrator'),
  ]);
  await deliverOutbound(
    liveOutboundIo(),
    queueItem,
    context.triggerMetadata,
    (entry) => context.log(JSON.stringify(entry)),
    invocationCorrelationId(context.traceContext),
  );
}

// Refuse to start rather than let every instance together exceed Twilio's concurrency (docs/outbound.md, Concurrency and Twilio's limits).
checkTwilioConcurrency(settings());
app.storageQueue('outbound', { queueName: settings().outboundQueue, connection: 'AzureWebJobsStorage', handler: outbound });

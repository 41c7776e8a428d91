// Twilio's Events v1 REST API (events.twilio.com) through the twilio SDK: sinks, subscriptions and event types, for
// `npm run event-streams`.
import { twilioClient } from '../platform/twilioClient';
import type { SinkState, StreamsChange, SubscriptionState } from './streamsPlan';

export async function readStreams(): Promise<{ sinks: SinkState[]; subscriptions: SubscriptionState[] }> {
  const events = (await twilioClient()).events.v1;
  const [sinks, subscriptions] = await Promise.all([events.sinks.list(), events.subscriptions.list()]);
  return {
    sinks: sinks.map((s) => ({
      sid: s.sid,
      description: s.description,
      sinkType: s.sinkType,
      status: s.status,
      sinkConfiguration: (s.sinkConfiguration ?? {}) as Record<string, unknown>,
    })),
    subscriptions: await Promise.all(
      subscriptions.map(async (s) => ({
        sid: s.sid,
        sinkSid: s.sinkSid,
        description: s.description,
        types: (await events.subscriptions(s.sid).subscribedEvents.list()).map((e) => e.type),
      })),
    ),
  };
}

/** Applies the changes in order; a created sink's SID is what a subscription created after it uses. */
export async function applyStreamsChanges(
  changes: StreamsChange[],
  existingSinkSid: string | undefined,
  sinkUrl: string,
): Promise<string[]> {
  const events = (await twilioClient()).events.v1;
  let sinkSid = existingSinkSid;
  const done: string[] = [];
  for (const change of changes) {
    if (change.kind === 'createSink') {
      const sink = await events.sinks.create({
        description: change.description,
        sinkType: 'webhook',
        sinkConfiguration: { destination: sinkUrl, method: 'POST', batch_events: true },
      });
      sinkSid = sink.sid;
      done.push(`created sink ${sink.sid}`);
    } else if (change.kind === 'createSubscription') {
      const subscription = await events.subscriptions.create({
        description: change.description,
        sinkSid: sinkSid!,
        types: change.types.map((type) => ({ type })),
      });
      done.push(`created subscription ${subscription.sid}`);
    } else if (change.kind === 'addType') {
      await events.subscriptions(change.subscriptionSid).subscribedEvents.create({ type: change.type });
      done.push(`added ${change.type}`);
    } else {
      await events.subscriptions(change.subscriptionSid).subscribedEvents(change.type).remove();
      done.push(`removed ${change.type}`);
    }
  }
  return done;
}

export async function listEventTypes(): Promise<Array<{ type: string; schemaId: string; description: string; status: string }>> {
  const types = await (await twilioClient()).events.v1.eventTypes.list();
  return types.map((t) => ({ type: t.type, schemaId: t.schemaId, description: t.description, status: t.status }));
}

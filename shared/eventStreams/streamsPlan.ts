// What `npm run event-streams` changes in Twilio: the webhook sink for this app and its one subscription, compared
// with what exists. Pure: the Events API calls are in eventsApi.ts.

export interface SinkState {
  sid: string;
  description: string;
  sinkType: string;
  status: string;
  /** As Twilio answers it: destination, method, batch_events. */
  sinkConfiguration: Record<string, unknown>;
}

export interface SubscriptionState {
  sid: string;
  sinkSid: string;
  description: string;
  /** The subscribed event types, once read. */
  types: string[];
}

export type StreamsChange =
  | { kind: 'createSink'; destination: string; description: string }
  | { kind: 'createSubscription'; description: string; types: string[] }
  | { kind: 'addType'; subscriptionSid: string; type: string }
  | { kind: 'removeType'; subscriptionSid: string; type: string };

/** The sink's URL without user info: the part the app can compare and print. */
export function sinkDestination(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/event-streams`;
}

/** A destination as it may be printed: a password in its user info is hidden. */
export function printableDestination(destination: string): string {
  return destination.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/@:]*)(?::[^/@]*)?@/i,
    (_, scheme: string, user: string) => `${scheme}${user}:***@`,
  );
}

/** The destination a sink points at, without user info, or undefined for a sink that is not a webhook. */
export function destinationOf(sink: SinkState): string | undefined {
  const destination = sink.sinkConfiguration.destination;
  if (sink.sinkType !== 'webhook' || typeof destination !== 'string') return undefined;
  return destination.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** The URL Twilio is given: the destination with the Basic credentials (user:password) in its user info, if any. */
export function sinkUrlWithCredentials(destination: string, credentials: string | undefined): string {
  if (!credentials) return destination;
  const colon = credentials.indexOf(':');
  const url = new URL(destination);
  url.username = encodeURIComponent(credentials.slice(0, colon));
  url.password = encodeURIComponent(credentials.slice(colon + 1));
  return url.toString();
}

/**
 * Why an existing sink will not send the Basic credentials the app expects, or undefined. Twilio cannot change a
 * sink's destination, so such a sink has to be deleted and created again. Only the user name is compared: a
 * password Twilio answers with may be masked.
 */
export function sinkCredentialsProblem(sink: SinkState, credentials: string | undefined): string | undefined {
  const destination = sink.sinkConfiguration.destination;
  if (typeof destination !== 'string') return undefined;
  let user: string;
  try {
    user = decodeURIComponent(new URL(destination).username);
  } catch {
    return undefined;
  }
  const expected = credentials ? credentials.slice(0, credentials.indexOf(':')) : '';
  if (user === expected) return undefined;
  if (!expected)
    return `sink ${sink.sid} sends Basic credentials the app does not hold (TWILIO_EVENT_STREAMS_CREDENTIALS is not set); the app ignores them`;
  return `sink ${sink.sid} ${user ? `sends the user "${user}"` : 'sends no Basic credentials'}, and the app expects "${expected}": its requests get 401. Twilio cannot change a sink's destination: delete the sink (Twilio Console, Event Streams) and run this again`;
}

export const STREAMS_DESCRIPTION = 'twilio-azure-functions';

/**
 * The changes that make Twilio hold one webhook sink to `destination` with one subscription of exactly `types`.
 * An existing sink to that destination is kept (Twilio allows only its description to change); without one, the
 * sink and then its subscription are created. No types means: the sink only, the subscription left as it is.
 */
export function streamsChanges(
  desired: { destination: string; types: string[] },
  existing: { sinks: SinkState[]; subscriptions: SubscriptionState[] },
): { sink?: SinkState; changes: StreamsChange[] } {
  const sink = existing.sinks.find((s) => destinationOf(s) === desired.destination);
  const description = `${STREAMS_DESCRIPTION} ${desired.destination}`.slice(0, 255);
  const types = [...new Set(desired.types)];
  if (!sink) {
    const changes: StreamsChange[] = [{ kind: 'createSink', destination: desired.destination, description }];
    if (types.length) changes.push({ kind: 'createSubscription', description, types });
    return { changes };
  }
  if (!types.length) return { sink, changes: [] };
  const subscription = existing.subscriptions.find((s) => s.sinkSid === sink.sid);
  if (!subscription) return { sink, changes: [{ kind: 'createSubscription', description, types }] };
  return {
    sink,
    changes: [
      ...types
        .filter((t) => !subscription.types.includes(t))
        .map((type): StreamsChange => ({ kind: 'addType', subscriptionSid: subscription.sid, type })),
      ...subscription.types
        .filter((t) => !types.includes(t))
        .map((type): StreamsChange => ({ kind: 'removeType', subscriptionSid: subscription.sid, type })),
    ],
  };
}

export function describeChange(change: StreamsChange): string {
  switch (change.kind) {
    case 'createSink':
      return `create webhook sink -> ${printableDestination(change.destination)} (POST)`;
    case 'createSubscription':
      return `create subscription: ${change.types.join(', ')}`;
    case 'addType':
      return `subscription ${change.subscriptionSid}: add ${change.type}`;
    case 'removeType':
      return `subscription ${change.subscriptionSid}: remove ${change.type}`;
  }
}

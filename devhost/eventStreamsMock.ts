// What the offline mock remembers of Twilio's Events v1 API (devhost/twilioMock.ts), which Prism cannot: Prism has
// no state, so a created sink or subscription would never be listed and `npm run event-streams` could not see that
// it already did its work. Each request still goes to Prism first and is validated against Twilio's spec; only its
// successful answers are rewritten here: a create keeps what was asked for under a SID of its own, and a list
// answers from the creates.

interface MockSink {
  sid: string;
  resource: Record<string, unknown>;
}

interface MockSubscription {
  sid: string;
  sinkSid: string;
  resource: Record<string, unknown>;
  types: string[];
}

const EVENTS_ORIGIN = 'https://events.twilio.com';

/** The `type` of each of a subscription's Types (JSON objects, `{"type": "...", "schema_version": n}`). */
function typesOf(form: URLSearchParams): string[] {
  return form.getAll('Types').flatMap((value) => {
    try {
      const type = (JSON.parse(value) as { type?: unknown }).type;
      return typeof type === 'string' ? [type] : [];
    } catch {
      return [];
    }
  });
}

export class EventStreamsState {
  readonly sinks: MockSink[] = [];
  readonly subscriptions: MockSubscription[] = [];
  #count = 0;

  #sid(prefix: 'DG' | 'DF'): string {
    return `${prefix}${(++this.#count).toString(16).padStart(32, '0')}`;
  }

  #subscribedEvent(subscription: MockSubscription, type: string) {
    return {
      account_sid: subscription.resource.account_sid,
      subscription_sid: subscription.sid,
      type,
      schema_version: 1,
      url: `${EVENTS_ORIGIN}/v1/Subscriptions/${subscription.sid}/SubscribedEvents/${encodeURIComponent(type)}`,
    };
  }

  /**
   * The answer to an Events v1 request that Prism answered with `status` and `body`; undefined leaves Prism's
   * answer as it is (anything not a success, and the resources the mock does not keep).
   */
  answer(method: string, path: string, form: URLSearchParams, status: number, body: string): string | undefined {
    if (status >= 300) return undefined;
    const url = new URL(path, EVENTS_ORIGIN);
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (parts[0] !== 'v1') return undefined;
    const prism = (): Record<string, unknown> => (body ? (JSON.parse(body) as Record<string, unknown>) : {});
    const page = (key: string, items: unknown[]) => JSON.stringify({ ...prism(), [key]: items });
    const [, collection, sid, child, childId] = parts;

    if (collection === 'Sinks' && !sid && method === 'POST') {
      const sink: MockSink = { sid: this.#sid('DG'), resource: {} };
      sink.resource = {
        ...prism(),
        sid: sink.sid,
        description: form.get('Description'),
        sink_type: form.get('SinkType'),
        sink_configuration: JSON.parse(form.get('SinkConfiguration') ?? '{}') as unknown,
        status: 'active',
        url: `${EVENTS_ORIGIN}/v1/Sinks/${sink.sid}`,
      };
      this.sinks.push(sink);
      return JSON.stringify(sink.resource);
    }
    if (collection === 'Sinks' && !sid && method === 'GET')
      return page(
        'sinks',
        this.sinks.map((s) => s.resource),
      );

    if (collection === 'Subscriptions' && !sid && method === 'POST') {
      const subscription: MockSubscription = {
        sid: this.#sid('DF'),
        sinkSid: form.get('SinkSid') ?? '',
        resource: {},
        types: typesOf(form),
      };
      subscription.resource = {
        ...prism(),
        sid: subscription.sid,
        sink_sid: subscription.sinkSid,
        description: form.get('Description'),
        url: `${EVENTS_ORIGIN}/v1/Subscriptions/${subscription.sid}`,
      };
      this.subscriptions.push(subscription);
      return JSON.stringify(subscription.resource);
    }
    if (collection === 'Subscriptions' && !sid && method === 'GET') {
      const sinkSid = url.searchParams.get('SinkSid');
      return page(
        'subscriptions',
        this.subscriptions.filter((s) => !sinkSid || s.sinkSid === sinkSid).map((s) => s.resource),
      );
    }

    const subscription = collection === 'Subscriptions' && child === 'SubscribedEvents' && this.subscriptions.find((s) => s.sid === sid);
    if (!subscription) return undefined;
    if (!childId && method === 'GET')
      return page(
        'types',
        subscription.types.map((type) => this.#subscribedEvent(subscription, type)),
      );
    if (!childId && method === 'POST') {
      const type = form.get('Type') ?? '';
      if (!subscription.types.includes(type)) subscription.types.push(type);
      return JSON.stringify({ ...prism(), ...this.#subscribedEvent(subscription, type) });
    }
    if (childId && method === 'DELETE') {
      subscription.types = subscription.types.filter((type) => type !== childId);
      return '';
    }
    return undefined;
  }
}

// The app's real event sink: the events queue, then the Event Grid topic when one is set. Either failing fails
// the publish with EventsUnavailableError, so the caller keeps the events to publish again (same ids).
import type { InvocationContext } from '@azure/functions';
import { queueJson } from '../platform/queueText';
import { settings } from '../platform/settings';
import type { CloudEvent } from './cloudEvent';
import { publishToEventGrid, type PublishedEvent } from './eventsGrid';
import { enqueueEvents } from './eventsQueue';
import { EventsUnavailableError, type EventSink } from './outbox';
import { traceIdOf } from '../outbound/correlation';
import { EVENTS_QUEUE_OUTPUT } from './eventsOutput';

export { EventsUnavailableError };

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

let sink: EventSink | null | undefined;

/** The work, or a rejection once `signal` aborts (client creation, for one, takes no signal). */
function until<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  work.catch(() => undefined); // settled later, after the caller moved on
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** The sink, or undefined when events are off (EVENTS_QUEUE empty and no EVENT_GRID_TOPIC_ENDPOINT). */
export function liveEventSink(): EventSink | undefined {
  if (sink !== undefined) return sink ?? undefined;
  const { queue, gridTopicEndpoint, source } = settings().events;
  sink =
    queue || gridTopicEndpoint
      ? {
          source,
          async publish(events: CloudEvent[], options: { abortSignal?: AbortSignal; queueWrittenByHost?: boolean } = {}) {
            if (events.length === 0) return;
            if (queue && !options.queueWrittenByHost) {
              try {
                await until(enqueueEvents(queue, events, options.abortSignal), options.abortSignal);
              } catch (error) {
                throw new EventsUnavailableError(
                  `could not put ${events.length} event(s) on the events queue ${queue}: ${describe(error)}`,
                  {
                    cause: error,
                  },
                );
              }
            }
            if (gridTopicEndpoint) {
              try {
                await until(publishToEventGrid(gridTopicEndpoint, events, options.abortSignal), options.abortSignal);
              } catch (error) {
                throw new EventsUnavailableError(
                  `could not publish ${events.length} event(s) to the Event Grid topic ${new URL(gridTopicEndpoint).host}: ${describe(error)}`,
                  { cause: error },
                );
              }
            }
          },
        }
      : null;
  return sink ?? undefined;
}

/** One place events go, for a caller that tracks each on its own (the Event Streams sink). */
export interface EventDestination {
  name: 'events queue' | 'Event Grid';
  publish(events: PublishedEvent[], abortSignal: AbortSignal): Promise<void>;
}

/** The events queue, then the Event Grid topic, as configured; none when events are off. */
export function liveEventDestinations(): EventDestination[] {
  const { queue, gridTopicEndpoint } = settings().events;
  const destinations: EventDestination[] = [];
  if (queue) {
    destinations.push({
      name: 'events queue',
      publish: (events, abortSignal) => until(enqueueEvents(queue, events, abortSignal), abortSignal),
    });
  }
  if (gridTopicEndpoint) {
    destinations.push({
      name: 'Event Grid',
      publish: (events, abortSignal) => until(publishToEventGrid(gridTopicEndpoint, events, abortSignal), abortSignal),
    });
  }
  return destinations;
}

/** How long a webhook waits for its events: Twilio gives the whole request 15 s, and storage retries take longer. */
const WEBHOOK_PUBLISH_MS = 3000;

/** The invocation's outputs, for a webhook registered with the events queue as its output binding. */
export type EventOutputs = Pick<InvocationContext, 'options' | 'extraOutputs'>;

/**
 * Publishes a webhook's event, built only when events are on: webhooks run this on every request, and with events
 * off neither the event nor its timeout timer is made.
 *
 * A webhook registered with EVENTS_QUEUE_OUTPUT (voice, sms) hands the event to the Functions host, which writes it
 * to the events queue before it sends the answer, and answers 500 when the write fails: no 200 without its event,
 * and no storage request in this process. Otherwise, and for the Event Grid topic, the event is published from here:
 * a webhook has no row to keep it in, and the caller on the line matters more, so when the sink is down or slow
 * (WEBHOOK_PUBLISH_MS) the event is logged as lost (type and id, no numbers) and the webhook still answers.
 */
export async function publishWebhookEvent(
  build: () => CloudEvent | undefined,
  warn: (message: string) => void,
  outputs?: EventOutputs,
): Promise<void> {
  const sink = liveEventSink();
  const event = sink && build();
  if (!event) return;
  const queueWrittenByHost = outputs?.options.extraOutputs.some((output) => output.name === EVENTS_QUEUE_OUTPUT.name) ?? false;
  if (queueWrittenByHost) {
    outputs!.extraOutputs.set(EVENTS_QUEUE_OUTPUT.name, queueJson(event));
    if (!settings().events.gridTopicEndpoint) return;
  }
  try {
    await sink.publish([event], { abortSignal: AbortSignal.timeout(WEBHOOK_PUBLISH_MS), queueWrittenByHost });
  } catch (error) {
    if (!(error instanceof EventsUnavailableError)) throw error;
    warn(
      JSON.stringify({
        event: 'events',
        // The webhook request's id, which its event carries in traceparent.
        correlationId: traceIdOf(event.traceparent),
        outcome: 'not published',
        ids: [event.id],
        types: [event.type],
        error: error.message,
      }),
    );
  }
}

export function resetEventSinkForTests(): void {
  sink = undefined;
}

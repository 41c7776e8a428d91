// The ledger row as its own outbox: a status change and its event are written together, in the row's one ETag
// write, and the event is published after it and then cleared from the row. Should the process die in between,
// whoever touches the row next (the queue's redelivery, a status callback, Twilio's retry of one, the status
// re-check) publishes what is still pending, with the same id. Pure: the ledger and the sink come in as ports.
// The send path, which holds the row it last wrote, publishes first and writes once (publishThenUpdate).
import { MAX_STATUS_HISTORY, type LedgerRow, type LedgerUpdate, type LedgerExpectation, type Transition } from '../outbound/ledger';
import { OUTBOUND_EVENT_STATUSES, outboundStatusEvent, type CloudEvent, type OutboundEventStatus } from './cloudEvent';

/** Where events go: the events queue and, when configured, the Event Grid topic (shared/events/eventsIo.ts). */
export interface EventSink {
  /** The CloudEvents `source` of this app's events. */
  source: string;
  /** Publishes every event or throws: a caller that gets no error may forget them. */
  /** queueWrittenByHost: the events queue's copy is the Functions host's to write (a webhook's output binding). */
  publish(events: CloudEvent[], options?: { abortSignal?: AbortSignal; queueWrittenByHost?: boolean }): Promise<void>;
}

/** The sink could not take the events (queue or topic down): the caller keeps them to publish again, same ids. */
export class EventsUnavailableError extends Error {
  override name = 'EventsUnavailableError';
}

const isEventStatus = (status: string): status is OutboundEventStatus => (OUTBOUND_EVENT_STATUSES as readonly string[]).includes(status);

/**
 * The transition, plus the event for the status change it makes, in the row's outbox. A call's answering-machine
 * result is an event too (its status unchanged), since it decides what the callee heard. The change is judged
 * against the status the row's last event announced, not its current one: a redelivered message claims its
 * rejected (or poisoned) row, `sending`, and lands on the same status again, which consumers have already heard.
 */
export function withStatusEvent(transition: Transition, source: string): Transition {
  return (row) => {
    const next = transition(row);
    if (!next || !isEventStatus(next.status)) return next;
    const answered = next.answeredBy !== undefined && next.answeredBy !== row?.answeredBy;
    const announced = row?.lastEventStatus ?? row?.status;
    if (next.status === announced && !answered) return next;
    const change = (next.eventCount ?? 0) + 1;
    const event = outboundStatusEvent(
      {
        key: next.key,
        type: next.type ?? null,
        status: next.status,
        previousStatus: row?.status ?? null,
        sid: next.sid ?? null,
        twilioStatus: next.twilioStatus ?? null,
        errorCode: next.errorCode ?? null,
        errorMessage: next.errorMessage ?? null,
        reason: next.reason ?? null,
        answeredBy: next.answeredBy ?? null,
        metadata: next.metadata ?? null,
      },
      { source, time: new Date(next.updatedAt), change, correlationId: next.correlationId },
    );
    const history = [
      ...(next.statusHistory ?? []),
      { status: next.status, at: next.updatedAt, eventId: event.id, twilioStatus: next.twilioStatus, errorCode: next.errorCode },
    ].slice(-MAX_STATUS_HISTORY);
    return {
      ...next,
      eventCount: change,
      lastEventStatus: next.status,
      pendingEvents: [...(next.pendingEvents ?? []), event],
      statusHistory: history.map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as typeof h),
    };
  };
}

/** Removes published events from the outbox (leaving any a concurrent writer added since). */
export function eventsPublished(ids: ReadonlySet<string>): Transition {
  return (row) => (row?.pendingEvents?.some((e) => ids.has(e.id)) ? withoutEvents(row, ids) : undefined);
}

export interface OutboxPorts {
  ledger: { update(key: string, transition: Transition, options?: { expect?: LedgerExpectation }): Promise<LedgerUpdate> };
  events?: EventSink;
}

/**
 * Publishes the row's pending events, then clears them with an ETag write. Returns the update with the row and
 * ETag as they are after that, so the caller's next write can still skip the read.
 */
export async function publishPending(ports: OutboxPorts, key: string, update: LedgerUpdate): Promise<LedgerUpdate> {
  const pending = update.row?.pendingEvents;
  if (!ports.events || !pending?.length) return update;
  await ports.events.publish(pending);
  const expect = update.etag ? { expect: { row: update.row!, etag: update.etag } } : {};
  const cleared = await ports.ledger.update(key, eventsPublished(new Set(pending.map((e) => e.id))), expect);
  return cleared.changed ? { ...update, row: cleared.row, etag: cleared.etag } : update;
}

/**
 * For a writer that holds the row as it last wrote it (and its ETag): the transition's events are made on that row
 * and published first, and the change is then written with them already gone from its outbox, one ledger write
 * where updateWithEvents makes two. Event ids depend only on the row and the change, so should the write fail,
 * whoever retries the change publishes the same ids again. Should the write find the row changed meanwhile (a
 * status callback that came first), the transition is applied to the row as it is, and an event that makes which
 * was not published stays in the outbox and is published after the write. Should the publish fail, the change is
 * written with its events in the outbox, and the error is returned for the caller to throw once it has written.
 */
export async function publishThenUpdate(
  ports: OutboxPorts,
  key: string,
  transition: Transition,
  held: { row: LedgerRow; etag: string },
): Promise<{ update: LedgerUpdate; publishError?: unknown }> {
  const recorded = ports.events ? withStatusEvent(transition, ports.events.source) : transition;
  const pending = recorded(held.row)?.pendingEvents;
  if (!ports.events || !pending?.length) return { update: await ports.ledger.update(key, recorded, { expect: held }) };
  let publishError: unknown;
  let published = new Set<string>();
  try {
    await ports.events.publish(pending);
    published = new Set(pending.map((e) => e.id));
  } catch (error) {
    publishError = error;
  }
  const update = await ports.ledger.update(key, (row) => withoutEvents(recorded(row), published), { expect: held });
  if (publishError !== undefined) return { update, publishError };
  return { update: await publishPending(ports, key, update) };
}

/** The row without the events `ids` in its outbox (the row itself when none of them is there). */
function withoutEvents(row: LedgerRow | undefined, ids: ReadonlySet<string>): LedgerRow | undefined {
  if (!row?.pendingEvents || !ids.size) return row;
  const rest = row.pendingEvents.filter((e) => !ids.has(e.id));
  const { pendingEvents: _published, ...cleared } = row;
  return rest.length ? { ...cleared, pendingEvents: rest } : cleared;
}

/** A ledger update that records its status change's event and publishes it (and anything still pending). */
export async function updateWithEvents(
  ports: OutboxPorts,
  key: string,
  transition: Transition,
  options?: { expect?: LedgerExpectation },
): Promise<LedgerUpdate> {
  const recorded = ports.events ? withStatusEvent(transition, ports.events.source) : transition;
  return publishPending(ports, key, await ports.ledger.update(key, recorded, options));
}

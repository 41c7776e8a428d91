// Publishing each event of a sink request once, across retries and instances. Event Streams delivers at least
// once and retries for up to four hours, so a table row per event id says how far its publishing got:
// - A request claims each id by creating its row with a short lease. A row another request holds under a live
//   lease makes this request answer 503 (Twilio retries); an expired lease (its holder died or gave up) is taken
//   over with the row's ETag, keeping what that holder finished.
// - Each destination (the events queue, then Event Grid) gets the events it does not have yet; the rows record
//   the destinations done. A destination that fails releases the leases, recording what was done, and the
//   request answers 503: a retry publishes only what is missing.
// - A row whose destinations are all done makes the event a duplicate: not published again, answered 2xx.
// What it cannot rule out: a process that dies after a destination took the events but before the rows say so
// publishes them again on the retry, with the same ids. Pure: the rows and the destinations are ports.
import type { StreamEvent } from './batch';

export interface EventRecord {
  /** The destinations that have the event. */
  done: string[];
  /** Epoch ms until which the request that wrote the row is publishing it. */
  leaseUntil: number;
}

export type Claim = { etag: string; record: EventRecord; created: boolean };

export interface EventRecords {
  /** Creates the id's row (done: none) or returns the row that exists. */
  claim(id: string, record: EventRecord, signal: AbortSignal): Promise<Claim>;
  /** Writes the row if it still has `etag`; resolves the new ETag, or undefined when another request changed it. */
  update(id: string, etag: string, record: EventRecord, signal: AbortSignal): Promise<string | undefined>;
}

export interface Destination {
  name: string;
  publish(events: StreamEvent[], signal: AbortSignal): Promise<void>;
}

export interface PublishOnceInput {
  events: StreamEvent[];
  destinations: Destination[];
  records: EventRecords;
  now: () => number;
  /** Longer than a request may take, so that a live request's lease is never taken over. */
  leaseMs: number;
  signal: AbortSignal;
}

export type PublishOutcome =
  | { status: 'published'; published: number; duplicates: number }
  | { status: 'busy'; reason: string }
  | { status: 'unavailable'; reason: string };

interface Held {
  event: StreamEvent;
  etag: string;
  done: string[];
}

/** The port's work, or a rejection once the request's deadline passes, whether or not the port honours the signal. */
function bounded<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined); // it may settle after the request has answered
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(new Error('no answer before the deadline'));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** What releasing the leases may add to a request that failed. */
export const RELEASE_MS = 700;

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Each event once: the events this request holds are published to every destination that lacks them. */
export async function publishOnce(input: PublishOnceInput): Promise<PublishOutcome> {
  const { destinations, records, now, leaseMs, signal } = input;
  const firstOfEachId = input.events.filter((event, index, all) => all.findIndex((e) => e.id === event.id) === index);
  const names = destinations.map((d) => d.name);
  const complete = (done: string[]) => names.every((name) => done.includes(name));

  let claims: Array<Held | 'duplicate' | 'busy'>;
  try {
    claims = await Promise.all(
      firstOfEachId.map(async (event): Promise<Held | 'duplicate' | 'busy'> => {
        const leaseUntil = now() + leaseMs;
        const claim = await bounded(records.claim(event.id, { done: [], leaseUntil }, signal), signal);
        if (claim.created) return { event, etag: claim.etag, done: [] };
        if (complete(claim.record.done)) return 'duplicate';
        if (claim.record.leaseUntil > now()) return 'busy';
        const etag = await bounded(records.update(event.id, claim.etag, { done: claim.record.done, leaseUntil }, signal), signal);
        return etag ? { event, etag, done: claim.record.done } : 'busy';
      }),
    );
  } catch (error) {
    return { status: 'unavailable', reason: `could not record the events' ids: ${describe(error)}` };
  }
  const held = claims.filter((c): c is Held => typeof c === 'object');
  const duplicates = input.events.length - held.length - claims.filter((c) => c === 'busy').length;

  // Releasing lets Twilio's retry go ahead at once instead of after the lease. It gets its own short budget: a
  // destination that failed by running out the request's deadline has used up the request's signal.
  const release = async () => {
    const budget = AbortSignal.timeout(RELEASE_MS);
    await bounded(
      Promise.allSettled(held.map((h) => records.update(h.event.id, h.etag, { done: h.done, leaseUntil: 0 }, budget))),
      budget,
    ).catch(() => undefined);
  };
  if (claims.includes('busy')) {
    await release();
    return { status: 'busy', reason: 'another request is publishing some of these events' };
  }
  for (const destination of destinations) {
    const missing = held.filter((h) => !h.done.includes(destination.name));
    if (!missing.length) continue;
    try {
      await bounded(
        destination.publish(
          missing.map((h) => h.event),
          signal,
        ),
        signal,
      );
    } catch (error) {
      await release();
      return { status: 'unavailable', reason: `${destination.name}: ${describe(error)}` };
    }
    for (const h of missing) h.done = [...h.done, destination.name];
  }
  try {
    const written = await bounded(
      Promise.all(held.map((h) => records.update(h.event.id, h.etag, { done: h.done, leaseUntil: 0 }, signal))),
      signal,
    );
    if (written.includes(undefined)) throw new Error('a row changed under its lease');
  } catch (error) {
    return { status: 'unavailable', reason: `published, but could not record it: ${describe(error)}` };
  }
  return { status: 'published', published: held.length, duplicates };
}

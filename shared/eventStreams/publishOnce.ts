// Publishing each event of a sink request once, across retries and instances. Event Streams delivers at least
// once and retries for up to four hours, so a table row per event id says how far its publishing got:
// - A request claims each id by creating its row with a lease. A row another request holds under a live lease
//   makes this request answer 503 (Twilio retries); an expired lease (its holder died) is taken over with the
//   row's ETag, keeping what that holder finished.
// - Each destination (the events queue, then Event Grid) gets the events it does not have yet. When the
//   publishing settles, the rows record the destinations done and give up the lease: a retry then finds the events
//   done (2xx, nothing published again), or publishes only what is missing.
// - The request's deadline (Twilio waits 5 s) ends the wait, not the publishing: a send cut off at the deadline may
//   still land, so the request answers 503 and keeps its leases while the send goes on, and the rows say what
//   happened once it has. A retry meanwhile finds the lease live and is answered 503 too.
// What it cannot rule out: a process that dies after a destination took the events but before the rows say so
// leaves its lease to expire, and the retry that takes it over publishes them again, with the same ids.
// Pure: the rows and the destinations are ports.
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
  /**
   * Resolves once the destination has every event. A destination that takes them one by one and took some before
   * failing rejects with an error whose `landed` (a Set) names those, so that they are not published to it again.
   */
  publish(events: StreamEvent[], signal: AbortSignal): Promise<void>;
}

export interface PublishOnceInput {
  events: StreamEvent[];
  destinations: Destination[];
  records: EventRecords;
  now: () => number;
  /** Longer than the publishing may go on (`publishSignal`), so that a live publish is never taken over. */
  leaseMs: number;
  /** The request's deadline: when it aborts, the request answers while the publishing goes on. */
  signal: AbortSignal;
  /** Bounds the publishing itself, which may outlive the request: shorter than `leaseMs`. */
  publishSignal: AbortSignal;
}

/** How publishing that outlived its request ended, for the log. */
export type Settled = { status: 'published'; published: number } | { status: 'unavailable'; reason: string };

export type PublishOutcome =
  | { status: 'published'; published: number; duplicates: number }
  | { status: 'busy'; reason: string }
  | { status: 'unavailable'; reason: string }
  /** The deadline came first: the leases stay until `settled` has recorded the outcome. */
  | { status: 'publishing'; reason: string; publishing: number; settled: Promise<Settled> };

interface Held {
  event: StreamEvent;
  etag: string;
  done: string[];
}

/** The port's work, or a rejection once `signal` aborts, whether or not the port honours the signal. */
function bounded<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined); // it may settle after the caller has moved on
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(new Error('no answer before the deadline'));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/**
 * What releasing the leases may add to a request refused before it published (claims failed or busy), and how long
 * recording the outcome of a publish may take: its own budget, since the publish may have used up its own.
 */
export const RELEASE_MS = 700;
export const RECORD_MS = 5000;

const landedOf = (error: unknown): ReadonlySet<unknown> =>
  error instanceof Error && 'landed' in error && error.landed instanceof Set ? error.landed : new Set();

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Writes each held row (done so far, lease given up); the reason when a row could not be written. */
async function record(held: Held[], records: EventRecords, budgetMs: number): Promise<string | undefined> {
  const budget = AbortSignal.timeout(budgetMs);
  try {
    const written = await bounded(
      Promise.all(held.map((h) => records.update(h.event.id, h.etag, { done: h.done, leaseUntil: 0 }, budget))),
      budget,
    );
    return written.includes(undefined) ? 'a row changed under its lease' : undefined;
  } catch (error) {
    return describe(error);
  }
}

/** Every destination that lacks them gets the held events; the rows then say what was done. */
async function publishHeld(held: Held[], destinations: Destination[], records: EventRecords, signal: AbortSignal): Promise<Settled> {
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
      const landed = landedOf(error);
      for (const h of missing) if (landed.has(h.event.id)) h.done = [...h.done, destination.name];
      // Giving up the leases lets Twilio's retry publish what is missing at once instead of after the lease.
      await record(held, records, RELEASE_MS);
      return { status: 'unavailable', reason: `${destination.name}: ${describe(error)}` };
    }
    for (const h of missing) h.done = [...h.done, destination.name];
  }
  const failed = await record(held, records, RECORD_MS);
  if (failed) return { status: 'unavailable', reason: `published, but could not record it: ${failed}` };
  return { status: 'published', published: held.length };
}

/** Each event once: the events this request holds are published to every destination that lacks them. */
export async function publishOnce(input: PublishOnceInput): Promise<PublishOutcome> {
  const { destinations, records, now, leaseMs, signal } = input;
  const firstOfEachId = input.events.filter((event, index, all) => all.findIndex((e) => e.id === event.id) === index);
  const names = destinations.map((d) => d.name);
  const complete = (done: string[]) => names.every((name) => done.includes(name));

  const claims = await Promise.allSettled(
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
  const results = claims.map((c) => (c.status === 'fulfilled' ? c.value : undefined));
  const held = results.filter((c): c is Held => typeof c === 'object');
  const failedClaim = claims.find((c): c is PromiseRejectedResult => c.status === 'rejected');
  if (failedClaim || results.includes('busy')) {
    await record(held, records, RELEASE_MS);
    return failedClaim
      ? { status: 'unavailable', reason: `could not record the events' ids: ${describe(failedClaim.reason)}` }
      : { status: 'busy', reason: 'another request is publishing some of these events' };
  }
  const duplicates = input.events.length - held.length;

  const publishing = publishHeld(held, destinations, records, input.publishSignal);
  let settled: Settled;
  try {
    settled = await bounded(publishing, signal);
  } catch {
    return {
      status: 'publishing',
      reason: `${held.length} event(s) still being published after the deadline`,
      publishing: held.length,
      settled: publishing,
    };
  }
  return settled.status === 'published' ? { ...settled, duplicates } : settled;
}

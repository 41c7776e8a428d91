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
// What it cannot rule out is a send that landed unknown to it: a process that dies after a destination took the
// events but before the rows say so leaves its lease to expire, and the retry that takes it over publishes them
// again; a connection storage drops after taking a message fails the send, and the retry sends it again. Same ids.
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
  leaseUntil: number;
}

/** The port's work, or a rejection once `signal` aborts, whether or not the port honours the signal. */
export function bounded<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
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
 * one try at recording the outcome of a publish may take: its own budget, since the publish may have used up its own.
 */
export const RELEASE_MS = 700;
export const RECORD_MS = 5000;
/**
 * After a publish, a row that cannot be written (storage restarting) is tried again every RECORD_RETRY_MS until
 * LEASE_MARGIN_MS before its lease ends: a retry that took the row over after the lease would publish again.
 */
export const RECORD_RETRY_MS = 1000;
export const LEASE_MARGIN_MS = 10_000;

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

const landedOf = (error: unknown): ReadonlySet<unknown> =>
  error instanceof Error && 'landed' in error && error.landed instanceof Set ? error.landed : new Set();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes one held row (done so far, lease given up); the reason when it could not be written. With `retryUntil`,
 * a failed write is tried again until then; a try that failed may still have written the row, so a later try that
 * finds the ETag changed reads the row and counts it written when it records what this one would.
 */
async function recordRow(h: Held, records: EventRecords, now: () => number, retryUntil = 0): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    const budget = AbortSignal.timeout(retryUntil ? RECORD_MS : RELEASE_MS);
    let failure: string;
    try {
      const etag = await bounded(records.update(h.event.id, h.etag, { done: h.done, leaseUntil: 0 }, budget), budget);
      if (etag) return undefined;
      if (attempt === 0) return 'a row changed under its lease';
      const row = await bounded(records.claim(h.event.id, { done: [], leaseUntil: 0 }, budget), budget);
      const written = row.record.leaseUntil === 0 && h.done.every((name) => row.record.done.includes(name));
      return written ? undefined : 'a row changed under its lease';
    } catch (error) {
      failure = describe(error);
    }
    if (now() + RECORD_RETRY_MS >= retryUntil) return failure;
    await sleep(RECORD_RETRY_MS);
  }
}

/** Writes each held row; the first reason a row could not be written. */
async function record(held: Held[], records: EventRecords, now: () => number, retry: boolean): Promise<string | undefined> {
  const reasons = await Promise.all(held.map((h) => recordRow(h, records, now, retry ? h.leaseUntil - LEASE_MARGIN_MS : 0)));
  return reasons.find((reason) => reason !== undefined);
}

/** Every destination that lacks them gets the held events; the rows then say what was done. */
async function publishHeld(
  held: Held[],
  destinations: Destination[],
  records: EventRecords,
  now: () => number,
  signal: AbortSignal,
): Promise<Settled> {
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
      await record(held, records, now, true);
      return { status: 'unavailable', reason: `${destination.name}: ${describe(error)}` };
    }
    for (const h of missing) h.done = [...h.done, destination.name];
  }
  const failed = await record(held, records, now, true);
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
      if (claim.created) return { event, etag: claim.etag, done: [], leaseUntil };
      if (complete(claim.record.done)) return 'duplicate';
      if (claim.record.leaseUntil > now()) return 'busy';
      const etag = await bounded(records.update(event.id, claim.etag, { done: claim.record.done, leaseUntil }, signal), signal);
      return etag ? { event, etag, done: claim.record.done, leaseUntil } : 'busy';
    }),
  );
  const results = claims.map((c) => (c.status === 'fulfilled' ? c.value : undefined));
  const held = results.filter((c): c is Held => typeof c === 'object');
  const failedClaim = claims.find((c): c is PromiseRejectedResult => c.status === 'rejected');
  if (failedClaim || results.includes('busy')) {
    await record(held, records, now, false);
    return failedClaim
      ? { status: 'unavailable', reason: `could not record the events' ids: ${describe(failedClaim.reason)}` }
      : { status: 'busy', reason: 'another request is publishing some of these events' };
  }
  const duplicates = input.events.length - held.length;

  const publishing = publishHeld(held, destinations, records, now, input.publishSignal);
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

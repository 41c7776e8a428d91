// What Event Streams does with a delivery to a webhook sink that failed (an answer other than 200, an answer after
// its 5 s timeout, or none): it sends the same batch again, with exponential backoff and jitter, until a 200. The
// soak's sink batches go through this, so a 503 asking for a retry is retried as in production, and the events
// subscriber then checks that each event reached the events queue exactly once.
export const SINK_TIMEOUT_MS = 5_000;

export interface SinkDelivery {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The events' ids, which the subscriber must each see once. */
  ids: string[];
}

export interface SinkRetryFigures {
  batches: number;
  events: number;
  /** Batches answered 200 within 5 s the first time. */
  firstTry: number;
  /** Batches sent again at least once, and the requests that took. */
  retried: number;
  retries: number;
  /** Why a try failed: '503', 'over 5 s' (Twilio's timeout), 'no answer'. */
  failedTries: Record<string, number>;
  /** Batches answered something Twilio does not retry (a 4xx): their events are lost. */
  refused: number;
  /** Batches still without a 200 when the drain ended. */
  stillFailing: number;
  examples: string[];
}

export interface SinkRetries {
  /** A first try the load is sending now; the token goes with its answer. */
  sent(delivery: SinkDelivery): number;
  /** The first try's answer: undefined when it is a 200 or one Twilio retries; otherwise why it is wrong. */
  answered(token: number, status: number, body: string): string | undefined;
  /** Every event id sent. */
  ids(): string[];
  /** Waits until every batch had its 200 (or the time is up), then stops retrying. */
  drain(timeoutMs: number): Promise<SinkRetryFigures>;
}

interface Pending {
  delivery: SinkDelivery;
  triedAt: number;
  attempts: number;
  /** When the next try is due; undefined while one is out. */
  nextAt?: number;
}

export const SINK_SUCCESS = /^Published \d+ event\(s\)(; \d+ already published)?\.\n$/;

export interface RetryTiming {
  /** How long Twilio waits for the sink's answer. */
  timeoutMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
  /** A first try sent by the load with no answer after this long is taken as timed out. */
  unansweredAfterMs: number;
  random: () => number;
}

const TWILIO_LIKE: RetryTiming = {
  timeoutMs: SINK_TIMEOUT_MS,
  firstDelayMs: 1_000,
  maxDelayMs: 30_000,
  unansweredAfterMs: 15_000,
  random: Math.random,
};

export function startSinkRetries(baseUrl: string, timing: Partial<RetryTiming> = {}): SinkRetries {
  const { timeoutMs, firstDelayMs, maxDelayMs, unansweredAfterMs, random } = { ...TWILIO_LIKE, ...timing };
  const tooSlow = `over ${timeoutMs / 1000} s`;
  const pending = new Map<number, Pending>();
  const allIds: string[] = [];
  const figures: SinkRetryFigures = {
    batches: 0,
    events: 0,
    firstTry: 0,
    retried: 0,
    retries: 0,
    failedTries: {},
    refused: 0,
    stillFailing: 0,
    examples: [],
  };
  let next = 0;
  const inFlight = new Set<Promise<void>>();

  const failed = (token: number, entry: Pending, reason: string) => {
    figures.failedTries[reason] = (figures.failedTries[reason] ?? 0) + 1;
    if (entry.attempts === 1) figures.retried++;
    const ceiling = Math.min(maxDelayMs, firstDelayMs * 2 ** (entry.attempts - 1));
    entry.nextAt = Date.now() + ceiling / 2 + (random() * ceiling) / 2;
    pending.set(token, entry);
  };
  const settle = (token: number, status: number, body: string, tookMs: number): string | undefined => {
    const entry = pending.get(token);
    if (!entry) return undefined;
    const success = status === 200 && SINK_SUCCESS.test(body);
    if (status === 503 || (success && tookMs > timeoutMs)) {
      failed(token, entry, status === 503 ? '503' : tooSlow);
      return undefined;
    }
    if (success) {
      if (entry.attempts === 1) figures.firstTry++;
      pending.delete(token);
      return undefined;
    }
    pending.delete(token);
    figures.refused++;
    const problem = `status ${status}: ${body.slice(0, 120)}`;
    if (figures.examples.length < 3) figures.examples.push(problem);
    return problem;
  };
  const retry = async (token: number, entry: Pending) => {
    entry.nextAt = undefined;
    entry.attempts++;
    entry.triedAt = Date.now();
    figures.retries++;
    const { path, headers, body } = entry.delivery;
    try {
      const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
      settle(token, response.status, await response.text(), Date.now() - entry.triedAt);
    } catch {
      failed(token, entry, 'no answer');
    }
  };
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [token, entry] of pending) {
      if (entry.nextAt === undefined && entry.attempts === 1 && now - entry.triedAt > unansweredAfterMs) failed(token, entry, 'no answer');
      if (entry.nextAt !== undefined && entry.nextAt <= now) {
        const trying = retry(token, entry).finally(() => inFlight.delete(trying));
        inFlight.add(trying);
      }
    }
  }, 200);

  return {
    sent(delivery) {
      const token = next++;
      figures.batches++;
      figures.events += delivery.ids.length;
      allIds.push(...delivery.ids);
      pending.set(token, { delivery, triedAt: Date.now(), attempts: 1 });
      return token;
    },
    answered(token, status, body) {
      const entry = pending.get(token);
      return settle(token, status, body, entry ? Date.now() - entry.triedAt : 0);
    },
    ids: () => allIds,
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (pending.size && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      clearInterval(timer);
      await Promise.all(inFlight);
      figures.stillFailing = pending.size;
      for (const entry of [...pending.values()].slice(0, 3 - figures.examples.length))
        figures.examples.push(`no 200 after ${entry.attempts} tries: ${entry.delivery.ids.join(', ')}`);
      return figures;
    },
  };
}

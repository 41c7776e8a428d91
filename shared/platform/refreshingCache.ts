// A value loaded on demand and kept for a TTL: the policy behind the Twilio credentials cache, with no I/O
// of its own (the loader does the I/O), so that the rules below are unit-tested with a fake clock.
//
// - Concurrent callers share one load; a fresh value is returned as the same object until the TTL ends.
// - After the TTL the next caller loads again. If that re-load fails while an older value exists, the
//   older value is served (and reported) for `retryAfterFailureMs`: a short outage of the source should
//   not stop an app that already holds working values.
// - refresh() forces a re-load (rotation) and answers with a value read by a load that started after the call,
//   so it always sees a change made before the call, whatever refreshes came before it. Forced loads start at
//   most once per `minRefreshIntervalMs`: a refresh within the interval of the last one (or while one is in
//   flight) waits for the next, which starts when the interval is over and serves every refresh that waited for
//   it. Callers that can be triggered from outside (a forged webhook failing its signature check) can therefore
//   neither amplify reads of the source beyond one per interval, nor use up the read a genuine caller needs: they
//   can only make it wait, at most one interval plus a load.

export interface RefreshingCacheOptions<T> {
  load: () => Promise<T>;
  ttlMs: number;
  minRefreshIntervalMs: number;
  retryAfterFailureMs: number;
  /** Called when a re-load failed and the previous value is served instead. */
  onStaleServed?: (error: unknown) => void;
  now?: () => number;
  /** How a refresh waits for the next forced load (tests step a fake clock instead). */
  wait?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

export class RefreshingCache<T> {
  private current?: { value: T; freshUntil: number; generation: number };
  private loading?: Promise<T>;
  /** The forced load in flight, and the one that refreshes within the interval wait for. */
  private forced?: Promise<T>;
  private nextForced?: Promise<T>;
  private lastForcedAt = Number.NEGATIVE_INFINITY;
  private generations = 0;
  private readonly now: () => number;

  constructor(private readonly options: RefreshingCacheOptions<T>) {
    this.now = options.now ?? Date.now;
  }

  get(): Promise<T> {
    if (this.current && this.now() < this.current.freshUntil) return Promise.resolve(this.current.value);
    return this.loading ?? this.load({ forced: false });
  }

  refresh(): Promise<T> {
    // Not yet started, so it will read the source after this call.
    if (this.nextForced) return this.nextForced;
    // A forced load that started at this very instant read the source no earlier than this call.
    if (this.forced && this.lastForcedAt === this.now()) return this.forced;
    if (!this.forced && this.now() - this.lastForcedAt >= this.options.minRefreshIntervalMs) return this.startForced();
    const inFlight = this.forced;
    const next = (async () => {
      await inFlight?.catch(() => undefined);
      const waitMs = this.lastForcedAt + this.options.minRefreshIntervalMs - this.now();
      if (waitMs > 0) await (this.options.wait ?? sleep)(waitMs);
      this.nextForced = undefined;
      return this.startForced();
    })();
    this.nextForced = next;
    return next;
  }

  private startForced(): Promise<T> {
    this.lastForcedAt = this.now();
    const forced = this.load({ forced: true });
    this.forced = forced;
    const settle = () => {
      if (this.forced === forced) this.forced = undefined;
    };
    forced.then(settle, settle);
    return forced;
  }

  private load({ forced }: { forced: boolean }): Promise<T> {
    const previous = this.current;
    const generation = ++this.generations;
    const loading = this.options.load().then(
      (value) => {
        // A load that started earlier and ended later (a TTL load overtaken by a forced one) keeps the newer value.
        if (!this.current || this.current.generation < generation)
          this.current = { value, freshUntil: this.now() + this.options.ttlMs, generation };
        return value;
      },
      (error: unknown) => {
        // A forced refresh reports its failure: its caller already holds the previous value and it did not work.
        if (forced || !previous) throw error;
        this.options.onStaleServed?.(error);
        previous.freshUntil = this.now() + this.options.retryAfterFailureMs;
        return previous.value;
      },
    );
    this.loading = loading;
    const settle = () => {
      if (this.loading === loading) this.loading = undefined;
    };
    loading.then(settle, settle);
    return loading;
  }
}

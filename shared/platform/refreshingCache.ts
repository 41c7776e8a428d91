// A value loaded on demand and kept for a TTL: the policy behind the Twilio credentials cache, with no I/O
// of its own (the loader does the I/O), so that the rules below are unit-tested with a fake clock.
//
// - Concurrent callers share one load; a fresh value is returned as the same object until the TTL ends.
// - After the TTL the next caller loads again. If that re-load fails while an older value exists, the
//   older value is served (and reported) for `retryAfterFailureMs`: a short outage of the source should
//   not stop an app that already holds working values.
// - refresh() forces a re-load (rotation), but at most once per `minRefreshIntervalMs`; calls within that
//   interval share the last forced load or get the cached value. Callers that can be triggered from
//   outside (a forged webhook failing its signature check) therefore cannot amplify reads of the source.

export interface RefreshingCacheOptions<T> {
  load: () => Promise<T>;
  ttlMs: number;
  minRefreshIntervalMs: number;
  retryAfterFailureMs: number;
  /** Called when a re-load failed and the previous value is served instead. */
  onStaleServed?: (error: unknown) => void;
  now?: () => number;
}

export class RefreshingCache<T> {
  private current?: { value: T; freshUntil: number };
  private loading?: Promise<T>;
  private lastForcedAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: RefreshingCacheOptions<T>) {
    this.now = options.now ?? Date.now;
  }

  get(): Promise<T> {
    if (this.current && this.now() < this.current.freshUntil) return Promise.resolve(this.current.value);
    return this.loading ?? this.load({ forced: false });
  }

  refresh(): Promise<T> {
    if (this.loading) return this.loading;
    if (this.now() - this.lastForcedAt < this.options.minRefreshIntervalMs) return this.get();
    this.lastForcedAt = this.now();
    return this.load({ forced: true });
  }

  private load({ forced }: { forced: boolean }): Promise<T> {
    const previous = this.current;
    const loading = this.options.load().then(
      (value) => {
        this.current = { value, freshUntil: this.now() + this.options.ttlMs };
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

import { RefreshingCache } from '../../../shared/platform/refreshingCache';

function setup(options: { ttlMs?: number; minRefreshIntervalMs?: number; retryAfterFailureMs?: number } = {}) {
  let now = 1_000_000;
  let loads = 0;
  let next: () => Promise<string> = async () => `value-${loads}`;
  const stale: unknown[] = [];
  const waits: number[] = [];
  const cache = new RefreshingCache<string>({
    load: () => {
      loads++;
      return next();
    },
    ttlMs: options.ttlMs ?? 1000,
    minRefreshIntervalMs: options.minRefreshIntervalMs ?? 500,
    retryAfterFailureMs: options.retryAfterFailureMs ?? 200,
    onStaleServed: (error) => stale.push(error),
    now: () => now,
    // The wait for the next forced load steps the clock.
    wait: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  });
  return {
    cache,
    stale,
    waits,
    loads: () => loads,
    advance: (ms: number) => (now += ms),
    failNext: (error: Error) => (next = () => Promise.reject(error)),
    succeedNext: () => (next = async () => `value-${loads}`),
    holdNext: () => {
      let release!: () => void;
      next = () => {
        next = async () => `value-${loads}`; // held once
        return new Promise((resolve) => (release = () => resolve(`value-${loads}`)));
      };
      return () => release();
    },
  };
}

describe('RefreshingCache', () => {
  test('concurrent first calls share one load and get the same value', async () => {
    const c = setup();
    const release = c.holdNext();
    const pending = Promise.all([c.cache.get(), c.cache.get(), c.cache.get()]);
    release();
    expect(await pending).toEqual(['value-1', 'value-1', 'value-1']);
    expect(c.loads()).toBe(1);
  });

  test('a value is served from the cache until the TTL ends, then loaded once more', async () => {
    const c = setup({ ttlMs: 1000 });
    await c.cache.get();
    c.advance(999);
    expect(await c.cache.get()).toBe('value-1');
    c.advance(1);
    expect(await Promise.all([c.cache.get(), c.cache.get()])).toEqual(['value-2', 'value-2']);
    expect(c.loads()).toBe(2);
  });

  test('a failed first load is not cached: the next call loads again', async () => {
    const c = setup();
    c.failNext(new Error('down'));
    await expect(c.cache.get()).rejects.toThrow('down');
    c.succeedNext();
    expect(await c.cache.get()).toBe('value-2');
  });

  test('a failed re-load after the TTL serves the previous value, reports it, and waits before trying again', async () => {
    const c = setup({ ttlMs: 1000, retryAfterFailureMs: 200 });
    await c.cache.get();
    c.advance(1000);
    const error = new Error('down');
    c.failNext(error);
    expect(await c.cache.get()).toBe('value-1');
    expect(c.stale).toEqual([error]);
    c.advance(199);
    expect(await c.cache.get()).toBe('value-1');
    expect(c.loads()).toBe(2);
    c.advance(1);
    c.succeedNext();
    expect(await c.cache.get()).toBe('value-3');
  });

  test('refresh loads at once, even within the TTL; get() does not wait for it', async () => {
    const c = setup({ ttlMs: 10_000, minRefreshIntervalMs: 500 });
    await c.cache.get();
    const release = c.holdNext();
    const refreshed = c.cache.refresh();
    expect(await c.cache.get()).toBe('value-1');
    release();
    expect(await refreshed).toBe('value-2');
    expect(await c.cache.get()).toBe('value-2');
    expect(c.waits).toEqual([]);
  });

  test('a refresh within the interval waits for the next load, started when the interval is over, and all such refreshes share it', async () => {
    const c = setup({ ttlMs: 10_000, minRefreshIntervalMs: 500 });
    await c.cache.get();
    expect(await c.cache.refresh()).toBe('value-2');
    c.advance(100);
    // Never the value of the load before the call: the source may have changed since.
    expect(await Promise.all([c.cache.refresh(), c.cache.refresh(), c.cache.refresh()])).toEqual(['value-3', 'value-3', 'value-3']);
    expect(c.waits).toEqual([400]);
    expect(c.loads()).toBe(3);
  });

  test('a refresh while a forced load is in flight waits for the next one, not for the one that started before it', async () => {
    const c = setup({ ttlMs: 10_000, minRefreshIntervalMs: 500 });
    await c.cache.get();
    const release = c.holdNext();
    const first = c.cache.refresh();
    const atOnce = c.cache.refresh(); // same instant: the load in flight read no earlier than this call
    c.advance(1);
    const second = c.cache.refresh();
    release();
    expect(await first).toBe('value-2');
    expect(await atOnce).toBe('value-2');
    expect(await second).toBe('value-3');
    expect(c.waits).toEqual([499]);
  });

  test('however many refreshes, forced loads start at most once per interval', async () => {
    const c = setup({ ttlMs: 1_000_000, minRefreshIntervalMs: 500 });
    await c.cache.get();
    const started = 1_000_000;
    for (let i = 0; i < 300; i++) {
      c.advance(37);
      const burst = Array.from({ length: 1 + (i % 4) }, () => c.cache.refresh());
      if (i % 3) await Promise.all(burst);
    }
    await c.cache.refresh();
    const elapsed = c.advance(0) - started;
    expect(c.loads() - 1).toBeLessThanOrEqual(1 + Math.floor(elapsed / 500));
    expect(c.waits.every((ms) => ms <= 500)).toBe(true);
  });

  test('a failed refresh is reported to its caller and keeps the previous value cached', async () => {
    const c = setup();
    await c.cache.get();
    c.failNext(new Error('still down'));
    await expect(c.cache.refresh()).rejects.toThrow('still down');
    expect(await c.cache.get()).toBe('value-1');
    expect(c.stale).toEqual([]);
  });
});

import { RefreshingCache } from '../../../shared/platform/refreshingCache';

function setup(options: { ttlMs?: number; minRefreshIntervalMs?: number; retryAfterFailureMs?: number } = {}) {
  let now = 1_000_000;
  let loads = 0;
  let next: () => Promise<string> = async () => `value-${loads}`;
  const stale: unknown[] = [];
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
  });
  return {
    cache,
    stale,
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

  test('refresh loads even within the TTL, and calls within the interval share it or get the cache', async () => {
    const c = setup({ ttlMs: 10_000, minRefreshIntervalMs: 500 });
    await c.cache.get();
    const release = c.holdNext();
    const refreshes = [c.cache.refresh(), c.cache.refresh()];
    expect(await c.cache.get()).toBe('value-1'); // get() does not wait for a refresh in flight
    release();
    expect(await Promise.all(refreshes)).toEqual(['value-2', 'value-2']);
    expect(await c.cache.get()).toBe('value-2');
    c.advance(499);
    expect(await c.cache.refresh()).toBe('value-2');
    expect(c.loads()).toBe(2);
    c.advance(1);
    expect(await c.cache.refresh()).toBe('value-3');
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

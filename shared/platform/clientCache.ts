// The per-process cache behind every SDK client the app keeps (storage, Key Vault, Event Grid): one client per key,
// created once and shared by concurrent callers. A creation that fails is forgotten, so the next call tries again.
export function cachedClient<T>(cache: Map<string, Promise<T>>, key: string, create: () => Promise<T>): Promise<T> {
  let client = cache.get(key);
  if (!client) {
    client = create();
    cache.set(key, client);
    client.catch(() => cache.delete(key));
  }
  return client;
}

// A bounded per-instance cache for TwiML that is a pure function of a few inputs. A number's menu URL is the
// same on every call, and the SDK builds a throwaway XML document for every verb it adds (about 8 us each),
// so answering a repeat from memory is most of a menu request's cost. Least recently used entries go first.

import { LruMap } from '../../lruMap';

const MAX_KEY_LENGTH = 4096;

export function memoizeTwiml<A extends unknown[]>(
  build: (...args: A) => string,
  key: (...args: A) => string,
  limit = 256,
): (...args: A) => string {
  const cache = new LruMap<string, string>(limit);
  return (...args: A) => {
    const cacheKey = key(...args);
    // Hostile requests with huge parameters are built every time rather than held in memory.
    if (cacheKey.length > MAX_KEY_LENGTH) return build(...args);
    const hit = cache.get(cacheKey);
    if (hit !== undefined) return hit;
    const twiml = build(...args);
    cache.set(cacheKey, twiml);
    return twiml;
  };
}

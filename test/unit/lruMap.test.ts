// The bounded memory the webhooks keep answers in (shared/lruMap.ts).
import { LruMap } from '../../shared/lruMap';

test('beyond its limit it forgets the least recently used entry, and reading an entry makes it the most recent', () => {
  const map = new LruMap<string, number>(2);
  map.set('a', 1);
  map.set('b', 2);
  expect(map.get('a')).toBe(1);
  map.set('c', 3);
  expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([1, undefined, 3]);
  expect(map.size).toBe(2);
});

test('setting a key again replaces its value and makes it the most recent', () => {
  const map = new LruMap<string, string>(2);
  map.set('a', 'first');
  map.set('b', 'b');
  map.set('a', 'second');
  map.set('c', 'c');
  expect([map.get('a'), map.get('b'), map.get('c')]).toEqual(['second', undefined, 'c']);
});

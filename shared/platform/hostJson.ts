// The app's own host.json, for the one value the code needs from it: the queue's maxDequeueCount, so the last
// attempt of a failing message can tell the ledger the message is going to the poison queue. host.json sits
// at the app root, above dist/main.js (and above shared/ when tests import the sources).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const FUNCTIONS_DEFAULT_MAX_DEQUEUE_COUNT = 5;

let cached: number | undefined;

function findHostJson(start: string): string | undefined {
  for (let dir = start, i = 0; i < 4; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'host.json');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function queueMaxDequeueCount(): number {
  if (cached === undefined) {
    const file = findHostJson(__dirname);
    const value = file ? (JSON.parse(readFileSync(file, 'utf8')) as { extensions?: { queues?: { maxDequeueCount?: unknown } } }).extensions?.queues?.maxDequeueCount : undefined;
    cached = typeof value === 'number' && value > 0 ? value : FUNCTIONS_DEFAULT_MAX_DEQUEUE_COUNT;
  }
  return cached;
}

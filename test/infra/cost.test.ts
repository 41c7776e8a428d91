// docs/cost.md's table is what scripts/cost.mjs computes from bench/results.json and bench/prices.json, and every
// price there says where it comes from.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './armTemplate';

const script = join(repoRoot, 'scripts', 'cost.mjs');
const prices = JSON.parse(readFileSync(join(repoRoot, 'bench', 'prices.json'), 'utf8')) as {
  prices: Record<string, { usd?: number; amount?: number; source: string; seen: string; confirmed: boolean }>;
};

test('the page is what npm run cost computes now', () => {
  const check = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  expect(check.stderr).toBe('');
  expect(check.status).toBe(0);
});

test('the table moves with the measurements: more storage requests per message cost more', () => {
  const code = `import(${JSON.stringify(script)}).then((m) => {
    const fs = require('node:fs');
    const results = JSON.parse(fs.readFileSync(${JSON.stringify(join(repoRoot, 'bench', 'results.json'))}, 'utf8'));
    const prices = JSON.parse(fs.readFileSync(${JSON.stringify(join(repoRoot, 'bench', 'prices.json'))}, 'utf8'));
    const before = m.monthly(1e7, m.usage(results), prices).storage;
    results.outbound.roundTrips.perMessage['queue send'] += 4;
    console.log(JSON.stringify([before, m.monthly(1e7, m.usage(results), prices).storage]));
  })`;
  const [before, after] = JSON.parse(execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' })) as number[];
  expect(after).toBeGreaterThan(before);
});

test('every price has a source, where it was seen, and whether it was confirmed', () => {
  expect(Object.keys(prices.prices).length).toBeGreaterThan(10);
  for (const [name, price] of Object.entries(prices.prices)) {
    expect({ name, source: price.source }).toEqual({ name, source: expect.stringMatching(/^https:\/\/azure\.microsoft\.com\/pricing\//) });
    expect(price.seen.length).toBeGreaterThan(10);
    expect(typeof price.confirmed).toBe('boolean');
    expect(typeof (price.usd ?? price.amount)).toBe('number');
  }
});

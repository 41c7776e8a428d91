// docs/performance.md's Latest figures table is what scripts/performanceTable.mjs writes from bench/results.json:
// after a full bench run, `npm run bench:table` brings the page along.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../harness/localHost';

test('the Latest figures table of docs/performance.md is the one bench/results.json gives', () => {
  const check = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'performanceTable.mjs'), '--check'], { encoding: 'utf8' });
  expect(check.stderr).toBe('');
  expect(check.status).toBe(0);
});

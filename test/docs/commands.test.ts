// docs/local-development.md lists every npm script, so a newcomer finds any command from the README.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { between, docPage } from '../../harness/docPages';
import { repoRoot } from '../../harness/localHost';

const scripts = Object.keys(
  (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
);
const table = between(docPage('local-development'), '<!-- commands: start -->', '<!-- commands: end -->');
const listed = new Set([...table.matchAll(/`npm (?:run )?([\w:-]+)`/g)].map((m) => m[1]));

test.each(scripts)('the command table lists npm run %s', (script) => {
  expect(listed.has(script)).toBe(true);
});

test('the command table lists no script that package.json lacks', () => {
  expect([...listed].filter((name) => !scripts.includes(name))).toEqual([]);
});

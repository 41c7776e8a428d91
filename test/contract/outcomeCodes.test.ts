// docs/outbound-outcomes.md lists exactly the outcome codes the code declares (shared/outbound/outcomes.ts), event
// by event, and the refusal codes; a query written from the page finds every line the app writes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../harness/localHost';
import { REFUSAL_CODES } from '../../shared/outbound/errors';
import { OUTCOMES, type OutcomeEvent } from '../../shared/outbound/outcomes';

const page = readFileSync(join(repoRoot, 'docs', 'outbound-outcomes.md'), 'utf8');

/** The codes in the first column of the table under "## `<event>`". */
function documented(event: string): string[] {
  const start = page.indexOf(`## \`${event}\``);
  if (start < 0) return [];
  const section = page.slice(start).split('\n## ')[0];
  return [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
}

test.each(Object.keys(OUTCOMES) as OutcomeEvent[])('docs/outbound-outcomes.md lists every `%s` code, and no other', (event) => {
  expect(documented(event)).toEqual([...OUTCOMES[event]]);
});

test('codes are short and say one thing: lowercase words with hyphens, no prose', () => {
  for (const codes of Object.values(OUTCOMES)) for (const code of codes) expect(code).toMatch(/^[a-z]+(-[a-z]+){0,3}$/);
});

test('the page names every refusal code', () => {
  for (const code of REFUSAL_CODES) expect(page).toContain(`\`${code}\``);
});

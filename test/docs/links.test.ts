// Every relative link and #anchor in README.md and docs/ resolves, by GitHub's slug rules (scripts/checkDocLinks.mjs).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../harness/localHost';

const check = (root: string) => {
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'checkDocLinks.mjs'), root], { encoding: 'utf8' });
  return { status: result.status, lines: `${result.stdout}${result.stderr}`.trim().split('\n') };
};

test('every relative link and anchor in README.md and docs/ resolves', () => {
  const { status, lines } = check(repoRoot);
  expect(lines.filter((line) => !line.startsWith('Every relative link'))).toEqual([]);
  expect(status).toBe(0);
});

describe('the checker, on pages with known links', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'doc-links-'));
    mkdirSync(join(root, 'docs'));
    mkdirSync(join(root, 'shared'));
    writeFileSync(join(root, 'shared', 'code.ts'), '');
    writeFileSync(
      join(root, 'README.md'),
      [
        '# Title',
        '',
        '[ok](docs/page.md) [ok](docs/page.md#npm-run-simulate-be-twilio) [ok](docs/page.md#hostjson-and-why)',
        '[ok](docs/page.md#setup-1) [ok](shared/code.ts) [ok](https://example.com/#x) [ok](#title)',
        '',
        '[bad anchor](docs/page.md#setup-2) [bad file](docs/missing.md) [bad own anchor](#nothing)',
        '',
        '```md',
        '[inside a code block](nowhere.md)',
        '```',
      ].join('\n'),
    );
    writeFileSync(
      join(root, 'docs', 'page.md'),
      [
        '# Page',
        '',
        '## `npm run simulate`: be Twilio',
        '',
        '## host.json, and why',
        '',
        '## Setup',
        '',
        '## Setup',
        '',
        '[up](../README.md#title)',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('names each broken link with its file and line, and nothing else', () => {
    const { status, lines } = check(root);
    expect(lines).toEqual([
      'README.md:6: docs/page.md#setup-2: docs/page.md has no heading #setup-2',
      'README.md:6: docs/missing.md: docs/missing.md does not exist',
      'README.md:6: #nothing: README.md has no heading #nothing',
      '3 broken link(s).',
    ]);
    expect(status).toBe(1);
  });
});

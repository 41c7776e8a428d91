// Every Mermaid diagram in README.md and docs/ renders, with the Mermaid CLI in the machine's Chromium
// (scripts/renderDiagrams.mjs). Without a browser it fails with the line saying how to get one.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../harness/localHost';

jest.setTimeout(300_000);

const render = (root: string, env: NodeJS.ProcessEnv = process.env) => {
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'renderDiagrams.mjs'), root], { encoding: 'utf8', env });
  return { status: result.status, lines: `${result.stdout}${result.stderr}`.trim().split('\n') };
};

test('every diagram in README.md and docs/ renders, and docs/architecture.md has one per data flow', () => {
  const { status, lines } = render(repoRoot);
  expect(lines).toEqual([expect.stringMatching(/^All \d+ diagram\(s\) render\.$/)]);
  expect(Number(/All (\d+)/.exec(lines[0])![1])).toBeGreaterThanOrEqual(6);
  expect(status).toBe(0);
});

test('a diagram Mermaid cannot parse is named with its page and line', () => {
  const root = mkdtempSync(join(tmpdir(), 'doc-diagrams-'));
  try {
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'README.md'), '# Title\n');
    writeFileSync(
      join(root, 'docs', 'page.md'),
      ['# Page', '', '```mermaid', 'flowchart LR', '  a --> b', '```', '', '```mermaid', 'flowchart LR', '  a --> (', '```', ''].join('\n'),
    );
    const { status, lines } = render(root);
    expect(lines).toEqual([
      expect.stringMatching(/^docs\/page\.md:8: diagram 2 does not render: .*Parse error/),
      '1 of 2 diagram(s) do not render.',
    ]);
    expect(status).toBe(1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('without a browser it fails, saying how to get one, rather than passing without having rendered', () => {
  const { status, lines } = render(repoRoot, { ...process.env, CHROMIUM_PATH: join(tmpdir(), 'no-such-browser') });
  expect(lines).toEqual([expect.stringMatching(/^CHROMIUM_PATH is .*no-such-browser, which is not a file/)]);
  expect(status).toBe(1);
});

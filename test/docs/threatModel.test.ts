// docs/threat-model.md keeps up with the app: every function the app registers has a row in its routes table (and
// every row is a registered function), and every test the page names as evidence exists, by file and title.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { between, docPage } from '../../harness/docPages';
import { listFunctions, repoRoot } from '../../harness/localHost';

interface Citation {
  file: string;
  title: string;
}

const page = docPage('threat-model');
/** Prose wraps: a title cited across a line break is the same title. */
const flat = page.replace(/\s+/g, ' ');

/** The names in the first cell of each row of the routes table. */
export function documentedFunctions(text: string): string[] {
  const table = between(text, '## Routes and triggers', '## How each check works');
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`(\w+)`/g)].map((m) => m[1]));
}

/** `test/x.test.ts` "title", anywhere on the page. */
export function citations(text: string): Citation[] {
  return [...text.matchAll(/`(test\/[\w/.-]+\.test\.ts)` "([^"]+)"/g)].map((m) => ({ file: m[1], title: m[2] }));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The citations whose file is missing or has no test or describe with that exact title. */
export function missingTests(cited: Citation[], read: (file: string) => string | undefined): Citation[] {
  return cited.filter(({ file, title }) => {
    const source = read(file);
    if (source === undefined) return true;
    const call = new RegExp(`\\b(test|it|describe)(\\.each\\([\\s\\S]*?\\))?\\(\\s*(['"\`])${escapeRegExp(title)}\\3`);
    return !call.test(source);
  });
}

const readTest = (file: string) => (existsSync(join(repoRoot, file)) ? readFileSync(join(repoRoot, file), 'utf8') : undefined);

/** What functions/ registers, read from the source: app.http('name', ...), app.timer(...), app.storageQueue(...). */
function registeredInSource(): string[] {
  const dir = join(repoRoot, 'functions');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => [...readFileSync(join(dir, file), 'utf8').matchAll(/\bapp\.\w+\(\s*'(\w+)'/g)].map((m) => m[1]));
}

function registeredByHost(): string[] {
  const { status, stdout, output } = listFunctions();
  if (status !== 0) throw new Error(`devhost functions exited with ${status}:\n${output}`);
  return (JSON.parse(stdout) as Array<{ name: string }>).map((f) => f.name);
}

test('every function the app registers has a row in the routes table, and every row is a registered function', () => {
  const registered = [...new Set([...registeredInSource(), ...registeredByHost()])].sort();
  const documented = documentedFunctions(page);
  expect(registered.filter((name) => !documented.includes(name))).toEqual([]);
  expect(documented.filter((name) => !registered.includes(name))).toEqual([]);
  expect(registered.length).toBeGreaterThan(30);
});

test('every test the page names exists, by file and title', () => {
  const cited = citations(flat);
  expect(cited.length).toBeGreaterThan(40);
  expect(missingTests(cited, readTest)).toEqual([]);
});

test('every row of the routes table names the test that holds it', () => {
  const rows = between(page, '## Routes and triggers', '## How each check works')
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  expect(rows.filter((row) => citations(row).length === 0)).toEqual([]);
});

describe('the checks fail when the page falls behind', () => {
  test('a registered function without a row is found', () => {
    const withoutVoice = page.replace(/^\| `voice` \|.*$/m, '');
    expect(documentedFunctions(withoutVoice)).not.toContain('voice');
    expect(documentedFunctions(page)).toContain('voice');
  });

  test('a test that does not exist, or a file that does not, is reported', () => {
    const real = citations(flat)[0];
    const wrong = [
      { file: real.file, title: `${real.title} (renamed)` },
      { file: 'test/integration/noSuchFile.test.ts', title: real.title },
    ];
    expect(missingTests([real, ...wrong], readTest)).toEqual(wrong);
  });
});

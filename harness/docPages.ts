// The documentation the tests read: README.md and one page per task in docs/. A check of documented content reads the
// page that holds it, so moving content between pages moves the check with it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..');
export const docsDir = join(repoRoot, 'docs');

/** The text of docs/<name>.md. */
export function docPage(name: string): string {
  return readFileSync(join(docsDir, `${name}.md`), 'utf8');
}

/** README.md and every page in docs/, by path relative to the repository root. */
export function allDocs(): Array<{ path: string; text: string }> {
  const pages = readdirSync(docsDir)
    .filter((file) => file.endsWith('.md'))
    .sort()
    .map((file) => `docs/${file}`);
  return ['README.md', ...pages].map((path) => ({ path, text: readFileSync(join(repoRoot, path), 'utf8') }));
}

/** The part of a page from one marker up to (not including) the next; fails loudly when either is missing. */
export function between(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  const to = from < 0 ? -1 : text.indexOf(end, from + start.length);
  if (from < 0 || to < 0) throw new Error(`The page no longer has ${from < 0 ? start : end}: update the test to where that content moved`);
  return text.slice(from, to);
}

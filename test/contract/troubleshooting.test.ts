// docs/troubleshooting.md quotes the messages a newcomer meets locally: each quoted message must still be one the
// code can print, so the page cannot drift from what the tools and the app say.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { docPage } from '../../harness/docPages';

const root = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return /\.(ts|cjs)$/.test(name) ? [readFileSync(join(root, path), 'utf8')] : [];
  });
}

// Strings the code builds from pieces read as one: 'a ' + 'b', `a ${x} b` (the placeholder becomes a gap).
const code = ['shared', 'functions', 'scripts', 'devhost', 'bench', 'harness']
  .flatMap(sources)
  .join('\n')
  .replace(/['"`]\s*\+\s*['"`]/g, '')
  .replace(/\$\{[^}]*\}/g, '\u0000')
  .replace(/\\'/g, "'");

/** The first cell of each table row: the messages, in backticks. */
const quoted = docPage('troubleshooting')
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .flatMap((line) => [...line.split(' | ')[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
// (A row may name a doctor table's check and result outside the backticks: the quoted part is the detail.)

/** The fixed stretches of a quoted message, of three words or more: between placeholders, values and punctuation. */
const fixedParts = (message: string) =>
  message
    .split(/<[^>]+>|\.\.\.|\d{2,}|\S*\/\S*|SM\S*|twilio-\S+|[[\]():;,"]|->/)
    .map((part) => part.trim())
    .filter((part) => part.split(' ').length >= 3);

test('the page quotes at least the messages of each local tool', () => {
  expect(quoted.length).toBeGreaterThanOrEqual(30);
});

// npm's own warning is quoted as npm prints it.
test.each(quoted.filter((message) => !message.startsWith('npm ') && fixedParts(message).length))(
  'the code can still print: %s',
  (message) => {
    const missing = fixedParts(message).filter((part) => !code.includes(part));
    expect(missing).toEqual([]);
  },
);

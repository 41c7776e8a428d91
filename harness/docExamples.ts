// The shell examples of README.md and docs/: every command line of every sh/bash block, with what it needs to run and
// what its comment claims it prints. The examples test runs the ones that can run offline, as a newcomer would.

export type ExampleKind =
  /** `npm start`, maybe with settings before it: the app the following examples talk to. */
  | 'start'
  /** Runs offline against the app `npm start` runs. */
  | 'offline'
  /** Needs an Azure subscription, a deployed app or a value only the reader has. */
  | 'azure'
  /** Not run by the examples test, for the reason given. */
  | 'elsewhere';

export interface DocExample {
  page: string;
  /** 1-based line of the command's first line. */
  line: number;
  /** The command as written, continuation lines joined, without its comment. */
  command: string;
  /** What the trailing comment says. */
  comment: string;
  kind: ExampleKind;
  /** For 'elsewhere': why. */
  reason?: string;
  /** For 'start': the settings written before `npm start`. */
  env?: Record<string, string>;
  /** Variable assignments earlier in the same block, which the command uses. */
  setup: string[];
}

const VALUE = `("[^"]*"|'[^']*'|\\$\\([\\s\\S]*\\)|[^\\s;]*)`;
const ASSIGNMENT = new RegExp(`^[A-Z_][A-Z0-9_]*=${VALUE}(;\\s*[A-Z_][A-Z0-9_]*=${VALUE})*;?\\s*$`);
const AZURE = /(^|\s)(az|azd|func)\s|\$\((az|azd)\s|\?code=|<[a-z][^<>]*>|https:\/\/<|\(cd build\/package/;
const ELSEWHERE: Array<[RegExp, string]> = [
  [/^npm test\b/, 'it is the command that runs this test'],
  [/^npm run soak\b/, 'the soak starts its own host for minutes; test/reliability/soak.test.ts runs it'],
  [/^npm run package\b/, 'test/infra/deployPackage.test.ts builds the package'],
  [/^read -rsp\b|^rm -rf "\$SECRETS"/, 'asks for a secret at the keyboard'],
];

/** Splits a trailing ` # comment` off a command line, ignoring `#` inside quotes. */
export function splitComment(line: string): { command: string; comment: string } {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1])))
      return { command: line.slice(0, i).trimEnd(), comment: line.slice(i + 1).trim() };
  }
  return { command: line.trimEnd(), comment: '' };
}

/** The settings before `npm start` on a start line (`A=1 B='x y' npm start`), or undefined when it is not one. */
export function startSettings(command: string): Record<string, string> | undefined {
  const match = /^((?:[A-Z_][A-Z0-9_]*=(?:'[^']*'|"[^"]*"|\S+)\s+)*)(?:npm install && )?npm start$/.exec(command);
  if (!match) return undefined;
  const env: Record<string, string> = {};
  for (const [, name, value] of match[1].matchAll(/([A-Z_][A-Z0-9_]*)=('[^']*'|"[^"]*"|\S+)/g))
    env[name] = /^['"]/.test(value) ? value.slice(1, -1) : value;
  return env;
}

function classify(command: string): Pick<DocExample, 'kind' | 'reason' | 'env'> {
  const env = startSettings(command);
  if (env) return { kind: 'start', env };
  for (const [pattern, reason] of ELSEWHERE) if (pattern.test(command)) return { kind: 'elsewhere', reason };
  if (AZURE.test(command)) return { kind: 'azure' };
  return { kind: 'offline' };
}

/** Every command line of the page's sh/bash blocks, in order. */
export function docExamples(page: string, text: string): DocExample[] {
  const examples: DocExample[] = [];
  const lines = text.split('\n');
  let inBlock = false;
  let setup: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)/.exec(lines[i]);
    if (fence) {
      inBlock = !inBlock && ['sh', 'bash', 'shell'].includes(fence[1]);
      setup = [];
      continue;
    }
    if (!inBlock || !lines[i].trim() || lines[i].trimStart().startsWith('#')) continue;
    const first = i;
    let joined = lines[i];
    while (joined.endsWith('\\') && i + 1 < lines.length) joined = `${joined.slice(0, -1).trimEnd()} ${lines[++i].trim()}`;
    const { command, comment } = splitComment(joined);
    // An assignment alone on its line sets a variable for the commands after it; the Azure ones count as Azure.
    if (ASSIGNMENT.test(command) && !AZURE.test(command)) {
      setup.push(command);
      continue;
    }
    examples.push({ page, line: first + 1, command, comment, ...classify(command), setup: [...setup] });
  }
  return examples;
}

/**
 * What a comment claims the command prints, as fragments that must all appear in its output: the tag names and texts
 * of quoted TwiML (`<Say>Hi</Say>` gives `<Say` and `Hi`), or the `"field":"value"` pairs of quoted JSON. `...` stands
 * for anything. A comment in words claims nothing checkable.
 */
export function claimedOutput(comment: string): string[] {
  const claim = comment.split(/:\s+(?=[a-z])/)[0].trim();
  if (claim.startsWith('<'))
    return [...claim.matchAll(/<(\w+)|>([^<]+)</g)].flatMap(([, tag, text]) =>
      tag
        ? [`<${tag}`]
        : text
            .split('...')
            .map((piece) => piece.trim())
            .filter(Boolean),
    );
  if (claim.startsWith('"'))
    return claim
      .split(/,\s*/)
      .flatMap((pair) => pair.split('...'))
      .map((piece) => piece.trim())
      .filter((piece) => /\w/.test(piece));
  return [];
}

/** The command an `npm run X -- args` line runs once built: package.json's script without its build step, then args. */
export function withoutBuild(command: string, scripts: Record<string, string>, repoRoot: string): string {
  return command.replace(/\bnpm run ([\w:-]+)(?: --)?/g, (whole, name: string) => {
    const script = scripts[name];
    if (!script) return whole;
    return script.replace(/^node scripts\/build\.mjs && /, '').replace(/\bbuild\//g, `${repoRoot}/build/`);
  });
}

// Every shell example of README.md and docs/ that can run offline, run as a newcomer runs it: `npm start` (with the
// settings its line gives) in one terminal, each command in another, from the app folder, in the order written. A
// command works when it exits 0 and prints what its comment claims. The Azure ones are counted, not run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startAzurite, type RunningAzurite } from '../../devhost/services';
import { docExamples, claimedOutput, withoutBuild, type DocExample } from '../../harness/docExamples';
import { allDocs } from '../../harness/docPages';
import { freshAppRoot, repoRoot } from '../../harness/localHost';
import { waitFor } from '../../harness/waitFor';

const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const examples = allDocs().flatMap(({ path, text }) => docExamples(path, text));
/** Commands that watch until Ctrl+C: stopped once they printed what they claim, or after this long. */
const WATCH_MS = 15_000;
const WATCHERS = /^npm run events(?!.*--once)/;

interface Session {
  key: string;
  azurite: RunningAzurite;
  appRoot: string;
  port: number;
  host: ChildProcess;
  output: () => string;
}
let session: Session | undefined;
const tried: Array<{ at: string; works: boolean }> = [];

async function stopSession(): Promise<void> {
  if (!session) return;
  const { host, azurite, appRoot } = session;
  session = undefined;
  if (host.exitCode === null) {
    const exited = new Promise((resolve) => host.once('exit', resolve));
    host.kill('SIGINT');
    await exited;
  }
  await azurite.stop();
  rmSync(appRoot, { recursive: true, force: true });
}

/**
 * A fresh clone's app folder with its own Azurite and port, and `npm start` running in it with `env`. The offline mock
 * listens where a newcomer's does (4010), where doctor and event-streams look for it without --mock-port.
 */
async function startSession(key: string, env: Record<string, string>): Promise<Session> {
  await stopSession();
  const azurite = await startAzurite();
  const appRoot = freshAppRoot('taf-examples-');
  const port = await freePort();
  // What `npm start` writes from the sample on a fresh clone, with this test's storage and port.
  const sample = JSON.parse(readFileSync(join(repoRoot, 'local.settings.sample.json'), 'utf8')) as {
    Values: Record<string, string>;
    Host?: Record<string, unknown>;
  };
  sample.Values.AzureWebJobsStorage = azurite.connectionString;
  sample.Host = { ...sample.Host, LocalHttpPort: port };
  writeFileSync(join(appRoot, 'local.settings.json'), JSON.stringify(sample, null, 2));
  // The examples that call node with require('twilio/...') run from the clone, where node_modules is.
  symlinkSync(join(repoRoot, 'node_modules'), join(appRoot, 'node_modules'));
  let output = '';
  const host = spawn(process.execPath, [join(repoRoot, 'build', 'devhost.js'), 'start'], {
    cwd: appRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DEVHOST_APP_ROOT: appRoot, DEVHOST_IGNORE_FUNC: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  host.stdout.on('data', (c: Buffer) => (output += c.toString()));
  host.stderr.on('data', (c: Buffer) => (output += c.toString()));
  session = { key, azurite, appRoot, port, host, output: () => output };
  await waitFor(() => output.includes('Host started'), { timeoutMs: 90_000, context: () => output });
  return session;
}

/** Runs one example in a second terminal: bash, from the app folder, with nothing of the first terminal's settings. */
function runExample(example: DocExample, at: Session): Promise<{ code: number | null; output: string }> {
  const command = withoutBuild([...example.setup, example.command].join('\n'), scripts, repoRoot).replaceAll(
    'localhost:7071',
    `localhost:${at.port}`,
  );
  const claims = claimedOutput(example.comment);
  return new Promise((resolve) => {
    let output = '';
    const child = spawn('bash', ['-c', command], { cwd: at.appRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    let stopped = false;
    const stop = () => {
      stopped = true;
      child.kill('SIGINT');
    };
    const watch = WATCHERS.test(example.command) ? setTimeout(stop, WATCH_MS) : undefined;
    if (watch)
      child.stdout.on('data', () => {
        if (claims.length && claims.every((claim) => output.includes(claim))) stop();
      });
    child.on('exit', (code, signal) => {
      clearTimeout(watch);
      resolve({ code: stopped && (signal === 'SIGINT' || code === 130 || code === 0) ? 0 : code, output });
    });
  });
}

const isGetCurl = (command: string) => /^curl\s/.test(command) && !/\s(-X|-d|--data)/.test(command);

afterAll(async () => {
  await stopSession();
  mkdirSync(join(repoRoot, 'test-output'), { recursive: true });
  const counts = {
    offline: examples.filter((e) => e.kind === 'offline').length,
    working: tried.filter((t) => t.works).length,
    azure: examples.filter((e) => e.kind === 'azure').length,
    elsewhere: examples.filter((e) => e.kind === 'elsewhere').length,
    failing: tried.filter((t) => !t.works).map((t) => t.at),
  };
  writeFileSync(join(repoRoot, 'test-output', 'doc-examples.json'), JSON.stringify(counts, null, 2));
}, 60_000);

test('the pages have offline examples to run, and every start line names settings the app knows', () => {
  expect(examples.filter((e) => e.kind === 'offline').length).toBeGreaterThanOrEqual(40);
  for (const example of examples.filter((e) => e.kind === 'start'))
    for (const name of Object.keys(example.env!))
      expect(readFileSync(join(repoRoot, 'docs', 'settings.md'), 'utf8')).toContain(`\`${name}\``);
});

describe.each(['README.md', ...new Set(examples.map((e) => e.page).filter((page) => page !== 'README.md'))])('%s', (page) => {
  const onPage = examples.filter((e) => e.page === page && (e.kind === 'offline' || e.kind === 'start'));
  if (!onPage.some((e) => e.kind === 'offline')) return;
  let startEnv: Record<string, string> = {};
  let startLine = 0;
  for (const example of onPage) {
    if (example.kind === 'start') {
      startEnv = example.env!;
      startLine = example.line;
      continue;
    }
    const env = startEnv;
    const key = `${page}:${startLine}`;
    test(`line ${example.line}: ${example.command}`, async () => {
      const at = session?.key === key ? session : await startSession(key, env);
      const claims = claimedOutput(example.comment);
      let result = await runExample(example, at);
      // "A few seconds later": a read of the ledger is tried again until it shows what the comment says.
      if (isGetCurl(example.command) && claims.length)
        await waitFor(
          async () => {
            if (claims.every((claim) => result.output.includes(claim))) return true;
            result = await runExample(example, at);
            return false;
          },
          { timeoutMs: 30_000, context: () => result.output },
        ).catch(() => undefined);
      const works = result.code === 0 && claims.every((claim) => result.output.includes(claim));
      tried.push({ at: `${page}:${example.line}`, works });
      const missing = claims.filter((claim) => !result.output.includes(claim));
      if (!works)
        throw new Error(`exit code ${result.code}${missing.length ? `, did not print ${missing.join(' | ')}` : ''}:\n${result.output}`);
    }, 150_000);
  }
});

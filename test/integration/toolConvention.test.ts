// One command-line convention for every `npm run` tool and the local host, run as `npm run` runs them (the built
// files): --help prints the usage to stdout and exits 0; a wrong argument prints one line naming it, then the usage,
// to stderr and exits 2; an expected failure is its message, never a stack trace or a line of the bundle. And every
// tool works on a fresh clone, before the first `npm start` has created local.settings.json.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../harness/localHost';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tool(file: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'build', file), ...args],
      // DEVHOST_APP_ROOT: the local host's app folder is otherwise the checkout, whose local.settings.json it would create.
      { cwd: options.cwd ?? scratch, env: { PATH: process.env.PATH ?? '', DEVHOST_APP_ROOT: scratch, ...options.env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The tools `npm run` runs, by their built file, and the word that starts their usage's first command line. */
const TOOLS: Array<[string, string]> = [
  ['send.js', 'npm run send'],
  ['simulate.js', 'npm run simulate'],
  ['doctor.js', 'npm run doctor'],
  ['replay.js', 'npm run replay'],
  ['point-numbers.js', 'npm run point-numbers'],
  ['event-streams.js', 'npm run event-streams'],
  ['events.js', 'npm run events'],
  ['forget-number.js', 'npm run forget-number'],
  ['schema.js', 'npm run schema'],
  ['bench.js', 'npm run bench'],
  ['soak.js', 'npm run soak'],
  ['devhost.js', 'npm start'],
];

let scratch: string;
/** A fresh clone's app folder: the sample settings, no local.settings.json. */
let fresh: string;
/** A port nothing listens on. */
let closedPort: number;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'tool-convention-'));
  fresh = mkdtempSync(join(tmpdir(), 'fresh-clone-'));
  for (const file of ['package.json', 'host.json', 'local.settings.sample.json']) cpSync(join(repoRoot, file), join(fresh, file));
  symlinkSync(join(repoRoot, 'dist'), join(fresh, 'dist'));
  symlinkSync(join(repoRoot, 'node_modules'), join(fresh, 'node_modules'));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(fresh, { recursive: true, force: true });
});

describe.each(TOOLS)('%s', (file, command) => {
  test('--help: the usage on stdout, exit 0, nothing else done', async () => {
    const run = await tool(file, ['--help']);
    expect(run).toEqual({ code: 0, stdout: expect.stringMatching(/^Usage:\n/) as string, stderr: '' });
    expect(run.stdout).toContain(command);
  });

  test('a wrong argument: one line naming it, then the usage, on stderr; exit 2', async () => {
    const run = await tool(file, ['--no-such-option']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const [problem, blank, usage] = run.stderr.split('\n');
    expect(problem).toMatch(/'--no-such-option'/);
    expect([blank, usage]).toEqual(['', 'Usage:']);
  });
});

test('a usage error of a command names the command, without a stack trace', async () => {
  const runs = await Promise.all([
    tool('simulate.js', ['knock']),
    tool('devhost.js', ['serve', '--port', 'eighty']),
    tool('soak.js', ['--duration', '0']),
    tool('replay.js', ['--older-than', 'yesterday']),
    tool('bench.js', ['--only=everything']),
    tool('forget-number.js', ['555-123-4567']),
  ]);
  expect(runs.map((r) => [r.code, r.stderr.split('\n')[0]])).toEqual([
    [2, 'Unknown kind "knock": use one of call, sms, digits, speech, dial-result, recording, status, alert.'],
    [2, '--port takes a port number (0-65535), got "eighty"'],
    [2, '--duration must be a whole number from 1 to 86400'],
    [2, '--older-than: "yesterday" is not a duration such as 90s, 15m, 2h or 7d'],
    [2, '--only takes parts among coldStart, compileCache, featuresAtStart, webhooks, assistant, usage, outbound, compare; got everything'],
    [2, 'Not a number: the number must be in E.164 form, with its country code: + then digits, e.g. +15551234567.'],
  ]);
  for (const run of runs) expect(run.stderr).not.toMatch(/^\s+at /m);
});

describe('before the first npm start (a fresh clone)', () => {
  test('the local host lists the functions, creating local.settings.json from the sample as npm start does', async () => {
    const run = await tool('devhost.js', ['functions'], { env: { DEVHOST_APP_ROOT: fresh } });
    expect(run.stderr).toBe('Created local.settings.json from local.settings.sample.json (embedded local defaults; edit it freely).\n');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Array<{ name: string }>).map((f) => f.name)).toContain('voice');
    expect(existsSync(join(fresh, 'local.settings.json'))).toBe(true);
  });

  test('a setting the app refuses is one line, not the bundle and a stack trace', async () => {
    const app = mkdtempSync(join(tmpdir(), 'bad-setting-'));
    try {
      for (const file of ['package.json', 'host.json']) cpSync(join(repoRoot, file), join(app, file));
      symlinkSync(join(repoRoot, 'dist'), join(app, 'dist'));
      symlinkSync(join(repoRoot, 'node_modules'), join(app, 'node_modules'));
      writeFileSync(join(app, 'local.settings.json'), JSON.stringify({ Values: { AzureWebJobsStorage: '' } }));
      const run = await tool('devhost.js', ['functions'], { env: { DEVHOST_APP_ROOT: app } });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Setting AzureWebJobsStorage is missing/) as string]);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  test('simulate runs on the sample settings, and says the app is not running', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fresh-simulate-'));
    try {
      cpSync(join(repoRoot, 'local.settings.sample.json'), join(cwd, 'local.settings.sample.json'));
      const run = await tool('simulate.js', ['call', '--url', `http://127.0.0.1:${closedPort}`], { cwd });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^Created local.settings.json from local.settings.sample.json/);
      expect(run.stderr).toMatch(/No answer from http:\/\/127.0.0.1:\d+: .*Is the app running \(npm start\)\?\n$/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  test("the browser phone's CLIENT_DEV_IDENTITY in local.settings.json does not stop the other tools", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dev-identity-'));
    try {
      writeFileSync(
        join(cwd, 'local.settings.json'),
        JSON.stringify({ Values: { AzureWebJobsStorage: 'UseDevelopmentStorage=true', CLIENT_DEV_IDENTITY: 'dev-tester' } }),
      );
      const run = await tool('simulate.js', ['call', '--url', `http://127.0.0.1:${closedPort}`], { cwd });
      expect(run.stderr).not.toMatch(/CLIENT_DEV_IDENTITY/);
      expect(run.stderr).toMatch(/Is the app running \(npm start\)\?/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

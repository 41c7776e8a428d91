// Starts the built app under the local host in a child process, as `npm start` would, and captures its log.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, waitForPort } from '../devhost/services';

/** The checkout: the nearest folder up from here with a host.json (this file also runs bundled into build/). */
export const repoRoot = findRepoRoot(__dirname);

function findRepoRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'host.json'))) return dir;
  throw new Error(`no host.json above ${start}`);
}

/** An app folder like a fresh clone: package.json pointing at the built app, host.json and the sample settings. */
export function freshAppRoot(prefix = 'taf-start-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({
      name: 'fresh-app',
      main: join(repoRoot, (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { main: string }).main),
    }),
  );
  copyFileSync(join(repoRoot, 'host.json'), join(root, 'host.json'));
  copyFileSync(join(repoRoot, 'local.settings.sample.json'), join(root, 'local.settings.sample.json'));
  return root;
}

export interface RunningHost {
  baseUrl: string;
  process: ChildProcess;
  /** Every line the host and the app printed so far. */
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startHost(
  env: Record<string, string>,
  /** nodeArgs: options for node itself, e.g. --cpu-prof (NODE_OPTIONS refuses some). */
  options: { appRoot?: string; nodeArgs?: string[] } = {},
): Promise<RunningHost> {
  const port = await freePort();
  let output = '';
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), join(repoRoot, 'build', 'devhost.js'), 'serve', '--port', String(port)],
    {
      cwd: options.appRoot ?? repoRoot,
      env: { PATH: process.env.PATH, DEVHOST_APP_ROOT: options.appRoot ?? '', DEVHOST_SKIP_LOCAL_SETTINGS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitForPort(port, 60_000, child, 'local host');
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${output}`, { cause: error });
  }
  const host: RunningHost = {
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    async waitForOutput(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${pattern} in host output:\n${output}`);
        if (child.exitCode !== null) throw new Error(`Host exited (${child.exitCode}) while waiting for ${pattern}:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
  await host.waitForOutput(/Host started/);
  return host;
}

/**
 * What the built app registers with the Functions host under `env` (`devhost functions`, in a fresh process):
 * the exit status and everything it printed (the registrations as JSON when it loaded).
 */
export function listFunctions(env: Record<string, string> = {}): { status: number | null; stdout: string; output: string } {
  const result = spawnSync(process.execPath, [join(repoRoot, 'build/devhost.js'), 'functions'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      DEVHOST_APP_ROOT: '',
      DEVHOST_SKIP_LOCAL_SETTINGS: '1',
      ...env,
    },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

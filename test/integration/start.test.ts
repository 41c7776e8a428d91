// `npm start` (devhost/cli.ts start): embedded defaults, the offline Twilio mock, and the choice of host.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { freePort, startAzurite, type RunningAzurite } from '../../devhost/services';
import { repoRoot } from '../../harness/localHost';
import { waitFor } from '../../harness/waitFor';

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

/** An app folder like a fresh clone: package.json pointing at the built app, host.json and the sample settings. */
function freshAppRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'taf-start-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'start-test', main: join(repoRoot, 'dist', 'main.js') }));
  copyFileSync(join(repoRoot, 'host.json'), join(root, 'host.json'));
  copyFileSync(join(repoRoot, 'local.settings.sample.json'), join(root, 'local.settings.sample.json'));
  return root;
}

function runStart(appRoot: string, env: Record<string, string>, args: string[]): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [join(repoRoot, 'build', 'devhost.js'), 'start', ...args], {
    env: { PATH: process.env.PATH, DEVHOST_APP_ROOT: appRoot, AzureWebJobsStorage: azurite.connectionString, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

test('without func or Twilio credentials it creates local settings, starts the Prism mock with a banner, and runs the local host end to end', async () => {
  const appRoot = freshAppRoot();
  const [port, mockPort] = [await freePort(), await freePort()];
  const run = runStart(appRoot, { DEVHOST_IGNORE_FUNC: '1', OUTBOUND_QUEUE: 'start-outbound', TWILIO_VALIDATE_SIGNATURES: 'false' }, [
    '--port',
    String(port),
    '--mock-port',
    String(mockPort),
  ]);
  try {
    await waitFor(() => run.output().includes('Host started'), { timeoutMs: 30_000, context: run.output });
    expect(existsSync(join(appRoot, 'local.settings.json'))).toBe(true);
    expect(run.output()).toContain('OFFLINE TWILIO MOCK');
    expect(run.output()).toContain(`http://127.0.0.1:${mockPort}`);
    expect(run.output()).toContain("using the project's local host");
    expect(run.output()).toContain(`message: [GET,POST] http://localhost:${port}/api/message`);

    const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('start-outbound');
    await queue.createIfNotExists();
    await queue.sendMessage(JSON.stringify({ type: 'sms', to: '+15551234567', body: 'from npm start' }));
    await waitFor(() => /Executed 'outbound' \(Succeeded/.test(run.output()), { timeoutMs: 30_000, context: run.output });
  } finally {
    await stop(run.child);
  }
});

test('with TWILIO_API_BASE_URL set it starts no mock', async () => {
  const appRoot = freshAppRoot();
  const run = runStart(
    appRoot,
    { DEVHOST_IGNORE_FUNC: '1', TWILIO_API_BASE_URL: 'http://127.0.0.1:9', TWILIO_VALIDATE_SIGNATURES: 'false' },
    ['--port', String(await freePort())],
  );
  try {
    await waitFor(() => run.output().includes('Host started'), { timeoutMs: 30_000, context: run.output });
    expect(run.output()).not.toContain('OFFLINE TWILIO MOCK');
    expect(run.output()).toContain('TWILIO_API_BASE_URL=http://127.0.0.1:9');
  } finally {
    await stop(run.child);
  }
});

test('when func is on the PATH it hands over to `func start` with the settings in the environment', async () => {
  const appRoot = freshAppRoot();
  const bin = mkdtempSync(join(tmpdir(), 'taf-func-'));
  const record = join(bin, 'func-invocation.json');
  // func cannot be installed here (its npm package downloads a binary); this stand-in records how it was called.
  writeFileSync(
    join(bin, 'func'),
    `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd(), env: { OUTBOUND_QUEUE: process.env.OUTBOUND_QUEUE, TWILIO_API_BASE_URL: process.env.TWILIO_API_BASE_URL } }));\n`,
  );
  chmodSync(join(bin, 'func'), 0o755);
  const run = runStart(appRoot, { PATH: `${bin}:${process.env.PATH}`, TWILIO_API_BASE_URL: 'http://127.0.0.1:9' }, ['--port', '7099']);
  await waitFor(() => run.child.exitCode !== null, { timeoutMs: 30_000, context: run.output });
  const invocation = JSON.parse(readFileSync(record, 'utf8'));
  expect(invocation.args).toEqual(['start', '--port', '7099']);
  expect(invocation.cwd).toBe(appRoot);
  expect(invocation.env).toEqual({ OUTBOUND_QUEUE: 'twilio-outbound', TWILIO_API_BASE_URL: 'http://127.0.0.1:9' });
  expect(run.output()).toContain('Starting Azure Functions Core Tools (func start)');
});

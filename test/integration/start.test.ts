// `npm start` (devhost/cli.ts start): embedded defaults, the offline Twilio mock, and the choice of host.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { AZURITE_KEY, azuriteConnectionString, freePort, startAzurite, type RunningAzurite } from '../../devhost/services';
import { freshAppRoot, repoRoot } from '../../harness/localHost';
import { waitFor } from '../../harness/waitFor';

/** Ctrl+C waits at most 5 s for work in flight (devhost/cli.ts); the margin is for a loaded machine. */
const SHUTDOWN_BOUND_MS = 8000;

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

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

/** Polls until `probe` holds; on timeout the error carries `context()` (the start output). */
const until = (probe: () => boolean | Promise<boolean>, context: () => string, timeoutMs = 30_000) =>
  waitFor(probe, { timeoutMs, context });

/** `npm run send` as a user runs it from the app folder (build/send.js is what `npm run send` runs after building). */
async function send(appRoot: string, env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(repoRoot, 'build', 'send.js'), ...args], {
      cwd: appRoot,
      env: { PATH: process.env.PATH, AzureWebJobsStorage: azurite.connectionString, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const postJson = (url: string, body: unknown) =>
  getJson(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

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
    expect(run.output()).toContain("Default sender: the mock's test number +15005550006 (TWILIO_FROM_NUMBER is not set).");
    expect(run.output()).toContain(`http://127.0.0.1:${mockPort}`);
    expect(run.output()).toContain("using the project's local host");
    expect(run.output()).toContain(`message: [GET,POST] http://localhost:${port}/api/message`);

    const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('start-outbound');
    await queue.createIfNotExists();
    await queue.sendMessage(JSON.stringify({ type: 'sms', to: '+15551234567', body: 'from npm start' }));
    await until(() => /Executed 'outbound' \(Succeeded/.test(run.output()), run.output);

    // No WEBHOOK_BASE_URL set: with the offline mock it is the local host's URL (the banner says so), so a call whose
    // url is a path of this app is placed, from POST /api/outbound and from npm run send alike.
    expect(run.output()).toContain(`WEBHOOK_BASE_URL: http://localhost:${port} (not set: the local host`);
    const relative = { type: 'call', to: '+15551234567', url: '/api/message?Message=Hi' };
    const post = await postJson(`http://localhost:${port}/api/outbound`, relative);
    expect(post).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const cli = await send(appRoot, { OUTBOUND_QUEUE: 'start-outbound' }, 'call', '+15551234567', '--url', '/api/message?Message=Hi');
    expect(cli).toMatchObject({ code: 0, stdout: expect.stringContaining('Enqueued call') });
    // docs/outbound.md's answering-machine example, as written: it needs WEBHOOK_BASE_URL (the AMD callback), which
    // the offline mock's default gives it.
    const example = /^npm run send -- call .*--machine-say.*$/m.exec(readFileSync(join(repoRoot, 'docs', 'outbound.md'), 'utf8'))![0];
    const args = [...example.slice('npm run send -- '.length).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
    expect(await send(appRoot, { OUTBOUND_QUEUE: 'start-outbound' }, ...args)).toMatchObject({ code: 0 });
  } finally {
    await stop(run.child);
  }
});

describe('offline, the mock moves each message on as Twilio would, and npm run events shows it', () => {
  let appRoot: string;
  let port: number;
  let run: ReturnType<typeof runStart>;
  // Signature checks on (the default): the mock signs its callbacks as Twilio does.
  const env = { OUTBOUND_QUEUE: 'life-outbound', OUTBOUND_LEDGER: 'lifeledger', EVENTS_QUEUE: 'life-events' };
  const row = (key: string) => getJson(`http://localhost:${port}/api/outbound/${key}`);
  const events = async (...args: string[]) =>
    promisify(execFile)(process.execPath, [join(repoRoot, 'build', 'events.js'), ...args], {
      cwd: appRoot,
      env: { PATH: process.env.PATH, AzureWebJobsStorage: azurite.connectionString, ...env },
    });

  beforeAll(async () => {
    appRoot = freshAppRoot();
    port = await freePort();
    run = runStart(appRoot, { DEVHOST_IGNORE_FUNC: '1', ...env }, ['--port', String(port), '--mock-port', String(await freePort())]);
    await until(() => run.output().includes('Host started'), run.output, 60_000);
  }, 90_000);
  afterAll(async () => {
    await stop(run.child);
  });

  test('an SMS sent with npm run send goes sent, then delivered, with an event for each, without simulate', async () => {
    expect((await send(appRoot, env, 'sms', '+15551234567', 'hello', '--key', 'life-sms-1')).code).toBe(0);
    await until(async () => (await row('life-sms-1')).body.status === 'delivered', run.output);
    expect((await row('life-sms-1')).body).toMatchObject({ sid: expect.stringMatching(/^SM/) });
    expect((await row('life-sms-1')).body.duplicateSids).toBeUndefined();
    expect(run.output()).not.toMatch(/status callback .* -> \d/);

    const lines = (await events('--once')).stdout.trim().split('\n');
    const statuses = lines.filter((l) => l.includes('twilio.outbound.status')).map((l) => l.split(/\s+/)[2]);
    expect(statuses).toEqual(expect.arrayContaining(['sent', 'delivered']));
    expect(lines.every((l) => /^\S+ {2}twilio\.\S+.* {2}subject=\S+ {2}id=\S+$/.test(l))).toBe(true);
    // It only peeked: the events are still there, and --json gives the CloudEvents themselves.
    const raw = (await events('--once', '--json')).stdout.trim().split('\n');
    expect(raw).toHaveLength(lines.length);
    expect(raw.map((l) => (JSON.parse(l) as { specversion: string }).specversion)).toEqual(raw.map(() => '1.0'));
    // --consume takes them off the queue.
    expect((await events('--once', '--consume')).stdout.trim().split('\n')).toHaveLength(lines.length);
    expect((await events('--once')).stdout).toBe('');
  });

  test("docs/local-development.md's local POST /api/outbound example runs as written, and its message is delivered", async () => {
    const page = readFileSync(join(repoRoot, 'docs', 'local-development.md'), 'utf8');
    const block = /Send a message as any Azure service would[\s\S]*?```sh\n([\s\S]*?)```/.exec(page)![1];
    const curls = block
      .split('\n')
      .filter((line) => line.startsWith('curl '))
      .map((line) => line.replace(/\s+#.*$/, '').replaceAll('localhost:7071', `localhost:${port}`));
    expect(curls).toHaveLength(2);
    const sh = (command: string) => promisify(execFile)('sh', ['-c', `${command} --silent --show-error`]);
    expect(JSON.parse((await sh(curls[0])).stdout)).toMatchObject({ key: 'hello-1', status: 'accepted' });
    await until(async () => (JSON.parse((await sh(curls[1])).stdout) as { status: string }).status === 'delivered', run.output);
  });

  test("a call is completed by the mock's status callback", async () => {
    expect((await send(appRoot, env, 'call', '+15551234567', '--say', 'hi', '--key', 'life-call-1')).code).toBe(0);
    await until(async () => (await row('life-call-1')).body.status === 'delivered', run.output);
  });

  test("Twilio's test number that cannot be routed fails the message with Twilio's error code", async () => {
    expect((await send(appRoot, env, 'sms', '+15005550002', 'nowhere', '--key', 'life-sms-fail')).code).toBe(0);
    await until(async () => ['failed', 'rejected'].includes((await row('life-sms-fail')).body.status as string), run.output);
    expect((await row('life-sms-fail')).body).toMatchObject({ errorCode: 21612 });
    expect(run.output()).toContain('Twilio cannot route to this number. (a Twilio test number)');
  });
});

describe('the local setup of docs/local-development.md: npm start with WEBHOOK_BASE_URL and the offline mock', () => {
  let appRoot: string;
  let port: number;
  let run: ReturnType<typeof runStart>;
  const WEBHOOK_BASE_URL = 'https://calls.example.test';
  const env = { OUTBOUND_QUEUE: 'start-webhook-outbound', OUTBOUND_LEDGER: 'startledger', WEBHOOK_BASE_URL };
  const row = (key: string) => getJson(`http://localhost:${port}/api/outbound/${key}`);

  beforeAll(async () => {
    appRoot = freshAppRoot();
    port = await freePort();
    const mockPort = await freePort();
    run = runStart(appRoot, { DEVHOST_IGNORE_FUNC: '1', TWILIO_VALIDATE_SIGNATURES: 'false', TWILIO_FROM_NUMBER: '+15551230000', ...env }, [
      '--port',
      String(port),
      '--mock-port',
      String(mockPort),
    ]);
    await until(() => run.output().includes('Host started'), run.output, 60_000);
  }, 90_000);
  afterAll(async () => {
    await stop(run.child);
  });

  test('a call sent with npm run send ends sent: the mock takes the status callback events Twilio takes', async () => {
    const cli = await send(appRoot, env, 'call', '+15551234567', '--say', 'hi', '--key', 'start-call-1');
    expect(cli).toMatchObject({ code: 0, stdout: expect.stringContaining('idempotency key start-call-1') });
    await until(
      async () => (await row('start-call-1')).body.status === 'sent',
      () => `${JSON.stringify(run.output())}`,
    );
    // The user's sender is kept, and the banner says so.
    const sent = (await row('start-call-1')).body;
    expect(sent).toMatchObject({ type: 'call', from: '+15551230000', sid: expect.stringMatching(/^CA/) });
    expect(sent.errorMessage).toBeUndefined();
    expect(run.output()).toContain('Default sender: your TWILIO_FROM_NUMBER (kept).');
    expect(run.output()).not.toMatch(/refused the request/);
  });

  test("the banner names the file with Prism's own output, and Prism writes to it", () => {
    const logFile = join(appRoot, 'twilio-mock.log');
    expect(run.output()).toContain(`Prism's own output: ${logFile}`);
    expect(readFileSync(logFile, 'utf8')).toMatch(/\[HTTP SERVER\] post \/2010-04-01\/Accounts\/AC0+\/Calls\.json/);
  });

  test('a message scheduled with npm run send has its accepted ledger row at once', async () => {
    const sendAt = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    const cli = await send(appRoot, env, 'sms', '+15551234567', 'Later', '--send-at', sendAt, '--key', 'start-later-1');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('Ledger: accepted');
    expect(await row('start-later-1')).toMatchObject({ status: 200, body: { status: 'accepted', sendAt } });
  });

  test('a key reused for different content is refused, saying so, by the CLI and by POST', async () => {
    const sendAt = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    expect((await send(appRoot, env, 'sms', '+15551234567', 'First', '--send-at', sendAt, '--key', 'start-reuse-1')).code).toBe(0);
    const again = await send(appRoot, env, 'sms', '+15551234567', 'Second', '--send-at', sendAt, '--key', 'start-reuse-1');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already used for a different message \(accepted\)/);
    const post = await postJson(`http://localhost:${port}/api/outbound`, {
      type: 'sms',
      to: '+15551234567',
      body: 'Third',
      sendAt,
      idempotencyKey: 'start-reuse-1',
    });
    expect(post).toMatchObject({
      status: 409,
      body: { key: 'start-reuse-1', status: 'accepted', error: expect.stringMatching(/different message/) },
    });
    // The same content again is a retry, not a conflict.
    const retry = await postJson(`http://localhost:${port}/api/outbound`, {
      type: 'sms',
      to: '+15551234567',
      body: 'First',
      sendAt,
      idempotencyKey: 'start-reuse-1',
    });
    expect(retry).toMatchObject({ status: 202, body: { status: 'accepted' } });
  });

  test('a second npm start says the app is already running, and on which port, before starting anything', async () => {
    const second = runStart(freshAppRoot(), { DEVHOST_IGNORE_FUNC: '1', TWILIO_VALIDATE_SIGNATURES: 'false' }, ['--port', String(port)]);
    await until(() => second.child.exitCode !== null, second.output);
    expect(second.child.exitCode).toBe(1);
    expect(second.output()).toMatch(new RegExp(`Port ${port} is already in use.*already running.*http://localhost:${port}`, 's'));
    expect(second.output()).not.toContain('OFFLINE TWILIO MOCK');
    expect(second.output()).not.toContain('EADDRINUSE');
  });
});

describe('when storage is down', () => {
  test('POST and GET /api/outbound answer 503 with a reason and Retry-After, npm run send says what is down, and Ctrl+C stops promptly', async () => {
    // Storage that refuses connections: ports nothing listens on.
    const closed = await Promise.all([1, 2, 3].map(() => freePort()));
    const deadStorage = azuriteConnectionString(closed[0], closed[1], closed[2]);
    const port = await freePort();
    const run = runStart(
      freshAppRoot(),
      {
        DEVHOST_IGNORE_FUNC: '1',
        TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
        TWILIO_VALIDATE_SIGNATURES: 'false',
        AzureWebJobsStorage: deadStorage,
      },
      ['--port', String(port)],
    );
    try {
      await until(() => run.output().includes('Host started'), run.output);
      const post = await postJson(`http://localhost:${port}/api/outbound`, {
        type: 'sms',
        to: '+15551234567',
        from: '+15551230000',
        body: 'x',
      });
      expect(post.status).toBe(503);
      expect(post.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(post.body).toMatchObject({
        error: expect.stringMatching(/Storage is unavailable/),
        reason: expect.stringMatching(/ECONNREFUSED/),
      });
      const get = await getJson(`http://localhost:${port}/api/outbound/some-key`);
      expect(get).toMatchObject({ status: 503, body: { reason: expect.stringMatching(/ECONNREFUSED/) } });
      // Every storage-backed API answers the outage the same way, never the host's empty 500.
      const base = `http://localhost:${port}/api`;
      const others = {
        cancel: await getJson(`${base}/outbound/some-key`, { method: 'DELETE' }),
        optOut: await getJson(`${base}/optouts/%2B15551234567`),
        optOutPut: await getJson(`${base}/optouts/%2B15551234567`, { method: 'PUT' }),
        optOutDelete: await getJson(`${base}/optouts/%2B15551234567`, { method: 'DELETE' }),
        optOutList: await getJson(`${base}/optouts`),
        batch: await postJson(`${base}/outbound/batch`, {
          messages: [{ type: 'sms', to: '+15551234567', from: '+15551230000', body: 'x' }],
        }),
      };
      for (const [name, answer] of Object.entries(others)) {
        expect([name, answer.status, answer.headers.get('retry-after'), answer.body.reason]).toEqual([
          name,
          503,
          expect.stringMatching(/^\d+$/),
          expect.stringMatching(/ECONNREFUSED/),
        ]);
      }
      // A batch answered 503 may be half accepted: its key is in the answer, so sending it again under it sends none twice.
      expect(others.batch.body.batchKey).toEqual(expect.any(String));

      const cli = await send(freshAppRoot(), { AzureWebJobsStorage: deadStorage }, 'sms', '+15551234567', 'x', '--from', '+15551230000');
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/Storage is not reachable at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
      expect(cli.stderr).toMatch(/Start it with `npm start`/);
      // The connection string's account key is in neither answer (the reasons carry error codes, never SDK messages).
      expect(`${JSON.stringify(post.body)}${JSON.stringify(get.body)}${JSON.stringify(others)}${cli.stdout}${cli.stderr}`).not.toContain(
        AZURITE_KEY,
      );
    } finally {
      const exited = new Promise<void>((resolve) => run.child.once('exit', () => resolve()));
      const interrupted = Date.now();
      run.child.kill('SIGINT');
      await exited;
      // Before, the queue listener's receive retried against the dead storage for ~16 s first.
      expect(Date.now() - interrupted).toBeLessThan(SHUTDOWN_BOUND_MS);
      expect(run.output()).toContain('Stopping');
    }
  });
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

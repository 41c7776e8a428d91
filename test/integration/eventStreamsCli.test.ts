// npm run event-streams (the built tool, as `npm run` runs it) with the real twilio SDK against Prism on Twilio's
// Events v1 spec, through the offline mock's layer, which keeps the sinks and subscriptions created: the plan is
// shown, nothing is applied without --yes, --yes applies it through requests Prism validates, and a second run
// changes nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOCK_TWILIO_CREDENTIALS, startPrism, type RunningService } from '../../devhost/services';
import { between, docPage } from '../../harness/docPages';
import { repoRoot } from '../../harness/localHost';
import { startTwilioProxy, type TwilioProxy } from '../../harness/twilioProxy';

let prism: RunningService;
let twilio: TwilioProxy;
let scratch: string;

beforeAll(async () => {
  prism = await startPrism();
  twilio = await startTwilioProxy(prism.url);
  scratch = mkdtempSync(join(tmpdir(), 'event-streams-cli-'));
}, 90_000);

afterAll(async () => {
  await twilio?.stop();
  await prism?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function eventStreams(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'build', 'event-streams.js'), ...args],
      {
        cwd: scratch,
        env: {
          PATH: process.env.PATH ?? '',
          AzureWebJobsStorage: 'UseDevelopmentStorage=true',
          TWILIO_ACCOUNT_SID: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID,
          TWILIO_AUTH_TOKEN: MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN,
          TWILIO_API_BASE_URL: twilio.url,
          WEBHOOK_BASE_URL: 'https://calls.example.test',
          ...env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const DELIVERED = 'com.twilio.messaging.message.delivered';
const FAILED = 'com.twilio.messaging.message.failed';
const SENT = 'com.twilio.messaging.message.sent';
const changesMade = () => twilio.requests.filter((r) => r.method !== 'GET');

test('shows the sink and subscription it would create, and creates nothing without --yes', async () => {
  const run = await eventStreams(['--type', DELIVERED, '--type', FAILED]);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toContain('create webhook sink -> https://calls.example.test/api/event-streams (POST)');
  expect(run.stdout).toContain(`create subscription: ${DELIVERED}, ${FAILED}`);
  expect(run.stdout).toContain('Nothing was changed: run with --yes to apply.');
  expect(twilio.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(['GET /v1/Sinks', 'GET /v1/Subscriptions']);
  expect(changesMade()).toEqual([]);
});

test('--yes creates them through requests Prism accepts; run again, it changes nothing', async () => {
  const run = await eventStreams(['--yes', '--type', `${DELIVERED},${FAILED}`]);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toMatch(/created sink DG[0-9a-f]{32}/);
  expect(run.stdout).toMatch(/created subscription DF[0-9a-f]{32}/);
  const [sink, subscription] = changesMade();
  expect(sink).toMatchObject({ method: 'POST', path: '/v1/Sinks', status: 201 });
  expect(Object.fromEntries(sink.form)).toMatchObject({ SinkType: 'webhook' });
  expect(JSON.parse(sink.form.get('SinkConfiguration')!)).toEqual({
    destination: 'https://calls.example.test/api/event-streams',
    method: 'POST',
    batch_events: true,
  });
  const sinkSid = (JSON.parse(sink.responseBody) as { sid: string }).sid;
  expect(subscription).toMatchObject({ method: 'POST', path: '/v1/Subscriptions', status: 201 });
  expect(subscription.form.get('SinkSid')).toBe(sinkSid);
  expect(subscription.form.getAll('Types').map((t) => JSON.parse(t) as unknown)).toEqual([{ type: DELIVERED }, { type: FAILED }]);

  const before = changesMade().length;
  const again = await eventStreams(['--yes', '--type', DELIVERED, '--type', FAILED]);
  expect(again).toMatchObject({ code: 0, stderr: '' });
  expect(again.stdout).toContain(`(${sinkSid})`);
  expect(again.stdout).toContain(`already set up, subscribed to exactly ${DELIVERED}, ${FAILED}: nothing to change.`);
  expect(changesMade()).toHaveLength(before);
});

test('other types: the subscription gains and loses only the difference; no --type leaves it alone', async () => {
  const before = changesMade().length;
  const run = await eventStreams(['--yes', '--type', DELIVERED, '--type', SENT]);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`add ${SENT}`);
  expect(run.stdout).toContain(`remove ${FAILED}`);
  const made = changesMade().slice(before);
  // Accepted by Prism: its spec allows 200 or 201 for the create (Prism answers the first), 204 for the delete.
  expect(made.map((r) => `${r.method} ${r.path.replace(/DF[0-9a-f]{32}/, 'DF…')} ${r.status}`)).toEqual([
    expect.stringMatching(/^POST \/v1\/Subscriptions\/DF…\/SubscribedEvents 20[01]$/),
    `DELETE /v1/Subscriptions/DF…/SubscribedEvents/${FAILED} 204`,
  ]);
  expect(made[0].form.get('Type')).toBe(SENT);
  const sinkOnly = await eventStreams(['--yes']);
  expect(sinkOnly.stdout).toContain('already set up: nothing to change.');
  expect(changesMade()).toHaveLength(before + 2);
});

test('with Basic credentials set, the sink URL carries them, and the password is never printed', async () => {
  const env = { TWILIO_EVENT_STREAMS_CREDENTIALS: 'twilio:s3cret-Pa55', WEBHOOK_BASE_URL: 'https://other.example.test' };
  const run = await eventStreams(['--yes', '--type', DELIVERED], env);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('Event Streams sink https://twilio:***@other.example.test/api/event-streams:');
  expect(`${run.stdout}${run.stderr}`).not.toContain('s3cret');
  const sink = changesMade()
    .filter((r) => r.path === '/v1/Sinks')
    .at(-1)!;
  expect(JSON.parse(sink.form.get('SinkConfiguration')!)).toMatchObject({
    destination: 'https://twilio:s3cret-Pa55@other.example.test/api/event-streams',
  });

  // The first sink was made without credentials: Twilio cannot add them, and the tool says so.
  const old = await eventStreams([], { TWILIO_EVENT_STREAMS_CREDENTIALS: 'twilio:s3cret-Pa55' });
  expect(old.stdout).toMatch(/warning: sink DG[0-9a-f]{32} sends no Basic credentials, and the app expects "twilio": its requests get 401/);
  expect(old.stdout).not.toContain('s3cret');
});

test('--list-types asks Twilio for the event types', async () => {
  const run = await eventStreams(['--list-types']);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(twilio.requests.at(-1)).toMatchObject({ method: 'GET', status: 200 });
  expect(twilio.requests.at(-1)!.path).toMatch(/^\/v1\/Types\b/);
  // Prism answers with the spec's example, which lists none.
  expect(run.stdout).toContain('Twilio lists no event types for this account.');
});

test("Twilio's refusal is one line and exit 1; a bad argument is a usage error, exit 2", async () => {
  twilio.fault = (request) =>
    request.path.startsWith('/v1/Sinks')
      ? { kind: 'status', status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } }
      : undefined;
  try {
    const refused = await eventStreams(['--type', DELIVERED]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringContaining('Authenticate') as string]);
  } finally {
    twilio.fault = undefined;
  }
  const offline = { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_API_BASE_URL: '' };
  const mockDown = await eventStreams(['--mock-port', '9'], offline);
  expect(mockDown.code).toBe(1);
  expect(mockDown.stderr.trim().split('\n')).toEqual([
    'No Twilio credentials are set, and the offline mock at http://127.0.0.1:9 did not answer. Start the app (npm start), which runs it, or set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.',
  ]);
  const bad = await eventStreams(['--type', 'messaging.delivered']);
  expect(bad.code).toBe(2);
  expect(bad.stderr.split('\n')[0]).toBe(
    '--type takes an event type such as com.twilio.messaging.message.delivered, got "messaging.delivered"',
  );
  expect(bad.stdout).toBe('');
});

test("docs/event-streams.md's examples run as shown, and a second run changes nothing", async () => {
  const section = between(docPage('event-streams'), '**With the command line.**', '**In the console.**');
  const commands = /```sh\n([\s\S]*?)```/.exec(section)![1].trim().split('\n');
  const shown = /```text\n([\s\S]*?)```/.exec(section)![1];
  const env = { WEBHOOK_BASE_URL: 'https://docs-example.test' };
  const runs: Run[] = [];
  for (const command of commands) {
    const [npm, run, name, dashes, ...args] = command.split(/\s+/);
    expect([npm, run, name, dashes]).toEqual(['npm', 'run', 'event-streams', '--']);
    runs.push(await eventStreams(args, env));
  }
  expect(runs.map((r) => [r.code, r.stderr])).toEqual(commands.map(() => [0, '']));
  expect(runs[0].stdout).toBe(shown.replaceAll('<app>', 'docs-example.test'));
  expect(runs[1].stdout).toMatch(/created subscription DF/);
  const again = await eventStreams(commands[1].split(/\s+/).slice(4), env);
  expect(again.stdout).toContain('nothing to change.');
});

// Software not written here talks to the running app (test/ecosystems/dotnet, built with the .NET SDK against the
// NuGet packages it pins): Twilio's C# helper library signs the webhooks, the Azure SDK for .NET enqueues outbound
// messages base64-encoded as the Functions output binding does, and the CNCF CloudEvents SDK for .NET parses every
// event type the app publishes, from the events queue and from docs/events.md.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { MOCK_TWILIO_CREDENTIALS } from '../../devhost/services';
import { docPage } from '../../harness/docPages';
import { repoRoot } from '../../harness/localHost';
import { FROM_NUMBER, outboundHelpers, startOutboundRig, WEBHOOK_BASE_URL, type OutboundRig } from '../../harness/outboundRig';
import { waitFor } from '../../harness/waitFor';
import { EVENT_TYPES } from '../../shared/events/cloudEvent';

jest.setTimeout(900_000);

const project = join(repoRoot, 'test-output', 'ecosystems', 'dotnet');
const EVENTS_QUEUE = 'dotnet-events';
const SHARED_KEY = { id: 'KS00000000000000000000000000000000', secret: 'dotnet-shared-key-secret' };
const CALLER = '+15557770001';
const RECIPIENT = '+15557770002';

let rig: OutboundRig;
const { rowWithStatus, creates, completed } = outboundHelpers(() => rig);

/** Runs the built program; fails loudly, naming dotnet, when the .NET SDK is missing. */
function dotnet(args: string[], cwd = project): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync('dotnet', args, { cwd, encoding: 'utf8', timeout: 600_000 });
  if (result.error) throw new Error(`The .NET SDK (dotnet) is needed to run the .NET clients: ${result.error.message}`);
  return result;
}

function clients(...args: string[]): Array<Record<string, unknown>> {
  const result = dotnet([join(project, 'out', 'OtherClients.dll'), ...args]);
  if (result.status !== 0) throw new Error(`OtherClients ${args[0]} exited with ${result.status}:\n${result.stderr}${result.stdout}`);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  rmSync(project, { recursive: true, force: true });
  mkdirSync(project, { recursive: true });
  for (const file of ['OtherClients.csproj', 'Program.cs']) cpSync(join(__dirname, 'dotnet', file), join(project, file));
  const build = dotnet(['build', '-nologo', '-v', 'q', '-clp:ErrorsOnly', '-o', 'out']);
  if (build.status !== 0) throw new Error(`dotnet build failed:\n${build.stdout}${build.stderr}`);
  rig = await startOutboundRig({
    queueName: 'dotnet-outbound',
    hostEnv: { EVENTS_QUEUE, TWILIO_WEBHOOK_SHARED_KEY: SHARED_KEY.secret },
  });
}, 900_000);

afterAll(async () => {
  await rig?.stop();
});

test("webhooks signed by Twilio's C# RequestValidator are accepted; changed or signed with another secret, 403", () => {
  const results = clients(
    'webhooks',
    rig.host.baseUrl,
    WEBHOOK_BASE_URL,
    MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN,
    MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID,
    SHARED_KEY.id,
    SHARED_KEY.secret,
    CALLER,
    FROM_NUMBER,
  );
  expect(results).toEqual([
    { name: 'voice signed with the auth token', status: 200, twiml: true },
    { name: 'sms signed with the auth token', status: 200, twiml: true },
    { name: 'sms with its body changed after signing', status: 403, twiml: false },
    { name: 'sms signed with another token', status: 403, twiml: false },
    { name: 'sms signed with the Webhooks SharedKey (HMAC-SHA256)', status: 200, twiml: true },
    { name: 'JSON body signed through bodySHA256', status: 200, twiml: true },
    { name: 'JSON body changed after signing', status: 403, twiml: false },
  ]);
});

test('a message the Azure SDK for .NET enqueues base64-encoded, twice, is sent exactly once', async () => {
  const message = JSON.stringify({ type: 'sms', to: RECIPIENT, body: 'Sent from .NET', idempotencyKey: 'dotnet-base64' });
  const ids = clients('enqueue', rig.azurite.connectionString, rig.queueName, message, '2').map((r) => String(r.messageId));
  expect(ids).toHaveLength(2);
  for (const id of ids) await completed(id);
  expect(await rowWithStatus('dotnet-base64', 'sent', 'delivered')).toMatchObject({ to: RECIPIENT, attempts: 1 });
  expect(creates(RECIPIENT)).toHaveLength(1);
  expect(creates(RECIPIENT)[0].form.get('Body')).toBe('Sent from .NET');
});

test('the CloudEvents SDK for .NET parses every event type the app publishes, from its queue and its docs', async () => {
  const queue = QueueServiceClient.fromConnectionString(rig.azurite.connectionString).getQueueClient(EVENTS_QUEUE);
  const published = await waitFor(
    async () => {
      const { peekedMessageItems } = await queue.peekMessages({ numberOfMessages: 32 });
      const events = peekedMessageItems.map((m) => JSON.parse(m.messageText) as { id: string; type: string; source: string });
      const types = new Set(events.map((e) => e.type));
      return [EVENT_TYPES.callReceived, EVENT_TYPES.smsReceived, EVENT_TYPES.outboundStatus].every((t) => types.has(t))
        ? events
        : undefined;
    },
    { context: () => `The events queue lacks an event the test caused.\n${rig.output()}` },
  );
  const examples = [...docPage('events').matchAll(/^```json\n([\s\S]*?)^```/gm)]
    .map((m) => JSON.parse(m[1]) as { id: string; type: string; source: string; specversion?: string })
    .filter((e) => e.specversion !== undefined);
  const file = join(project, 'examples.json');
  writeFileSync(file, JSON.stringify(examples));

  const parsed = clients('events', rig.azurite.connectionString, EVENTS_QUEUE, file);
  expect(parsed.filter((p) => p.valid !== true)).toEqual([]);
  const view = (e: { id: string; type: string; source: string }) => ({ id: e.id, type: e.type, source: e.source, specversion: '1.0' });
  expect(
    parsed.filter((p) => p.origin === 'queue').map((p) => ({ id: p.id, type: p.type, source: p.source, specversion: p.specversion })),
  ).toEqual(published.map(view));
  expect(
    parsed.filter((p) => p.origin === 'example').map((p) => ({ id: p.id, type: p.type, source: p.source, specversion: p.specversion })),
  ).toEqual(examples.map(view));
  expect([...new Set(parsed.map((p) => p.type))].sort()).toEqual(Object.values(EVENT_TYPES).sort());
  for (const p of parsed) expect(p).toMatchObject({ dataContentType: 'application/json', hasData: true, time: expect.any(String) });
});

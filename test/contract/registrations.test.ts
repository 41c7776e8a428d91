// What the Functions host receives when it loads the built app: captured through the local host's
// @azure/functions-core, exactly as `func start` or Azure would see it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allDocs } from '../../harness/docPages';
import { listFunctions, repoRoot } from '../../harness/localHost';
import { ROUTE_PREFIX, ROUTES } from '../../shared/platform/routes';

interface Binding {
  type: string;
  direction: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
  queueName?: string;
  connection?: string;
}

function registrations(env: Record<string, string> = {}): Array<{ name: string; bindings: Record<string, Binding> }> {
  const { status, stdout, output } = listFunctions(env);
  if (status !== 0) throw new Error(`devhost functions exited with ${status}:\n${output}`);
  return JSON.parse(stdout);
}

function trigger(name: string, env?: Record<string, string>): Binding {
  const fn = registrations(env).find((f) => f.name === name);
  if (!fn) throw new Error(`function ${name} is not registered`);
  return Object.values(fn.bindings).find((b) => b.type.endsWith('Trigger'))!;
}

test('message is an anonymous GET/POST HTTP function at /api/message returning HTTP', () => {
  const fn = registrations().find((f) => f.name === 'message')!;
  const bindings = Object.values(fn.bindings);
  expect(bindings.find((b) => b.type === 'httpTrigger')).toMatchObject({
    direction: 'in',
    route: 'message',
    methods: ['GET', 'POST'],
    authLevel: 'anonymous',
  });
  expect(bindings.find((b) => b.type === 'http')).toMatchObject({ direction: 'out' });
});

test('every webhook is an anonymous GET/POST HTTP function at /api/<name>: the signature is its authentication', () => {
  const webhooks = [
    'message',
    'forward',
    'menu',
    'whisper',
    'callme',
    'simulring',
    'findme',
    'voicemail',
    'conference',
    'echo',
    'voice',
    'sms',
  ];
  const registered = registrations();
  for (const name of webhooks) {
    const trigger = Object.values(registered.find((f) => f.name === name)?.bindings ?? {}).find((b) => b.type === 'httpTrigger');
    expect([name, trigger]).toEqual([name, expect.objectContaining({ route: name, methods: ['GET', 'POST'], authLevel: 'anonymous' })]);
  }
});

test('outbound is triggered by the OUTBOUND_QUEUE queue on AzureWebJobsStorage, twilio-outbound by default', () => {
  expect(trigger('outbound')).toMatchObject({
    type: 'queueTrigger',
    direction: 'in',
    queueName: 'twilio-outbound',
    connection: 'AzureWebJobsStorage',
  });
  expect(trigger('outbound', { OUTBOUND_QUEUE: 'other-queue' }).queueName).toBe('other-queue');
});

test('loading the app without storage settings fails fast and names the setting', () => {
  const { status, output } = listFunctions({ AzureWebJobsStorage: '' });
  expect(status).not.toBe(0);
  expect(output).toMatch(/Setting AzureWebJobsStorage is missing/);
});

test('the docs document every registered function in a functions table', () => {
  const docs = allDocs().map((page) => page.text);
  expect(
    registrations()
      .map((f) => f.name)
      .filter((name) => !docs.some((text) => text.includes(`| \`${name}\` |`))),
  ).toEqual([]);
});

test('the registered routes are exactly the ones shared/platform/routes.ts names, under the host.json route prefix', () => {
  const routes = registrations()
    .map((f) => Object.values(f.bindings).find((b) => b.type === 'httpTrigger')?.route)
    .filter((r): r is string => r !== undefined);
  // GET and DELETE /api/outbound/{key} are two functions on one route.
  expect([...new Set(routes)].sort()).toEqual(Object.values(ROUTES).sort());
  const hostJson = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as { extensions?: { http?: { routePrefix?: string } } };
  expect(hostJson.extensions?.http?.routePrefix ?? 'api').toBe(ROUTE_PREFIX);
});

describe('the outbound functions', () => {
  test('POST /api/outbound needs a function key', () => {
    expect(trigger('outboundPost')).toMatchObject({ type: 'httpTrigger', route: 'outbound', methods: ['POST'], authLevel: 'function' });
  });

  test('GET /api/outbound/{key} needs a function key', () => {
    expect(trigger('outboundGet')).toMatchObject({ type: 'httpTrigger', route: 'outbound/{key}', methods: ['GET'], authLevel: 'function' });
  });

  test('/api/status is anonymous: Twilio authenticates it with its signature', () => {
    expect(trigger('status')).toMatchObject({ type: 'httpTrigger', route: 'status', methods: ['GET', 'POST'], authLevel: 'anonymous' });
  });
});

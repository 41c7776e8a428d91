// How the outbound functions present themselves to the Functions host (captured through the local host's
// @azure/functions-core): routes, methods and auth levels.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../harness/localHost';

interface Binding {
  type: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
}

const registered: Array<{ name: string; bindings: Record<string, Binding> }> = JSON.parse(
  execFileSync(process.execPath, [join(repoRoot, 'build/devhost.js'), 'functions'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      DEVHOST_APP_ROOT: '',
      DEVHOST_SKIP_LOCAL_SETTINGS: '1',
    },
    encoding: 'utf8',
  }),
);

function httpTrigger(name: string): Binding {
  const fn = registered.find((f) => f.name === name);
  if (!fn) throw new Error(`function ${name} is not registered`);
  return Object.values(fn.bindings).find((b) => b.type === 'httpTrigger')!;
}

test('POST /api/outbound needs a function key', () => {
  expect(httpTrigger('outboundPost')).toMatchObject({ route: 'outbound', methods: ['POST'], authLevel: 'function' });
});

test('GET /api/outbound/{key} needs a function key', () => {
  expect(httpTrigger('outboundGet')).toMatchObject({ route: 'outbound/{key}', methods: ['GET'], authLevel: 'function' });
});

test('/api/status is anonymous: Twilio authenticates it with its signature', () => {
  expect(httpTrigger('status')).toMatchObject({ route: 'status', methods: ['GET', 'POST'], authLevel: 'anonymous' });
});

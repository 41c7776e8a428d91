// docs/recipes.md runs: its .NET project builds against the NuGet packages it names, its Python functions run (on a
// small stand-in of the azure-functions package, which cannot be installed here), and every message a producer writes,
// the Logic App composes or an Event Grid event carries is a valid outbound message.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { docPage } from '../../harness/docPages';
import { repoRoot } from '../../harness/localHost';
import { describeIssues, validateOutboundMessage } from '../../shared/outbound/schema';

jest.setTimeout(900_000);

interface Block {
  lang: string;
  path?: string;
  text: string;
}

const blocks: Block[] = [...docPage('recipes').matchAll(/^```(\w+)(?: ([^\n]+))?\n([\s\S]*?)^```/gm)].map((m) => ({
  lang: m[1],
  path: m[2],
  text: m[3],
}));
const files = blocks.filter((b): b is Required<Block> => b.path !== undefined);
const work = join(repoRoot, 'test-output', 'recipes');

function validity(message: unknown): string {
  const validation = validateOutboundMessage(message, { now: new Date() });
  return validation.ok ? 'valid' : describeIssues(validation.issues);
}

beforeAll(() => {
  for (const file of files) {
    mkdirSync(dirname(join(work, file.path)), { recursive: true });
    writeFileSync(join(work, file.path), file.text);
  }
});

test('the page has the producers and consumers it promises', () => {
  expect(files.map((f) => f.path).sort()).toEqual(
    [
      'dotnet/Contoso.Notifications.csproj',
      'dotnet/OnSmsReceived.cs',
      'dotnet/Program.cs',
      'dotnet/ShipOrder.cs',
      'dotnet/host.json',
      'python/function_app.py',
      'python/host.json',
    ].sort(),
  );
});

describe('the JSON examples', () => {
  const json = blocks.filter((b) => b.lang === 'json' && !b.path).map((b) => JSON.parse(b.text) as Record<string, unknown>);

  test('the Logic App composes a valid message and puts it on twilio-outbound', () => {
    const workflow = json.find((j) => 'definition' in j) as {
      definition: { actions: Record<string, { type: string; inputs: Record<string, unknown>; runAfter: Record<string, unknown> }> };
    };
    const actions = workflow.definition.actions;
    const sample = JSON.stringify(actions.Compose_the_SMS.inputs)
      .split("@triggerBody()?['phone']")
      .join('+15551234567')
      .split("@{triggerBody()?['orderId']}")
      .join('42');
    expect(validity(JSON.parse(sample))).toBe('valid');
    const put = actions['Put_a_message_on_a_queue_(V2)'];
    expect(put).toMatchObject({ type: 'ApiConnection', runAfter: { Compose_the_SMS: ['Succeeded'] } });
    expect(put.inputs).toMatchObject({ method: 'post', body: "@{string(outputs('Compose_the_SMS'))}" });
    expect(put.inputs.path).toMatch(/^\/v2\/storageAccounts\/.*\/queues\/@\{encodeURIComponent\('twilio-outbound'\)\}\/messages$/);
  });

  test("the Event Grid event's data is a valid message", () => {
    const event = json.find((j) => 'eventType' in j)!;
    expect(validity(event.data)).toBe('valid');
  });

  test('every JSON example is one of those or a host.json', () => {
    expect(json.filter((j) => !('definition' in j) && !('eventType' in j))).toEqual([]);
  });
});

describe('the Python functions', () => {
  // A stand-in for the decorators and types of the azure-functions package that the functions use: PyPI is out of
  // reach here. It records each decorator's arguments, and lets the test call the functions as the host would.
  const STAND_IN = `
import json
class AuthLevel: FUNCTION = "function"; ANONYMOUS = "anonymous"
class Out:
    def __class_getitem__(cls, item): return cls
    def set(self, value): self.value = value
class HttpRequest:
    def __init__(self, body): self._body = body
    def get_json(self): return json.loads(self._body)
class HttpResponse:
    def __init__(self, body=None, status_code=200): self.status_code = status_code
class QueueMessage:
    def __init__(self, body): self._body = body
    def get_body(self): return self._body
class FunctionApp:
    bindings = {}
    def _record(self, kind, **kwargs):
        def wrap(fn):
            self.bindings.setdefault(fn.__name__, []).append(dict(kind=kind, **kwargs)); return fn
        return wrap
    def route(self, **kwargs): return self._record("httpTrigger", **kwargs)
    def queue_output(self, **kwargs): return self._record("queue", **kwargs)
    def queue_trigger(self, **kwargs): return self._record("queueTrigger", **kwargs)
`;
  const RUN = `
import json, logging, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
import azure.functions as func
import function_app
out = func.Out()
response = function_app.ship_order(func.HttpRequest(json.dumps({"id": "42", "phone": "+15551234567"})), out)
print(json.dumps({"status": response.status_code, "message": json.loads(out.value), "bindings": function_app.app.bindings}))
function_app.on_twilio_event(func.QueueMessage(sys.argv[3].encode()))
`;

  test('ship_order queues a valid message on twilio-outbound, and on_twilio_event logs the SMS', () => {
    const standIn = join(work, 'python-stand-in');
    mkdirSync(join(standIn, 'azure', 'functions'), { recursive: true });
    writeFileSync(join(standIn, 'azure', '__init__.py'), '');
    writeFileSync(join(standIn, 'azure', 'functions', '__init__.py'), STAND_IN);
    const smsEvent = [...docPage('events').matchAll(/^```json\n([\s\S]*?)^```/gm)]
      .map((m) => m[1])
      .find((text) => text.includes('"twilio.sms.received"'))!;
    const result = spawnSync('python3', ['-c', RUN, standIn, join(work, 'python'), smsEvent], { encoding: 'utf8' });
    if (result.error) throw new Error(`python3 is needed to run the Python recipes: ${result.error.message}`);
    expect(result.stderr).toBe('');
    const [first, ...logged] = result.stdout.trim().split('\n');
    const { status, message, bindings } = JSON.parse(first) as { status: number; message: unknown; bindings: Record<string, unknown> };
    expect(status).toBe(202);
    expect(validity(message)).toBe('valid');
    expect(message).toMatchObject({ idempotencyKey: 'ship-42', to: '+15551234567' });
    expect(bindings).toEqual({
      ship_order: [
        { kind: 'queue', arg_name: 'outbound', queue_name: 'twilio-outbound', connection: 'OutboundStorage' },
        { kind: 'httpTrigger', route: 'orders/shipped', methods: ['POST'], auth_level: 'function' },
      ],
      on_twilio_event: [{ kind: 'queueTrigger', arg_name: 'message', queue_name: 'twilio-events', connection: 'TwilioEventsStorage' }],
    });
    expect(logged).toEqual(['SMS SM0123456789abcdef0123456789abcdef: STOP']);
  });
});

test('the .NET project builds against the NuGet packages it names, without errors', () => {
  const project = join(work, 'dotnet');
  rmSync(join(project, 'bin'), { recursive: true, force: true });
  const result = spawnSync('dotnet', ['build', '-nologo', '-v', 'q', '-clp:ErrorsOnly'], { cwd: project, encoding: 'utf8' });
  if (result.error) throw new Error(`The .NET SDK (dotnet) is needed to build the .NET recipe: ${result.error.message}`);
  expect(`${result.stdout}${result.stderr}`).not.toMatch(/error [A-Z]+\d+/);
  expect(result.status).toBe(0);
});

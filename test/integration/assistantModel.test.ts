// The real openai AzureOpenAI client against the local chat-completions stand-in: what the turn gets back for an
// answer, a tool call, a filtered prompt, a refusal, a server error and a model slower than the turn's budget.
import { chatModel, resetChatModelForTests, type ChatModelOptions } from '../../shared/assistant/chatModelApi';
import { ModelFailure } from '../../shared/assistant/modelReply';
import { startChatCompletionsStandIn, type RunningStandIn, type StandInReply } from '../../devhost/chatCompletionsStandIn';

let standIn: RunningStandIn;
let next: StandInReply[] = [];

beforeAll(async () => {
  standIn = await startChatCompletionsStandIn({ script: () => next.shift() ?? { kind: 'text', text: 'default' } });
});
afterAll(() => standIn.stop());
beforeEach(() => {
  resetChatModelForTests();
  standIn.requests.length = 0;
});

const options = (over: Partial<ChatModelOptions> = {}): ChatModelOptions => ({
  endpoint: standIn.url,
  deployment: 'receptionist',
  apiVersion: '2024-10-21',
  auth: { kind: 'key', key: 'local-test-key' },
  attemptTimeoutMs: 2000,
  maxRetries: 1,
  ...over,
});
const ask = (over: Partial<ChatModelOptions> = {}, budgetMs = 5000) =>
  chatModel(options(over))({ messages: [{ role: 'user', content: 'hello' }], tools: true }, AbortSignal.timeout(budgetMs));
const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ModelFailure) return error.kind;
    throw error;
  }
  throw new Error('expected a failure');
};

test('the request goes to the deployment with the API version, the key and the four tools', async () => {
  next = [{ kind: 'text', text: 'Hi there.' }];
  expect(await ask()).toEqual({ text: 'Hi there.', toolCalls: [] });
  const [request] = standIn.requests;
  expect(request).toMatchObject({ deployment: 'receptionist', apiVersion: '2024-10-21', auth: 'api-key' });
  expect(request.body.tools?.map((t) => t.function.name)).toEqual(['transfer_to_human', 'take_message', 'send_sms_to_caller', 'end_call']);
  expect(request.body.tool_choice).toBe('auto');
});

test('a tool call comes back with its arguments as the model wrote them', async () => {
  next = [{ kind: 'tool', name: 'take_message', arguments: { name: 'Ann', message: 'hi' } }];
  const reply = await ask();
  expect(reply.toolCalls).toEqual([{ id: expect.any(String), name: 'take_message', arguments: '{"name":"Ann","message":"hi"}' }]);
});

test('a filtered prompt (400 content_filter), a filtered answer, and a refusal are told apart', async () => {
  next = [{ kind: 'error', status: 400, code: 'content_filter', message: 'The response was filtered' }];
  expect(await failure(ask())).toBe('content-filter');
  next = [{ kind: 'text', text: '', finishReason: 'content_filter' }];
  expect(await failure(ask())).toBe('content-filter');
  next = [{ kind: 'refusal', text: 'No.' }];
  expect(await failure(ask())).toBe('refused');
  expect(standIn.requests).toHaveLength(3); // a 400 is not retried
});

test('a server error is retried maxRetries times, then the model is unavailable; 429 is throttled', async () => {
  next = Array.from({ length: 2 }, () => ({ kind: 'error' as const, status: 500, message: 'down' }));
  expect(await failure(ask())).toBe('unavailable');
  expect(standIn.requests).toHaveLength(2);
  next = Array.from({ length: 2 }, () => ({ kind: 'error' as const, status: 429, message: 'slow down' }));
  expect(await failure(ask())).toBe('throttled');
});

test('a model that never answers is a timeout when the turn budget runs out, retries included', async () => {
  next = [{ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' }];
  const started = Date.now();
  expect(await failure(ask({ attemptTimeoutMs: 10_000, maxRetries: 2 }, 300))).toBe('timeout');
  // The budget cut the first attempt: no second attempt was made, whatever maxRetries allows.
  expect(standIn.requests).toHaveLength(1);
  expect(Date.now() - started).toBeLessThan(5000);
});

test('the client timeout alone also ends a hanging attempt, and the retries stay within it', async () => {
  next = [{ kind: 'hang' }, { kind: 'hang' }];
  expect(await failure(ask({ attemptTimeoutMs: 150, maxRetries: 1 }, 10_000))).toBe('timeout');
  expect(standIn.requests).toHaveLength(2);
});

// The outbound examples in the docs are messages the app accepts: every JSON block of the pages that show messages,
// as of today.
import { docPage } from '../../harness/docPages';
import { describeIssues, validateOutboundMessage } from '../../shared/outbound/schema';

/** The pages whose JSON blocks are outbound messages, Event Grid events carrying one, batches, or the app's own events. */
const PAGES = ['outbound', 'events'];
const outboundPage = docPage('outbound');
const jsonBlocks = PAGES.flatMap((page) => [...docPage(page).matchAll(/^```json\n([\s\S]*?)^```/gm)].map((m) => m[1]));

/** A block is one JSON value, or one per line. */
function values(block: string): unknown[] {
  try {
    return [JSON.parse(block)];
  } catch {
    return block
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as unknown);
  }
}

// What the Logic Apps expressions in the docs evaluate to, for a sample run.
const LOGIC_APPS = new Map([
  ["@{triggerBody()?['phone']}", '+15551234567'],
  ["@{workflow()?['run']?['name']}", '08584737551867954143243946780CU57'],
]);
const evaluated = (text: string) => [...LOGIC_APPS].reduce((t, [expression, value]) => t.split(expression).join(value), text);

/** The outbound messages an example holds: itself, the `data` of each Event Grid event, or a batch's messages. */
function messages(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(messages);
  const object = value as Record<string, unknown>;
  if (typeof object.eventType === 'string' && 'data' in object) return [object.data];
  if (object.type === 'sms' || object.type === 'call') return [object];
  // A batch for POST /api/outbound/batch: checked as the batch endpoint checks it, message by message.
  if (Array.isArray(object.messages) && Object.keys(object).every((k) => k === 'messages' || k === 'idempotencyKey'))
    return object.messages;
  // The app's own events (docs/events.md): checked against schema/events/ by test/unit/events/eventExamples.test.ts.
  if (object.specversion === '1.0' && typeof object.type === 'string' && object.type.startsWith('twilio.')) return [];
  throw new Error(`A JSON example in the docs is neither an outbound message nor an Event Grid event: ${JSON.stringify(value)}`);
}

const examples = jsonBlocks.flatMap((block) => values(evaluated(block)).flatMap(messages));

const isAppEvent = (value: unknown) => (value as { specversion?: unknown }).specversion === '1.0';

test("the docs have outbound JSON examples, and each block holds at least one (or is one of the app's own events)", () => {
  expect(jsonBlocks.length).toBeGreaterThanOrEqual(3);
  for (const block of jsonBlocks) {
    const parsed = values(evaluated(block));
    if (parsed.every(isAppEvent)) continue;
    expect(parsed.flatMap(messages).length).toBeGreaterThan(0);
  }
});

test.each(examples.map((m) => [JSON.stringify(m), m]))('the docs example %s is a valid outbound message today', (_name, message) => {
  const validation = validateOutboundMessage(message, { now: new Date() });
  expect(validation.ok ? 'valid' : describeIssues(validation.issues)).toBe('valid');
});

test('docs/outbound.md quotes the answer to {} as the app gives it', () => {
  const validation = validateOutboundMessage({}, { now: new Date() });
  expect(validation.ok).toBe(false);
  expect(outboundPage).toContain(`\`{}\` gets \`${validation.ok ? '' : describeIssues(validation.issues)}\``);
});

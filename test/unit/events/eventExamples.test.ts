// docs/events.md runs: each example event is valid against its published schema, and the example Function, compiled
// from the page as written, reacts to the failure and to the SMS.
import { transformSync } from '@swc/core';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { docPage } from '../../../harness/docPages';
import { eventSchemaFiles } from '../../../scripts/schema';
import { EVENT_TYPES } from '../../../shared/events/cloudEvent';

const section = docPage('events');
const blocks = (lang: string) => [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
const examples = blocks('json').map((text) => JSON.parse(text) as { type: string; data: Record<string, unknown> });

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validators = new Map(
  eventSchemaFiles().map((f) => [JSON.parse(f.text).properties.type.const as string, ajv.compile(JSON.parse(f.text))]),
);

test('docs/events.md shows an example of every event type', () => {
  expect(examples.map((e) => e.type).sort()).toEqual(Object.values(EVENT_TYPES).sort());
});

test.each(examples.map((e) => [e.type, e]))('the docs example of %s is valid against its schema', (_type, event) => {
  const validate = validators.get(event.type)!;
  expect(validate(event) ? [] : validate.errors).toEqual([]);
});

describe('the docs Function example', () => {
  const [source] = blocks('ts');
  const registered: Array<{ name: string; options: { queueName: string; handler: (m: unknown, c: unknown) => Promise<void> } }> = [];
  const { code } = transformSync(source, { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } });
  const fakeFunctions = {
    app: { storageQueue: (name: string, options: (typeof registered)[number]['options']) => registered.push({ name, options }) },
  };
  new Function('require', 'exports', code)((id: string) => {
    if (id !== '@azure/functions') throw new Error(`unexpected import ${id}`);
    return fakeFunctions;
  }, {});

  const run = async (event: unknown) => {
    const lines: Array<[string, string]> = [];
    const context = { log: (m: string) => lines.push(['log', m]), warn: (m: string) => lines.push(['warn', m]) };
    await registered[0].options.handler(JSON.stringify(event), context);
    return lines;
  };

  test('registers a queue trigger on twilio-events', () => {
    expect(registered.map((r) => [r.name, r.options.queueName])).toEqual([['onTwilioEvent', 'twilio-events']]);
  });

  test('warns about an undelivered message, with its key and error', async () => {
    const failure = examples.find((e) => e.type === 'twilio.outbound.status')!;
    expect(await run(failure)).toEqual([['warn', 'outbound order-42-shipped undelivered: 30003 Unreachable destination handset']]);
  });

  test('logs an incoming SMS', async () => {
    const sms = examples.find((e) => e.type === 'twilio.sms.received')!;
    expect(await run(sms)).toEqual([['log', 'SMS SM0123456789abcdef0123456789abcdef: STOP']]);
  });

  test('ignores a delivered message', async () => {
    const failure = examples.find((e) => e.type === 'twilio.outbound.status')!;
    expect(await run({ ...failure, data: { ...failure.data, status: 'delivered' } })).toEqual([]);
  });
});

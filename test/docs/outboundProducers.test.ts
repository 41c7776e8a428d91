// The producers docs/outbound.md shows run as written: the Storage SDK example and the Functions output binding
// example, compiled from the page, each put a valid outbound message on twilio-outbound. The SDK and the Functions
// library are replaced by recorders: what is checked is the queue they name and the text they write.
import { transformSync } from '@swc/core';
import { docPage } from '../../harness/docPages';
import { describeIssues, validateOutboundMessage } from '../../shared/outbound/schema';

const page = docPage('outbound');
const block = (lang: string) => {
  const found = [...page.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm'))].map((m) => m[1]);
  expect(found).toHaveLength(1);
  return found[0];
};
const commonJs = (source: string, syntax: 'typescript' | 'ecmascript') =>
  transformSync(`export default (async () => {\n${source.replace(/^import .*$/gm, '')}\n})();`, {
    jsc: { parser: { syntax }, target: 'es2022' },
    module: { type: 'commonjs' },
  }).code;
const validity = (text: string) => {
  const validation = validateOutboundMessage(JSON.parse(text), { now: new Date() });
  return validation.ok ? 'valid' : describeIssues(validation.issues);
};

test('the Storage SDK example sends a valid message to the twilio-outbound queue', async () => {
  const sent: Array<{ url: string; text: string }> = [];
  class QueueClient {
    constructor(private readonly url: string) {}
    sendMessage(text: string) {
      sent.push({ url: this.url, text });
      return Promise.resolve({});
    }
  }
  class DefaultAzureCredential {}
  const exports: { default?: Promise<void> } = {};
  new Function('exports', 'QueueClient', 'DefaultAzureCredential', commonJs(block('js'), 'ecmascript'))(
    exports,
    QueueClient,
    DefaultAzureCredential,
  );
  await exports.default;
  expect(sent).toHaveLength(1);
  expect(new URL(sent[0].url.replace('<account>', 'account')).pathname).toBe('/twilio-outbound');
  expect(validity(sent[0].text)).toBe('valid');
});

test('the output binding example writes a valid message to twilio-outbound for an order', async () => {
  const registered: Array<{ name: string; options: { handler: (request: unknown, context: unknown) => Promise<unknown> } }> = [];
  const output = { storageQueue: (options: Record<string, unknown>) => ({ ...options, type: 'queue' }) };
  const app = { http: (name: string, options: (typeof registered)[number]['options']) => registered.push({ name, options }) };
  const exports: { default?: Promise<void> } = {};
  new Function('exports', 'app', 'output', commonJs(block('ts'), 'typescript'))(exports, app, output);
  await exports.default;
  const written: Array<[Record<string, unknown>, unknown]> = [];
  const answer = await registered[0].options.handler(
    { json: () => Promise.resolve({ id: '42', phone: '+15551234567' }) },
    { extraOutputs: { set: (binding: Record<string, unknown>, value: unknown) => written.push([binding, value]) } },
  );
  expect(answer).toEqual({ status: 202 });
  expect(written).toHaveLength(1);
  expect(written[0][0]).toMatchObject({ type: 'queue', queueName: 'twilio-outbound' });
  expect(validity(JSON.stringify(written[0][1]))).toBe('valid');
  expect(written[0][1]).toMatchObject({ idempotencyKey: 'ship-42' });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { between, docPage } from '../../../harness/docPages';
import { schemaFileText, SCHEMA_FILE } from '../../../scripts/schema';
import { describeIssues, validateOutboundMessage } from '../../../shared/outbound/schema';

const now = new Date('2030-01-01T00:00:00Z');
const validate = (input: unknown) => validateOutboundMessage(input, { now });
const issuesOf = (input: unknown) => {
  const result = validate(input);
  if (result.ok) throw new Error('expected the message to be invalid');
  return result.issues;
};

const HX = 'HX0123456789abcdef0123456789abcdef';

const VALID: unknown[] = [
  { type: 'sms', to: '+15551234567', body: 'Hello' },
  { type: 'sms', to: '+15551234567', mediaUrls: ['https://example.com/cat.jpg'], from: '+15005550006' },
  {
    type: 'sms',
    to: '+447700900123',
    body: 'Hi',
    messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
    idempotencyKey: 'order-42:reminder',
    metadata: { orderId: 42 },
  },
  { type: 'sms', to: '+15551234567', body: 'Later', sendAt: '2030-01-07T23:00:00Z', statusCallback: 'https://hooks.example.com/status' },
  { type: 'call', to: '+15551234567', say: 'Your code is 1 2 3' },
  { type: 'call', to: '+15551234567', twiml: '<Response><Say>Hi</Say></Response>' },
  { type: 'call', to: '+15551234567', url: 'https://example.com/twiml' },
  { type: 'call', to: '+15551234567', url: '/api/message?Message=Hi' },
  // Channel addresses, Content templates and the options Twilio's APIs take.
  { type: 'sms', to: 'whatsapp:+15551234567', from: 'whatsapp:+15005550006', body: 'Your order shipped' },
  { type: 'sms', to: 'whatsapp:+15551234567', contentSid: HX, contentVariables: { '1': 'Ada', date: '12/1' } },
  { type: 'sms', to: '+15551234567', body: 'Hi', validityPeriod: 600, shortenUrls: true, smartEncoded: false, sendAsMms: true },
  { type: 'call', to: '+15551234567', say: 'Hi', timeout: 20, timeLimit: 600, record: true, sendDigits: 'ww1234#' },
  { type: 'call', to: '+15551234567', say: 'Hi Ada', machineSay: 'Please call us back', machineDetection: 'DetectMessageEnd' },
  { type: 'call', to: '+15551234567', url: 'https://example.com/twiml', machineDetection: 'Enable' },
];

const INVALID: Array<[string, unknown, RegExp]> = [
  ['a recipient that is not E.164', { type: 'sms', to: '555-1234', body: 'x' }, /^to: must be an E\.164 number/],
  ['an sms with neither body nor media', { type: 'sms', to: '+15551234567' }, /an sms needs body, mediaUrls \(or both\), or contentSid/],
  [
    'a call with two sources of TwiML',
    { type: 'call', to: '+15551234567', say: 'a', url: 'https://example.com' },
    /exactly one of say, twiml and url/,
  ],
  ['a call with no TwiML at all', { type: 'call', to: '+15551234567' }, /exactly one of say, twiml and url/],
  [
    'a Messaging Service on a call',
    { type: 'call', to: '+15551234567', say: 'a', messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' },
    /unknown field "messagingServiceSid"/,
  ],
  ['malformed TwiML', { type: 'call', to: '+15551234567', twiml: '<Response><Say>Hi</Response>' }, /twiml: must be well-formed XML/],
  [
    'a url that is neither absolute nor a path',
    { type: 'call', to: '+15551234567', url: 'ftp://x' },
    /url: must be an absolute http\(s\) URL or a path/,
  ],
  ['a typo in a field name', { type: 'sms', to: '+15551234567', body: 'x', mediaUrl: ['https://x'] }, /unknown field "mediaUrl"/],
  ['a trigger metadata name', { type: 'sms', to: '+15551234567', body: 'x', id: 'abc' }, /id: "id" is reserved/],
  [
    'a trigger metadata name in another case',
    { type: 'sms', to: '+15551234567', body: 'x', DequeueCount: 1 },
    /DequeueCount: "DequeueCount" is reserved/,
  ],
  [
    'an idempotency key with a slash',
    { type: 'sms', to: '+15551234567', body: 'x', idempotencyKey: 'a/b' },
    /idempotencyKey: must be 1-200 characters/,
  ],
  [
    'metadata over 1 KB',
    { type: 'sms', to: '+15551234567', body: 'x', metadata: { note: 'x'.repeat(1100) } },
    /metadata: must be at most 1024 bytes/,
  ],
  // Found by hand after the fuzzing (test/reliability/apiFuzz.test.ts): JSON.stringify threw a RangeError, a 500.
  [
    'metadata over 1 KB, nested too deep to write as JSON',
    { type: 'sms', to: '+15551234567', body: 'x', metadata: JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`) as object },
    /metadata: must be at most 1024 bytes/,
  ],
  [
    'sendAt without a time zone',
    { type: 'sms', to: '+15551234567', body: 'x', sendAt: '2030-01-02T09:00:00' },
    /sendAt: must be an ISO 8601 date-time with a time zone/,
  ],
  ['an unknown type', { type: 'fax', to: '+15551234567' }, /^type: /],
  // Channel addresses, Content templates and call options.
  ['a channel prefix without a valid number', { type: 'sms', to: 'whatsapp:5551234567', body: 'x' }, /^to: must be an E\.164 number/],
  ['an unknown channel', { type: 'sms', to: 'telegram:+15551234567', body: 'x' }, /^to: .*channel address/],
  ['a call to a WhatsApp address', { type: 'call', to: 'whatsapp:+15551234567', say: 'x' }, /^to: must be an E\.164 number/],
  [
    'a WhatsApp recipient and a plain-number sender',
    { type: 'sms', to: 'whatsapp:+15551234567', from: '+15005550006', body: 'x' },
    /from: to and from must be on the same channel/,
  ],
  [
    'a plain recipient and a WhatsApp sender',
    { type: 'sms', to: '+15551234567', from: 'whatsapp:+15005550006', body: 'x' },
    /from: to and from must be on the same channel/,
  ],
  ['a template and a body', { type: 'sms', to: '+15551234567', contentSid: HX, body: 'x' }, /contentSid stands in for body/],
  ['a malformed template SID', { type: 'sms', to: '+15551234567', contentSid: 'HX12' }, /contentSid: must be a Content template SID/],
  [
    'template variables without a template',
    { type: 'sms', to: '+15551234567', body: 'x', contentVariables: { '1': 'Ada' } },
    /contentVariables: needs contentSid/,
  ],
  [
    'template variables that are not text',
    { type: 'sms', to: '+15551234567', contentSid: HX, contentVariables: { '1': 2 } },
    /contentVariables/,
  ],
  ['a validity period too long', { type: 'sms', to: '+15551234567', body: 'x', validityPeriod: 36001 }, /^validityPeriod: /],
  ['a validity period that is not whole', { type: 'sms', to: '+15551234567', body: 'x', validityPeriod: 1.5 }, /^validityPeriod: /],
  ['shortenUrls as text', { type: 'sms', to: '+15551234567', body: 'x', shortenUrls: 'yes' }, /^shortenUrls: /],
  ['a call option on an sms', { type: 'sms', to: '+15551234567', body: 'x', timeout: 30 }, /unknown field "timeout"/],
  ['a ring timeout under 5 s', { type: 'call', to: '+15551234567', say: 'x', timeout: 4 }, /^timeout: /],
  ['a time limit over a day', { type: 'call', to: '+15551234567', say: 'x', timeLimit: 86401 }, /^timeLimit: /],
  ['digits Twilio cannot press', { type: 'call', to: '+15551234567', say: 'x', sendDigits: '12a' }, /^sendDigits: must be 1-32 of/],
  ['an unknown machine detection', { type: 'call', to: '+15551234567', say: 'x', machineDetection: 'true' }, /^machineDetection: /],
  [
    'machineSay with detection that does not wait for the beep',
    { type: 'call', to: '+15551234567', say: 'x', machineSay: 'y', machineDetection: 'Enable' },
    /machineDetection: machineSay needs machineDetection DetectMessageEnd/,
  ],
  ['something that is not an object', 'hello', /must be a JSON object/],
];

describe('the outbound message schema', () => {
  test('schema/outbound-message.schema.json is what the zod definition generates (run `npm run schema` after changing it)', () => {
    expect(readFileSync(join(__dirname, '..', '..', '..', SCHEMA_FILE), 'utf8')).toBe(schemaFileText());
  });

  test.each(VALID.map((m) => [JSON.stringify(m), m]))('accepts %s', (_name, message) => {
    expect(validate(message)).toEqual({ ok: true, message });
  });

  test.each(INVALID)('rejects %s with a clear reason', (_name, message, reason) => {
    expect(describeIssues(issuesOf(message))).toMatch(reason);
  });

  test('sendAt may be up to 35 days ahead (the queue hides a message for 7 days at a time; the sender chains the waits)', () => {
    expect(validate({ type: 'sms', to: '+15551234567', body: 'x', sendAt: '2030-02-04T23:59:59Z' }).ok).toBe(true);
    expect(describeIssues(issuesOf({ type: 'sms', to: '+15551234567', body: 'x', sendAt: '2030-02-05T00:00:01Z' }))).toMatch(
      /sendAt: must be at most 35 days ahead/,
    );
  });

  test('lists every problem of a message at once', () => {
    const issues = issuesOf({ type: 'sms', to: 'nope', id: 1, idempotencyKey: '', colour: 'red' });
    expect(issues.map((i) => i.path).sort()).toEqual(['', 'colour', 'id', 'idempotencyKey', 'to']);
  });

  test('an empty message lists every required field, not only the type', () => {
    expect(issuesOf({})).toEqual([
      { path: 'type', message: 'is required: "sms" or "call"' },
      { path: 'to', message: 'is required' },
    ]);
  });

  test('an unknown type still has its other fields checked', () => {
    const issues = issuesOf({ type: 'fax', to: 'nope', from: 42 });
    expect(issues.map((i) => i.path)).toEqual(['type', 'to', 'from']);
  });

  test('a bad media URL is listed once', () => {
    expect(issuesOf({ type: 'sms', to: '+15551234567', mediaUrls: ['not a url'] })).toEqual([
      { path: 'mediaUrls.0', message: 'must be an absolute http(s) URL' },
    ]);
  });

  // Every problem in plain words: none of zod's own phrasing ("Invalid input: expected string, received undefined").
  const ZOD_WORDING = /expected|received|Invalid input|Too (big|small)|Invalid (option|string)|Unrecognized|must be record/i;
  test.each<[string, unknown]>([
    ['nothing', undefined],
    ['null', null],
    ['a list', []],
    ['a number', 7],
    ['an empty object', {}],
    ['wrong types everywhere', { type: 'sms', to: 15551234567, body: 12, mediaUrls: 'x', metadata: [], sendAt: 5, statusCallback: {} }],
    ['empty texts and lists', { type: 'sms', to: '+15551234567', body: '', mediaUrls: [] }],
    ['too long', { type: 'sms', to: '+15551234567', body: 'x'.repeat(1601), mediaUrls: Array(11).fill('https://x.example/a.jpg') }],
    ['a call with wrong types', { type: 'call', to: '+15551234567', say: 1, twiml: true, url: 3, from: null }],
    ['a call with an empty say', { type: 'call', to: '+15551234567', say: '' }],
    ['a type of the wrong kind', { type: 1, to: '+15551234567' }],
  ])('says what is wrong with %s in plain words', (_name, input) => {
    const issues = issuesOf(input);
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue.message).not.toMatch(ZOD_WORDING);
  });

  test("the format message's own sendAt example is accepted, today", () => {
    const today = { now: new Date() };
    const result = validateOutboundMessage({ type: 'sms', to: '+15551234567', body: 'x', sendAt: 'tomorrow' }, today);
    const message = result.ok ? '' : describeIssues(result.issues);
    const example = /e\.g\. (\S+)$/.exec(message)?.[1];
    expect(example).toBeDefined();
    expect(validateOutboundMessage({ type: 'sms', to: '+15551234567', body: 'x', sendAt: example }, today).ok).toBe(true);
  });

  describe('the published JSON Schema agrees with the code', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const jsonSchema = ajv.compile(JSON.parse(schemaFileText()));
    test.each(VALID.map((m) => [JSON.stringify(m), m]))('valid for both: %s', (_name, message) => {
      expect(jsonSchema(message)).toBe(true);
    });
    // Rules a JSON Schema cannot state (well-formed XML, 1 KB of metadata, 35 days from now) are left out.
    const expressible = INVALID.filter(([name]) => !/malformed TwiML|metadata over|sendAt/.test(name));
    test.each(expressible)('invalid for both: %s', (_name, message) => {
      expect(jsonSchema(message)).toBe(false);
    });
  });
});

describe('docs/outbound.md documents the message', () => {
  const table = between(docPage('outbound'), '## The message', '**The idempotency key**');
  const schema = JSON.parse(schemaFileText()) as { oneOf: Array<{ properties: Record<string, unknown> }> };
  const fields = [...new Set(schema.oneOf.flatMap((s) => Object.keys(s.properties)))];
  test.each(fields)('the message table has a row naming %s', (field) => {
    expect(table).toMatch(new RegExp(`^\\| [^|]*\`${field}\``, 'm'));
  });
});

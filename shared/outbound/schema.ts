// The outbound message: the one definition that validates queue messages, POST /api/outbound and the CLI,
// and that generates schema/outbound-message.schema.json (a test keeps the file in step). Pure: no I/O.
// zod costs ~100 ms to load, so functions import this module with `await import()` when they first need it.
import { XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { CHANNEL_ADDRESS, channelOf, E164 } from '../phone';
import {
  IDEMPOTENCY_KEY,
  MAX_METADATA_BYTES,
  MAX_SCHEDULE_DAYS,
  MAX_SCHEDULE_MS,
  MAX_SMS_BODY,
  MAX_TWIML_LENGTH,
  RESERVED_FIELDS,
} from './fields';
import { isTimeZone } from '../hours/zonedClock';
import { CORRELATION_ID, CORRELATION_ID_RULE } from './correlation';

const e164 = (what: string) => z.string().regex(E164, { error: `must be an E.164 number such as +15551234567 (${what})` });
// The regex states the protocol rule in the JSON Schema too (z.url's protocol option does not appear there).
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
  .regex(/^https?:\/\/\S+$/, { error: 'must be an absolute http(s) URL' });

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a time HH:MM from 00:00 to 23:59' });

const sendingWindow = z
  .strictObject({
    start: clockTime.describe('Local time the window opens, HH:MM.'),
    end: clockTime.describe('Local time the window closes, HH:MM. Before start means it runs past midnight.'),
    timeZone: z
      .string()
      .refine(isTimeZone, { error: 'must be an IANA time zone such as America/New_York' })
      .describe("The recipient's IANA time zone, e.g. America/New_York."),
  })
  .refine((w) => w.start !== w.end, { error: 'start and end must differ (leave window out to send at any time)' });

// The example in this message is added by validateOutboundMessage: it is a time the caller can actually use.
const SEND_AT_FORMAT = 'must be an ISO 8601 date-time with a time zone';

const common = {
  to: e164('the recipient').describe('Recipient, E.164.'),
  from: e164('the sender').optional().describe('Sender, E.164. Defaults to the setting TWILIO_FROM_NUMBER.'),
  idempotencyKey: z
    .string()
    .regex(IDEMPOTENCY_KEY, { error: 'must be 1-200 characters of A-Z a-z 0-9 . _ : @ = -, starting with a letter or digit' })
    .optional()
    .describe('One send per key, ever. Defaults to the queue message id (the event id for Event Grid events).'),
  correlationId: z
    .string()
    .regex(CORRELATION_ID, { error: CORRELATION_ID_RULE })
    .optional()
    .describe(
      "The id every log line and event of this message carries (docs/outbound.md, One id through the path). Defaults to the accepting request's W3C trace id (its Application Insights operation_Id). Not part of the content: a retry with another one is the same message.",
    ),
  statusCallback: httpUrl
    .optional()
    .describe("Where Twilio posts status changes. Defaults to this app's /api/status, which keeps the ledger up to date."),
  sendAt: z.iso
    .datetime({ offset: true, error: SEND_AT_FORMAT })
    .optional()
    .describe(
      `When to send, at most ${MAX_SCHEDULE_DAYS} days ahead. The message waits in the queue, invisible (put back every 7 days, the most a queue allows), until then.`,
    ),
  window: sendingWindow
    .optional()
    .describe(
      'Quiet hours: send only between start and end in the recipient\'s time zone, e.g. {"start":"09:00","end":"20:00","timeZone":"America/New_York"}. Outside it the message waits, like sendAt, until the window opens.',
    ),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((value) => jsonBytes(value) <= MAX_METADATA_BYTES, {
      error: `must be at most ${MAX_METADATA_BYTES} bytes as JSON`,
    })
    .optional()
    .describe('Your own data, at most 1 KB as JSON, kept in the ledger row.'),
};

/**
 * Bytes of `value` written as JSON. JSON.parse reads any depth but JSON.stringify throws a RangeError past a few
 * thousand levels: such a value is far over any limit here (each level takes two bytes at least), so Infinity.
 */
function jsonBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch (error) {
    if (error instanceof RangeError) return Infinity;
    throw error;
  }
}

/** A rule across fields, stated once for zod (`holds`) and once for the JSON Schema (`json`, one entry of allOf). */
interface Rule {
  holds: (value: Record<string, unknown>) => boolean;
  message: string;
  json: Record<string, unknown>;
  path?: string[];
}

const present = (value: Record<string, unknown>, field: string) => value[field] !== undefined;

function requireFields(rule: 'anyOf' | 'oneOf', fields: string[], message: string): Rule {
  const count = (value: Record<string, unknown>) => fields.filter((f) => present(value, f)).length;
  return {
    holds: rule === 'anyOf' ? (value) => count(value) >= 1 : (value) => count(value) === 1,
    message,
    json: { [rule]: fields.map((f) => ({ required: [f] })) },
  };
}

/** Refinements that also state themselves in the generated JSON Schema, so each rule is declared once. */
function withRules<T extends z.ZodType>(schema: T, rules: Rule[], title: string): T {
  let refined = schema;
  for (const r of rules) {
    const holds = (value: unknown) => typeof value !== 'object' || value === null || r.holds(value as Record<string, unknown>);
    // `when` lets the rule report alongside other errors, so one answer lists every problem.
    refined = refined.refine(holds, { error: r.message, when: () => true, path: r.path });
  }
  return refined.meta({ title, allOf: rules.map((r) => r.json) });
}

const wellFormedXml = (text: string) => XMLValidator.validate(text) === true;

// --- Channel addresses, Content templates and the SMS options Twilio's Messages API takes. ---
const channelAddress = (what: string) =>
  z.string().regex(CHANNEL_ADDRESS, {
    error: `must be an E.164 number such as +15551234567, or a channel address such as whatsapp:+15551234567 (${what})`,
  });
const smsOptions = {
  to: channelAddress('the recipient').describe('Recipient: an E.164 number, or whatsapp:+<E.164> for WhatsApp.'),
  from: channelAddress('the sender')
    .optional()
    .describe(
      'Sender: an E.164 number, or whatsapp:+<E.164>, on the same channel as to. Defaults to TWILIO_MESSAGING_SERVICE_SID, else TWILIO_FROM_NUMBER (with the prefix of to).',
    ),
  contentSid: z
    .string()
    .regex(/^HX[0-9a-fA-F]{32}$/, { error: 'must be a Content template SID (HX followed by 32 hex digits)' })
    .optional()
    .describe('Content template to send instead of body (required for WhatsApp outside the 24-hour session). Sent as ContentSid.'),
  contentVariables: z
    .record(z.string().regex(/^\w{1,64}$/, { error: 'names are 1-64 letters, digits or _' }), z.string().max(1600))
    .optional()
    .describe('Values for the template\'s placeholders, e.g. {"1": "Ada"}. Sent as ContentVariables, a JSON string.'),
  validityPeriod: z
    .int()
    .min(1)
    .max(36000)
    .optional()
    .describe('Seconds Twilio may keep the message queued before giving up (1-36000). Sent as ValidityPeriod.'),
  shortenUrls: z.boolean().optional().describe("Shorten links with the Messaging Service's link shortening. Sent as ShortenUrls."),
  smartEncoded: z.boolean().optional().describe('Replace Unicode look-alikes with GSM-7 characters. Sent as SmartEncoded.'),
  sendAsMms: z.boolean().optional().describe('Send as MMS even without media (Messaging Service only). Sent as SendAsMms.'),
};
const sameChannel: Rule = {
  holds: (v) => typeof v.to !== 'string' || typeof v.from !== 'string' || channelOf(v.to) === channelOf(v.from),
  message: 'to and from must be on the same channel (both whatsapp:, or both plain numbers)',
  path: ['from'],
  json: {
    if: { properties: { to: { pattern: '^whatsapp:' } }, required: ['to'] },
    then: { properties: { from: { pattern: '^whatsapp:' } } },
    else: { properties: { from: { pattern: '^\\+' } } },
  },
};
const templateOrBody: Rule = {
  holds: (v) => !present(v, 'contentSid') || (!present(v, 'body') && !present(v, 'mediaUrls')),
  message: 'contentSid stands in for body and mediaUrls: give the template or the text, not both',
  path: ['contentSid'],
  json: { not: { required: ['contentSid'], anyOf: [{ required: ['body'] }, { required: ['mediaUrls'] }] } },
};
const variablesNeedTemplate: Rule = {
  holds: (v) => !present(v, 'contentVariables') || present(v, 'contentSid'),
  message: 'needs contentSid',
  path: ['contentVariables'],
  json: { dependentRequired: { contentVariables: ['contentSid'] } },
};
// --- The call options Twilio's Calls API takes, and answering-machine detection. ---
const callOptions = {
  timeout: z.int().min(5).max(600).optional().describe('Seconds to let the phone ring before giving up (5-600). Sent as Timeout.'),
  timeLimit: z.int().min(1).max(86400).optional().describe('Longest the call may last, in seconds (1-86400). Sent as TimeLimit.'),
  record: z.boolean().optional().describe('Record the call. Sent as Record.'),
  sendDigits: z
    .string()
    .regex(/^[0-9*#wW]{1,32}$/, { error: 'must be 1-32 of 0-9 * # and w/W (a pause)' })
    .optional()
    .describe('Keys to press once the call connects, e.g. "ww1234#". Sent as SendDigits.'),
  machineDetection: z
    .enum(['Enable', 'DetectMessageEnd'])
    .optional()
    .describe(
      "Answering-machine detection, always asynchronous: the call runs at once and the result (AnsweredBy) lands in the ledger row. Sent as MachineDetection with AsyncAmd=true and this app's /api/status as AsyncAmdStatusCallback.",
    ),
  machineSay: z
    .string()
    .min(1)
    .max(3000)
    .optional()
    .describe(
      'Text left for an answering machine after its beep, instead of what the call says to a person. Implies machineDetection DetectMessageEnd.',
    ),
};
const machineSayNeedsMessageEnd: Rule = {
  holds: (v) => !present(v, 'machineSay') || v.machineDetection === undefined || v.machineDetection === 'DetectMessageEnd',
  message: 'machineSay needs machineDetection DetectMessageEnd (or none: it is then implied), so the message starts after the beep',
  path: ['machineDetection'],
  json: { if: { required: ['machineSay'] }, then: { properties: { machineDetection: { const: 'DetectMessageEnd' } } } },
};
// --- end of the channel, template and call options ---

export const smsMessageSchema = withRules(
  z.strictObject({
    type: z.literal('sms'),
    ...common,
    ...smsOptions,
    messagingServiceSid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, { error: 'must be a Messaging Service SID (MG followed by 32 hex digits)' })
      .optional()
      .describe('Messaging Service to send through. Defaults to the setting TWILIO_MESSAGING_SERVICE_SID when no from is given.'),
    body: z.string().min(1).max(MAX_SMS_BODY).optional().describe('Text of the message.'),
    mediaUrls: z.array(httpUrl).min(1).max(10).optional().describe('Up to 10 publicly reachable media URLs (MMS).'),
  }),
  [
    requireFields('anyOf', ['body', 'mediaUrls', 'contentSid'], 'an sms needs body, mediaUrls (or both), or contentSid'),
    templateOrBody,
    variablesNeedTemplate,
    sameChannel,
  ],
  'SMS',
);

export const callMessageSchema = withRules(
  z.strictObject({
    type: z.literal('call'),
    ...common,
    say: z.string().min(1).max(3000).optional().describe('Text spoken to the callee with <Say>.'),
    twiml: z
      .string()
      .max(MAX_TWIML_LENGTH)
      .refine(wellFormedXml, { error: 'must be well-formed XML, e.g. <Response><Say>Hi</Say></Response>' })
      .optional()
      .describe('TwiML the call runs, at most 4000 characters.'),
    url: z
      .union([httpUrl, z.string().regex(/^\/[^/]/)], {
        error: 'must be an absolute http(s) URL or a path of this app such as /api/message',
      })
      .optional()
      .describe(
        'Where Twilio fetches the TwiML: an absolute URL, or a path of this app (e.g. /api/message?Message=Hi) resolved against WEBHOOK_BASE_URL.',
      ),
    ...callOptions,
  }),
  [requireFields('oneOf', ['say', 'twiml', 'url'], 'a call needs exactly one of say, twiml and url'), machineSayNeedsMessageEnd],
  'Call',
);

export const outboundMessageSchema = z.discriminatedUnion('type', [smsMessageSchema, callMessageSchema]).meta({
  title: 'Outbound message',
  description:
    'A message on the outbound queue (or the body of POST /api/outbound): an SMS to send or a call to place. ' +
    `Top-level fields other than these are rejected, in particular ${RESERVED_FIELDS.join(', ')}: the Functions host merges payload fields over the queue trigger metadata of those names.`,
});

export type OutboundMessage = z.infer<typeof outboundMessageSchema>;
export type SmsMessage = z.infer<typeof smsMessageSchema>;
export type CallMessage = z.infer<typeof callMessageSchema>;

export interface SchemaIssue {
  /** Dotted path of the field, '' for the message itself. */
  path: string;
  message: string;
}

export type Validation = { ok: true; message: OutboundMessage } | { ok: false; issues: SchemaIssue[] };

function reservedIssues(input: unknown): SchemaIssue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  const reserved = new Set<string>(RESERVED_FIELDS.map((f) => f.toLowerCase()));
  return Object.keys(input)
    .filter((key) => reserved.has(key.toLowerCase()))
    .map((key) => ({
      path: key,
      message: `"${key}" is reserved: the Functions host would mix it up with the queue message's own ${key}. Use idempotencyKey or metadata instead`,
    }));
}

const KINDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  object: 'a JSON object',
  record: 'a JSON object',
  array: 'a list',
};

/**
 * zod's own wording ("Invalid input: expected string, received undefined") in plain words. Rules with their own
 * message (E.164, URLs, keys ...) keep it: zod asks this map only for issues that have none.
 */
const plainWords: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${KINDS[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return Number(issue.minimum) <= 1 ? 'must not be an empty list' : `must list at least ${issue.minimum}`;
      return `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `must list at most ${issue.maximum}`;
      return `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    default:
      return 'is not valid here';
  }
};

/** The fields every message has, to list their problems too when the type is missing or unknown. */
const commonFields = z.looseObject(common);

function zodIssues(error: z.ZodError, input: unknown, reservedKeys: Set<string>): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // Reserved names get their own, clearer issue; other unknown fields are probably typos.
      for (const key of issue.keys.filter((k) => !reservedKeys.has(k))) issues.push({ path: key, message: `unknown field "${key}"` });
      continue;
    }
    if (issue.code === 'invalid_union' && issue.path.length === 1 && issue.path[0] === 'type') {
      // No type, or an unknown one: say which types exist, and still check the fields every message has.
      const type = (input as { type?: unknown }).type;
      issues.push({ path: 'type', message: type === undefined ? 'is required: "sms" or "call"' : 'must be "sms" or "call"' });
      const common = commonFields.safeParse(input, { error: plainWords });
      if (!common.success) issues.push(...zodIssues(common.error, input, reservedKeys));
      continue;
    }
    issues.push({ path: issue.path.map(String).join('.'), message: issue.message });
  }
  return issues;
}

/** One issue per path and wording: a URL that breaks two of its rules is listed once. */
function distinct(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const id = `${issue.path}\n${issue.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** A sendAt the format message can offer as its example: tomorrow, 09:00 UTC (always within MAX_SCHEDULE_DAYS). */
export function sendAtExample(now: Date): string {
  const tomorrow = new Date(now.getTime() + 24 * 60 * 60 * 1000);
  return `${tomorrow.toISOString().slice(0, 10)}T09:00:00Z`;
}

/** Validates a message; `now` is needed because sendAt may be at most MAX_SCHEDULE_DAYS ahead of it. */
export function validateOutboundMessage(input: unknown, options: { now: Date }): Validation {
  const reserved = reservedIssues(input);
  const parsed = outboundMessageSchema.safeParse(input, { error: plainWords });
  const found = parsed.success ? [] : zodIssues(parsed.error, input, new Set(reserved.map((i) => i.path)));
  const issues = distinct([...reserved, ...found]).map((issue) =>
    issue.path === 'sendAt' && issue.message === SEND_AT_FORMAT
      ? { ...issue, message: `${SEND_AT_FORMAT}, e.g. ${sendAtExample(options.now)}` }
      : issue,
  );
  const sendAt = Date.parse(String((input as { sendAt?: unknown } | null)?.sendAt));
  if (sendAt - options.now.getTime() > MAX_SCHEDULE_MS) {
    issues.push({ path: 'sendAt', message: `must be at most ${MAX_SCHEDULE_DAYS} days ahead` });
  }
  if (issues.length || !parsed.success) return { ok: false, issues };
  return { ok: true, message: parsed.data };
}

/** Issues as one line, e.g. for the ledger's reason: "to: must be an E.164 number ...; an sms needs body ...". */
export function describeIssues(issues: SchemaIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

/** The JSON Schema published as schema/outbound-message.schema.json. */
export function outboundMessageJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(outboundMessageSchema, { target: 'draft-2020-12' });
}

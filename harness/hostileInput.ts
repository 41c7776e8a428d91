// Generators (fast-check) for hostile webhook input, and the checks every answer to it must pass: TwiML or a
// clean 4xx, never a stack trace, never an element smuggled in through a parameter.
import fc from 'fast-check';
import type { WebhookParams } from '../shared/webhook/params';
import { leakedSecrets } from './secrets';
import { parseTwiml, type TwimlNode } from './twiml';

/** What an injection would add to the TwiML if a parameter got out of its text node or attribute. */
export const INJECTED = {
  element: 'Injected',
  attribute: 'injected',
  number: '+15550009999',
  url: 'https://evil.example/injected',
} as const;

export const INJECTIONS = [
  `</Say><Dial>${INJECTED.number}</Dial><Say>`,
  `</Message><Message to="${INJECTED.number}">${INJECTED.number}</Message><Message>`,
  `"/><Redirect>${INJECTED.url}</Redirect><Say x="`,
  `" ${INJECTED.attribute}="1`,
  `' ${INJECTED.attribute}='1`,
  `]]><Redirect>${INJECTED.url}</Redirect><![CDATA[`,
  `<${INJECTED.element}/>`,
  `<?xml version="1.0"?><Response><${INJECTED.element}/></Response>`,
  `&lt;${INJECTED.element}/&gt;`,
  `&#60;${INJECTED.element}/&#62;`,
  `<![CDATA[<${INJECTED.element}/>]]>`,
  `<!DOCTYPE r [<!ENTITY e "<${INJECTED.element}/>">]>&e;`,
  '<!--',
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
/** C0 controls, DEL, NEL, and the noncharacters XML 1.0 forbids. */
const xmlForbidden = fc.constantFrom('\u0000', '\u0001', '\u0008', '\u000B', '\u000C', '\u001F', '\u007F', '\u0085', '\uFFFE', '\uFFFF');
const markup = fc.constantFrom(
  '<',
  '>',
  '&',
  '"',
  "'",
  ']]>',
  '%',
  '%ZZ',
  '+',
  '=',
  '#',
  ';',
  '\r\n',
  '\t',
  ' ',
  '{body}',
  '{from}',
  '😀',
  '\u202E',
  '\u200B',
);
const hostileChar = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate, xmlForbidden, markup);
const hostileString = (maxLength: number) => fc.string({ unit: hostileChar, maxLength });

/** Values that take the twimlets down their real branches: numbers, URLs, flags, statuses, SIDs, keywords. */
const plausible = fc.constantFrom(
  '+14155550100',
  '+1 (415) 555-0100',
  'whatsapp:+14155550100',
  'client:alice',
  'client:',
  '+442079460000',
  '+19005550100',
  'https://example.com/hello.mp3',
  'http://example.com/next',
  '1',
  '12',
  '0',
  'true',
  'false',
  'completed',
  'no-answer',
  'answered',
  'STOP',
  'start',
  'HELP',
  `RE${'0123456789abcdef'.repeat(2)}`,
  `SM${'0123456789abcdef'.repeat(2)}`,
  '20',
  '-1',
  '1e400',
  '99999999999999999999',
  '',
  ' ',
  '<Response><Say>Hi</Say></Response>',
);

/** Oversized: 1,000 to 30,000 characters of a short hostile pattern (Twilio sends at most 1,600 in Body). */
const oversized = fc
  .tuple(
    fc.integer({ min: 1_000, max: 30_000 }),
    hostileString(4).filter((s) => s.length > 0),
  )
  .map(([length, pattern]) => pattern.repeat(Math.ceil(length / pattern.length)));

export const hostileValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileString(40) },
  { weight: 3, arbitrary: fc.tuple(hostileString(8), fc.constantFrom(...INJECTIONS), hostileString(8)).map(([a, b, c]) => a + b + c) },
  { weight: 3, arbitrary: plausible },
  { weight: 1, arbitrary: oversized },
);

/** Keys that are no ordinary identifiers: Object.prototype members, broken list and map brackets. */
const HOSTILE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', '[]', '[0]', 'code', 'Dial'];
const indexedKey = fc
  .tuple(
    fc.constantFrom('Message', 'PhoneNumbers', 'Options', 'AllowedCallers', 'Moderators'),
    fc.oneof(fc.nat().map(String), fc.constantFrom('', '-1', '99999999999999999999', 'x', '1]', '[0', ' 1')),
  )
  .map(([name, index]) => `${name}[${index}]`);

export function hostileKey(vocabulary: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...vocabulary) },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
    { weight: 1, arbitrary: indexedKey },
    { weight: 1, arbitrary: hostileString(12) },
  );
}

/** Percent-escapes that decode to nothing valid, and stray separators. */
const BROKEN_ESCAPES = ['%', '%Z', '%ZZ', '%E0%A4', '%FF', '%C3%28', '%ED%A0%80', '%F4%90%80%80', '%00', '&', '=', '&&', '==', '+'];

/**
 * A form-encoded string (a body or a query) of hostile pairs, repeated keys included: properly encoded, written
 * raw (so `%`, `&`, `=` and `+` in values break the encoding), or with broken escapes spliced in.
 */
export function hostileForm(vocabulary: readonly string[], options: { maxPairs?: number } = {}): fc.Arbitrary<string> {
  const pairs = fc.array(fc.tuple(hostileKey(vocabulary), hostileValue), { maxLength: options.maxPairs ?? 20 });
  const encoded = pairs.map((p) => new URLSearchParams(p).toString());
  const raw = pairs.map((p) => p.map(([k, v]) => `${k}=${v}`).join('&'));
  const spliced = fc
    .tuple(encoded, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...BROKEN_ESCAPES)), { minLength: 1, maxLength: 5 }))
    .map(([text, cuts]) =>
      cuts.reduce((acc, [at, bad]) => acc.slice(0, at % (acc.length + 1)) + bad + acc.slice(at % (acc.length + 1)), text),
    );
  return fc.oneof(encoded, raw, spliced);
}

/** A body as bytes: a hostile form, sometimes with bytes that are not UTF-8 at all spliced in. */
export function hostileBody(vocabulary: readonly string[], base: Record<string, string>): fc.Arbitrary<Buffer> {
  const form = fc
    .tuple(fc.boolean(), hostileForm(vocabulary))
    .map(([withBase, text]) => (withBase ? [new URLSearchParams(base).toString(), text].filter(Boolean).join('&') : text));
  return fc.oneof(
    { weight: 4, arbitrary: form.map((text) => Buffer.from(text)) },
    {
      weight: 1,
      arbitrary: fc.tuple(form, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([text, at, bytes]) => {
        const utf8 = Buffer.from(text);
        const cut = at % (utf8.length + 1);
        return Buffer.concat([utf8.subarray(0, cut), Buffer.from(bytes), utf8.subarray(cut)]);
      }),
    },
  );
}

/** Form parameters as the app reads them from these bytes (WHATWG UTF-8 decoding, repeated keys kept): what to sign. */
export function formParamsOf(body: Uint8Array): WebhookParams {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(new TextDecoder().decode(body))) {
    const values = grouped.get(key);
    if (values) values.push(value);
    else grouped.set(key, [value]);
  }
  return Object.fromEntries([...grouped].map(([key, values]) => [key, values.length === 1 ? values[0] : values]));
}

/** Every element, depth first. */
function elements(node: TwimlNode): TwimlNode[] {
  return [node, ...node.children.flatMap(elements)];
}

/** What an injection got into the TwiML: an element, an attribute, or a verb holding nothing but an injected value. */
export function injectedParts(twiml: TwimlNode): string[] {
  return elements(twiml).flatMap((e) => [
    ...(e.name === INJECTED.element ? [`element <${e.name}>`] : []),
    ...Object.keys(e.attrs)
      .filter((a) => a === INJECTED.attribute)
      .map((a) => `attribute ${a} on <${e.name}>`),
    ...(e.text === INJECTED.number || e.text === INJECTED.url ? [`<${e.name}>${e.text}</${e.name}>`] : []),
  ]);
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

const STACK_TRACE = /\n\s+at |Error: |node_modules|\.ts:\d+|\.js:\d+/;

/**
 * Why an answer to hostile input is not acceptable, or undefined: it must be TwiML (200, text/xml, one <Response>
 * root, nothing injected unless `echoes`) or a clean 4xx (short plain text, no stack trace), never a secret.
 */
export function unacceptable(answer: Answer, options: { echoes?: boolean } = {}): string | undefined {
  const leaked = leakedSecrets(answer.body);
  if (leaked.length) return `the answer carries ${leaked.join(', ')}`;
  if (answer.status === 200) {
    if (!/^text\/xml\b/.test(answer.contentType)) return `200 with content-type ${answer.contentType}`;
    let twiml: TwimlNode;
    try {
      twiml = parseTwiml(answer.body);
    } catch (error) {
      return `200 that is not TwiML: ${(error as Error).message.slice(0, 300)}`;
    }
    const injected = options.echoes ? [] : injectedParts(twiml);
    return injected.length ? `injected ${injected.join(', ')}` : undefined;
  }
  if (answer.status >= 400 && answer.status < 500) {
    if (answer.body.length > 500) return `${answer.status} with a ${answer.body.length}-character body`;
    if (answer.body && !/^text\/plain\b/.test(answer.contentType)) return `${answer.status} with content-type ${answer.contentType}`;
    return STACK_TRACE.test(answer.body) ? `${answer.status} with a stack trace: ${answer.body}` : undefined;
  }
  return `status ${answer.status}: ${answer.body.slice(0, 300)}`;
}

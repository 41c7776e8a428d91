// Reads TwiML back into a tree so tests assert structure (verbs, attributes, nesting, order), not strings.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface TwimlNode {
  name: string;
  attrs: Record<string, string>;
  /** Text content, '' when none. */
  text: string;
  children: TwimlNode[];
}

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  ignoreDeclaration: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
});

function toNode(entry: Ordered): TwimlNode {
  const name = Object.keys(entry).find((k) => k !== ':@')!;
  const content = entry[name] as Ordered[];
  const children = content.filter((c) => !('#text' in c)).map(toNode);
  const text = content
    .filter((c) => '#text' in c)
    .map((c) => String(c['#text']))
    .join('');
  return { name, attrs: entry[':@'] ?? {}, text, children };
}

/** The <Response> element of a TwiML document; throws when the document is not well-formed. */
export function parseTwiml(xml: string): TwimlNode {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}\n${xml}`);
  const [root, ...others] = parser.parse(xml) as Ordered[];
  const node = toNode(root);
  if (node.name !== 'Response' || others.length) throw new Error(`expected one <Response> root:\n${xml}`);
  return node;
}

/** Verb names and text, one level deep, as a compact picture: ['Say: Hello', 'Hangup']. */
export function verbs(node: TwimlNode): string[] {
  return node.children.map((c) => (c.text ? `${c.name}: ${c.text}` : c.name));
}

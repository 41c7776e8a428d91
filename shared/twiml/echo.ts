import type { XMLParser } from 'fast-xml-parser';
import { first, type WebhookParams } from '../webhook/params';
import { TwimlInputError } from './parts/errors';

// Only echo needs an XML parser; loading it on first use keeps it (~9 ms) out of every cold start.
let xml: Promise<{ parser: XMLParser; validate: (text: string) => unknown }> | undefined;
function loadXml() {
  xml ??= import('fast-xml-parser').then(({ XMLParser, XMLValidator }) => ({
    parser: new XMLParser({ preserveOrder: true, ignoreDeclaration: true, ignorePiTags: true }),
    validate: (text: string) => XMLValidator.validate(text),
  }));
  return xml;
}
const PREDEFINED_ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/**
 * Well-formed XML whose one root element is <Response>. fast-xml-parser's validator lets a few malformed
 * documents through (several roots, text after the root, undefined entities), so those are checked here.
 * A DOCTYPE is refused: TwiML has none, and it is how entity tricks start.
 */
export async function isTwiml(text: string): Promise<boolean> {
  const { parser, validate } = await loadXml();
  if (/<!DOCTYPE/i.test(text) || PREDEFINED_ENTITY.test(text) || validate(text) !== true) return false;
  const withoutProlog = text.replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g, '').trim();
  if (!/^<Response[\s/>]/.test(withoutProlog) || !/(?:<\/Response\s*>|\/>)$/.test(withoutProlog)) return false;
  let parsed: Array<Record<string, unknown>>;
  try {
    parsed = parser.parse(text) as Array<Record<string, unknown>>;
  } catch {
    return false; // the validator passed it, but the parser refuses it (e.g. tags nested too deeply)
  }
  const roots = parsed.flatMap((node) => Object.keys(node));
  return roots.length === 1 && roots[0] === 'Response';
}

/** The echo twimlet: the Twiml parameter as it is, but only when it is TwiML. */
export async function echoTwiml(params: WebhookParams): Promise<string> {
  const twiml = first(params, 'Twiml') ?? '';
  if (!(await isTwiml(twiml))) throw new TwimlInputError('Twiml must be well-formed XML with a <Response> root element.');
  return twiml;
}

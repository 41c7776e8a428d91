import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { first, type WebhookParams } from '../params';
import { TwimlInputError } from './errors';

const parser = new XMLParser({ preserveOrder: true, ignoreDeclaration: true, ignorePiTags: true });
const PREDEFINED_ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/**
 * Well-formed XML whose one root element is <Response>. fast-xml-parser's validator lets a few malformed
 * documents through (several roots, text after the root, undefined entities), so those are checked here.
 * A DOCTYPE is refused: TwiML has none, and it is how entity tricks start.
 */
export function isTwiml(text: string): boolean {
  if (/<!DOCTYPE/i.test(text) || PREDEFINED_ENTITY.test(text) || XMLValidator.validate(text) !== true) return false;
  const withoutProlog = text.replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g, '').trim();
  if (!/^<Response[\s/>]/.test(withoutProlog) || !/(?:<\/Response\s*>|\/>)$/.test(withoutProlog)) return false;
  const roots = (parser.parse(text) as Array<Record<string, unknown>>).flatMap((node) => Object.keys(node));
  return roots.length === 1 && roots[0] === 'Response';
}

/** The echo twimlet: the Twiml parameter as it is, but only when it is TwiML. */
export function echoTwiml(params: WebhookParams): string {
  const twiml = first(params, 'Twiml') ?? '';
  if (!isTwiml(twiml)) throw new TwimlInputError('Twiml must be well-formed XML with a <Response> root element.');
  return twiml;
}

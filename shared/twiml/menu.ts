import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, keyed, type WebhookParams } from '../webhook/params';

import { memoizeTwiml } from './parts/memo';
import { TwimlInputError } from './parts/errors';
import { isTwilioUrl } from './parts/twimletParams';
import { pauseSeconds, speak, spoken, type Spoken, xmlSafe } from './parts/speech';

export interface Menu {
  /** Said or played inside the Gather. */
  message?: Spoken;
  /** Digits to the URL to redirect to. */
  options: ReadonlyMap<string, string>;
  /** Digits to the words a caller may say instead of pressing them. With any, the Gather listens for speech too. */
  keywords?: ReadonlyMap<string, readonly string[]>;
  /** What the caller pressed, on the request the Gather makes. */
  digits?: string;
  /** What the caller said (Twilio's SpeechResult), on the request the Gather makes. */
  speech?: string;
  /** Seconds of silence after the menu before it is repeated. */
  pause?: number;
}

/** Lower case, accents and punctuation gone, single spaces: "Sales, please!" → "sales please". */
function normalised(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The option whose keyword the caller said, as whole words: the one said first, and of keywords starting at the
 * same place the longest ("sales support" beats "sales"). Saying the option's digits counts too.
 */
export function optionSpoken(speech: string, keywords: ReadonlyMap<string, readonly string[]>): string | undefined {
  const said = ` ${normalised(speech)} `;
  if (said.trim() === '') return undefined;
  let best: { digits: string; at: number; length: number } | undefined;
  for (const [digits, words] of keywords) {
    for (const word of [digits, ...words]) {
      const phrase = normalised(word);
      if (!phrase) continue;
      const at = said.indexOf(` ${phrase} `);
      if (at < 0) continue;
      if (!best || at < best.at || (at === best.at && phrase.length > best.length)) best = { digits, at, length: phrase.length };
    }
  }
  return best?.digits;
}

/**
 * A digit (and speech) menu: a Gather around the message, then an optional Pause, then an empty Redirect (the
 * same URL again) when nothing is chosen. The Gather has no action, so the answer comes back to this same URL.
 */
function buildMenu({ message, options, keywords, digits, speech, pause }: Menu): string {
  const response = new VoiceResponse();
  const listening = keywords !== undefined && [...keywords.values()].some((words) => words.length > 0);
  if (digits || speech) {
    const chosen = digits || (listening ? optionSpoken(speech ?? '', keywords) : undefined);
    const target = chosen ? options.get(chosen) : undefined;
    if (target) {
      response.redirect(xmlSafe(target));
      return response.toString();
    }
    response.say("I'm sorry, that wasn't a valid option.");
  }
  // A loop, not Math.max(...keys): spreading a hostile request's hundred thousand options overflows the stack.
  let numDigits = 1;
  for (const key of options.keys()) numDigits = Math.max(numDigits, key.length);
  const hints = listening ? [...new Set([...keywords.values()].flat().map((w) => xmlSafe(w).trim()))].filter(Boolean).join(', ') : '';
  const gather = response.gather(listening ? { numDigits, input: ['dtmf', 'speech'], hints, speechTimeout: 'auto' } : { numDigits });
  if (message) speak(gather, message);
  if (pause) response.pause({ length: pause });
  response.redirect('');
  return response.toString();
}

/** The menu's TwiML depends on nothing but these inputs, so repeats come from memory. */
export const menuResponse = memoizeTwiml(buildMenu, ({ message, options, keywords, digits, speech, pause }: Menu) =>
  JSON.stringify([message, [...options], keywords ? [...keywords] : 0, digits, speech, pause]),
);

/** Keywords[<digits>]=sales, buying: comma-separated words per option. */
function keywordsParam(params: WebhookParams): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [digits, value] of keyed(params, 'Keywords')) {
    out.set(
      digits,
      value
        .split(',')
        .map((w) => w.trim())
        .filter(Boolean),
    );
  }
  return out;
}

/** The menu twimlet: Message, Options[<digits>]=<URL> (an option that is not a URL is a bad request), and our additions
 * Keywords[<digits>]=<words> and Pause=<seconds>. */
export function menuTwiml(params: WebhookParams): string {
  const options = keyed(params, 'Options');
  for (const [digits, target] of options) {
    if (!isTwilioUrl(xmlSafe(target).trim())) {
      throw new TwimlInputError(`Options[${digits}] must be an http(s) URL or a path starting with /, e.g. https://example.com/sales.xml.`);
    }
  }
  const keywords = keywordsParam(params);
  return menuResponse({
    message: spoken(first(params, 'Message') ?? ''),
    options,
    keywords: keywords.size ? keywords : undefined,
    digits: first(params, 'Digits'),
    speech: first(params, 'SpeechResult'),
    pause: pauseSeconds(first(params, 'Pause')),
  });
}

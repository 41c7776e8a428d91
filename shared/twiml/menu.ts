import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, keyed, type WebhookParams } from '../webhook/params';

import { memoizeTwiml } from './parts/memo';
import { TwimlInputError } from './parts/errors';
import { isTwilioUrl } from './parts/twimletParams';
import { speak, spoken, type Spoken, xmlSafe } from './parts/speech';

export interface Menu {
  /** Said or played inside the Gather. */
  message?: Spoken;
  /** Digits to the URL to redirect to. */
  options: ReadonlyMap<string, string>;
  /** What the caller pressed, on the request the Gather makes. */
  digits?: string;
}

/**
 * A digit menu: a Gather around the message, then an empty Redirect (the same URL again) when nothing is
 * pressed. The Gather has no action, so the digits come back to this same URL.
 */
function buildMenu({ message, options, digits }: Menu): string {
  const response = new VoiceResponse();
  if (digits) {
    const target = options.get(digits);
    if (target) {
      response.redirect(xmlSafe(target));
      return response.toString();
    }
    response.say("I'm sorry, that wasn't a valid option.");
  }
  // A loop, not Math.max(...keys): spreading a hostile request's hundred thousand options overflows the stack.
  let numDigits = 1;
  for (const key of options.keys()) numDigits = Math.max(numDigits, key.length);
  const gather = response.gather({ numDigits });
  if (message) speak(gather, message);
  response.redirect('');
  return response.toString();
}

/** The menu's TwiML depends on nothing but these inputs, so repeats come from memory. */
export const menuResponse = memoizeTwiml(buildMenu, ({ message, options, digits }: Menu) =>
  JSON.stringify([message, [...options], digits]),
);

/** The menu twimlet: Message and Options[<digits>]=<URL>; an option that is not a URL is a bad request. */
export function menuTwiml(params: WebhookParams): string {
  const options = keyed(params, 'Options');
  for (const [digits, target] of options) {
    if (!isTwilioUrl(xmlSafe(target).trim())) {
      throw new TwimlInputError(`Options[${digits}] must be an http(s) URL or a path starting with /, e.g. https://example.com/sales.xml.`);
    }
  }
  return menuResponse({
    message: spoken(first(params, 'Message') ?? ''),
    options,
    digits: first(params, 'Digits'),
  });
}

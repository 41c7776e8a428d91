import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, list, type WebhookParams } from '../webhook/params';
import { sameNumber } from '../phone';
import { dialActionUrl, dialTwimlet } from './parts/dialling';
import { TwimlInputError } from './parts/errors';
import { textParam, timeoutParam } from './parts/twimletParams';

/** AllowedCallers passes a call when the caller's or the called number matches one of them, digits only. */
function callerAllowed(params: WebhookParams, allowed: string[]): boolean {
  const numbers = ['From', 'Caller', 'To', 'Called'].map((name) => first(params, name) ?? '');
  return allowed.some((a) => numbers.some((n) => sameNumber(a, n)));
}

/** The forward twimlet: dials PhoneNumber, optionally only for AllowedCallers; FailUrl when nobody answers. */
export function forwardTwiml(params: WebhookParams, url: URL): string {
  return dialTwimlet(params, (response: VoiceResponse) => {
    const phoneNumber = textParam(params, 'PhoneNumber');
    if (!phoneNumber) throw new TwimlInputError('PhoneNumber is required.');
    const allowed = list(params, 'AllowedCallers').filter((a) => a.trim());
    if (allowed.length && !callerAllowed(params, allowed)) {
      response.say('Sorry, you are calling from a restricted number. Good bye.');
      return;
    }
    const callerId = textParam(params, 'CallerId');
    response.dial(
      {
        action: dialActionUrl(url, { FailUrl: textParam(params, 'FailUrl') }),
        timeout: timeoutParam(params, 20),
        ...(callerId ? { callerId } : {}),
      },
      phoneNumber,
    );
  });
}

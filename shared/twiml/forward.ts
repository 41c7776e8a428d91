import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, list, type WebhookParams } from '../webhook/params';
import { sameNumber } from '../phone';
import { dialActionUrl, dialNoun, dialTwimlet } from './parts/dialling';
import { TwimlInputError } from './parts/errors';
import { dialTarget, dialTargetParam, dialTargetText, timeoutParam, urlParam } from './parts/twimletParams';
import { memoizeByReads } from './parts/readsMemo';

/** AllowedCallers passes a call when the caller's or the called number matches one of them, on their digits. */
function callerAllowed(params: WebhookParams, allowed: string[]): boolean {
  const numbers = ['From', 'Caller', 'To', 'Called'].map((name) => first(params, name) ?? '');
  return allowed.some((a) => numbers.some((n) => sameNumber(a, n)));
}

/** The forward twimlet: dials PhoneNumber, optionally only for AllowedCallers; FailUrl when nobody answers. */
export function buildForward(params: WebhookParams, url: URL): string {
  return dialTwimlet(params, (response: VoiceResponse) => {
    const raw = first(params, 'PhoneNumber');
    if (raw === undefined || !raw.trim()) throw new TwimlInputError('PhoneNumber is required.');
    const target = dialTarget(raw, 'PhoneNumber');
    const callerId = dialTargetParam(params, 'CallerId');
    const attributes = {
      action: dialActionUrl(url, { FailUrl: urlParam(params, 'FailUrl') }),
      timeout: timeoutParam(params, 20),
      ...(callerId ? { callerId: dialTargetText(callerId) } : {}),
    };
    const allowed = list(params, 'AllowedCallers').filter((a) => a.trim());
    if (allowed.length && !callerAllowed(params, allowed)) {
      response.say('Sorry, you are calling from a restricted number. Good bye.');
      return;
    }
    // A number stays the Dial's text, as twimlets.com answered; SIP and client addresses need their noun.
    if (target.kind === 'number') response.dial(attributes, target.number);
    else dialNoun(response.dial(attributes), target);
  });
}

/** Repeats (the same URL, and the same values in every parameter the builder reads) come from memory. */
export const forwardTwiml = memoizeByReads(buildForward);

import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, type WebhookParams } from '../webhook/params';
import { digitsOf } from '../phone';

import { speak, spoken } from './parts/speech';
import { flagParam } from './parts/twimletParams';

/** "4. 1. 5. ...": the caller's number read digit by digit. */
function defaultWhisper(caller: string | undefined): string {
  const digits = digitsOf(caller ?? '');
  const from = digits ? ` from ${digits.split('').join('. ')}` : '';
  return `You are receiving a call${from}. Press any key to accept.`;
}

/**
 * The whisper twimlet, heard by the person being called: a key press accepts (the empty answer connects the
 * call); Digits present but empty hangs up. With HumanCheck a Hangup follows the Gather, so an answering machine cannot accept.
 */
export function whisperTwiml(params: WebhookParams): string {
  const response = new VoiceResponse();
  const digits = first(params, 'Digits');
  if (digits !== undefined) {
    // Present but empty: the Gather ended without a key press, so the call is not accepted.
    if (!digits.trim()) response.hangup();
    return response.toString();
  }
  const gather = response.gather({ numDigits: 1 });
  const message = spoken(first(params, 'Message') ?? '');
  if (message) speak(gather, message);
  else gather.say(defaultWhisper(first(params, 'From') || first(params, 'Caller')));
  if (flagParam(params, 'HumanCheck')) response.hangup();
  return response.toString();
}

import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { type WebhookParams } from '../webhook/params';
import { dialActionUrl, dialAnswered, endOfDial, isDialAction, whisperUrl } from './parts/dialling';
import { TwimlInputError } from './parts/errors';
import { phoneNumbers, textParam, timeoutParam } from './parts/twimletParams';

export const FINDME_MAX_NUMBERS = 10;

/**
 * The findme twimlet: rings the numbers one at a time, each with a whisper that needs a key press (so voicemail
 * cannot take the call). Each Dial action carries the numbers not yet tried; when they run out, FailUrl.
 */
export function findmeTwiml(params: WebhookParams, url: URL): string {
  const response = new VoiceResponse();
  const dialAction = isDialAction(params);
  // The original kept numbers 11 and on instead of the first 10.
  const numbers = phoneNumbers(params).slice(0, FINDME_MAX_NUMBERS);
  if (!dialAction && !numbers.length) throw new TwimlInputError('PhoneNumbers is required, e.g. PhoneNumbers[0]=+14155550100.');
  const [next, ...rest] = numbers;
  if ((dialAction && dialAnswered(params)) || next === undefined) {
    endOfDial(response, params);
    return response.toString();
  }
  const message = textParam(params, 'Message');
  const timeout = timeoutParam(params, 60);
  const action = dialActionUrl(url, {
    PhoneNumbers: rest,
    FailUrl: textParam(params, 'FailUrl'),
    Timeout: String(timeout),
    Message: message,
  });
  response.dial({ action, timeout }).number({ url: whisperUrl(url, { message, humanCheck: true }) }, next);
  return response.toString();
}

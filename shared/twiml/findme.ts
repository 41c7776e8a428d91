import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { type WebhookParams } from '../webhook/params';
import { dialActionUrl, dialAnswered, dialNoun, endOfDial, isDialAction, whisperUrl } from './parts/dialling';
import { dialTargetText, phoneNumbers, rawTimeoutParam, textParam, urlParam } from './parts/twimletParams';
import { memoizeByReads } from './parts/readsMemo';

export const FINDME_MAX_NUMBERS = 10;

/**
 * The findme twimlet: rings the numbers one at a time, each with a whisper that needs a key press (so voicemail
 * cannot take the call). Each Dial action carries the numbers not yet tried; when they run out (or none were
 * given), FailUrl or hang up, as twimlets.com does: a 400 would make Twilio play an application error.
 */
export function buildFindme(params: WebhookParams, url: URL): string {
  const response = new VoiceResponse();
  // The original kept numbers 11 and on instead of the first 10.
  const [next, ...rest] = phoneNumbers(params, FINDME_MAX_NUMBERS);
  const failUrl = urlParam(params, 'FailUrl');
  // Carried as the caller wrote it: an absent Timeout stays absent, and the default applies where it is read.
  const timeout = rawTimeoutParam(params);
  if ((isDialAction(params) && dialAnswered(params)) || next === undefined) {
    endOfDial(response, params);
    return response.toString();
  }
  const message = textParam(params, 'Message');
  const action = dialActionUrl(url, { PhoneNumbers: rest.map(dialTargetText), FailUrl: failUrl, Timeout: timeout, Message: message });
  const dial = response.dial({ action, timeout: timeout === undefined ? 60 : Number(timeout) });
  dialNoun(dial, next, { url: whisperUrl(url, { message, humanCheck: true }) });
  return response.toString();
}

/** Repeats (the same URL, and the same values in every parameter the builder reads) come from memory. */
export const findmeTwiml = memoizeByReads(buildFindme);

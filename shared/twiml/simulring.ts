import { type WebhookParams } from '../webhook/params';
import { dialActionUrl, dialNoun, dialTwimlet, endOfDial, whisperUrl } from './parts/dialling';
import { phoneNumbers, textParam, timeoutParam, urlParam } from './parts/twimletParams';
import { memoizeByReads } from './parts/readsMemo';

/**
 * The simulring twimlet: rings every number at once, each with a whisper; FailUrl when nobody accepts. With no
 * numbers it ends as an unanswered Dial does (FailUrl, or hang up), so the caller hears no application error.
 */
export function buildSimulring(params: WebhookParams, url: URL): string {
  return dialTwimlet(params, (response) => {
    const numbers = phoneNumbers(params);
    const failUrl = urlParam(params, 'FailUrl');
    const timeout = timeoutParam(params, 20);
    if (!numbers.length) {
      endOfDial(response, params);
      return;
    }
    const dial = response.dial({ action: dialActionUrl(url, { FailUrl: failUrl }), timeout });
    const whisper = whisperUrl(url, { message: textParam(params, 'Message') });
    for (const number of numbers) dialNoun(dial, number, { url: whisper });
  });
}

/** Repeats (the same URL, and the same values in every parameter the builder reads) come from memory. */
export const simulringTwiml = memoizeByReads(buildSimulring);

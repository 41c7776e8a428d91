import { first, type WebhookParams } from '../webhook/params';
import { dialActionUrl, dialNoun, dialTwimlet, whisperUrl } from './parts/dialling';
import { TwimlInputError } from './parts/errors';
import { dialTarget, textParam, timeoutParam, urlParam } from './parts/twimletParams';
import { memoizeByReads } from './parts/readsMemo';

/** The callme twimlet: dials PhoneNumber with a whisper; FailUrl when nobody accepts. */
export function buildCallme(params: WebhookParams, url: URL): string {
  return dialTwimlet(params, (response) => {
    const raw = first(params, 'PhoneNumber');
    if (raw === undefined || !raw.trim()) throw new TwimlInputError('PhoneNumber is required.');
    const target = dialTarget(raw, 'PhoneNumber');
    const dial = response.dial({ action: dialActionUrl(url, { FailUrl: urlParam(params, 'FailUrl') }), timeout: timeoutParam(params, 20) });
    dialNoun(dial, target, { url: whisperUrl(url, { message: textParam(params, 'Message') }) });
  });
}

/** Repeats (the same URL, and the same values in every parameter the builder reads) come from memory. */
export const callmeTwiml = memoizeByReads(buildCallme);

import { type WebhookParams } from '../webhook/params';
import { dialActionUrl, dialTwimlet, whisperUrl } from './parts/dialling';
import { TwimlInputError } from './parts/errors';
import { phoneNumbers, textParam, timeoutParam } from './parts/twimletParams';

/** The simulring twimlet: rings every number at once, each with a whisper; FailUrl when nobody accepts. */
export function simulringTwiml(params: WebhookParams, url: URL): string {
  return dialTwimlet(params, (response) => {
    const numbers = phoneNumbers(params);
    if (!numbers.length) throw new TwimlInputError('PhoneNumbers is required, e.g. PhoneNumbers[0]=+14155550100.');
    const dial = response.dial({
      action: dialActionUrl(url, { FailUrl: textParam(params, 'FailUrl') }),
      timeout: timeoutParam(params, 20),
    });
    const whisper = whisperUrl(url, { message: textParam(params, 'Message') });
    for (const number of numbers) dial.number({ url: whisper }, number);
  });
}

import { type WebhookParams } from '../webhook/params';
import { dialActionUrl, dialTwimlet, whisperUrl } from './parts/dialling';
import { TwimlInputError } from './parts/errors';
import { textParam, timeoutParam } from './parts/twimletParams';

/** The callme twimlet: dials PhoneNumber with a whisper; FailUrl when nobody accepts. */
export function callmeTwiml(params: WebhookParams, url: URL): string {
  return dialTwimlet(params, (response) => {
    const phoneNumber = textParam(params, 'PhoneNumber');
    if (!phoneNumber) throw new TwimlInputError('PhoneNumber is required.');
    response
      .dial({ action: dialActionUrl(url, { FailUrl: textParam(params, 'FailUrl') }), timeout: timeoutParam(params, 20) })
      .number({ url: whisperUrl(url, { message: textParam(params, 'Message') }) }, phoneNumber);
  });
}

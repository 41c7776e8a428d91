// Webhook requests for calling a function's handler in process (the @azure/functions HttpRequest it is given),
// as Twilio makes them. Apart from harness/twilioRequests.ts, which benchmark children load without the SDK.
import { HttpRequest } from '@azure/functions';
import type { WebhookParams } from '../shared/webhook/params';
import { formBody, sign } from './twilioRequests';

/** A POST as Twilio makes it, signed for `url`. */
export function signedWebhookRequest(authToken: string, url: string, params: WebhookParams): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(authToken, url, params) },
    body: { string: formBody(params) },
  });
}

import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, list, type WebhookParams } from '../webhook/params';
import { pauseSeconds, speak, spoken } from './parts/speech';

/** The message twimlet: each Message value, in order, played or said; with Pause=<seconds>, that much silence between them. */
export function messageTwiml(params: WebhookParams): string {
  const response = new VoiceResponse();
  const pause = pauseSeconds(first(params, 'Pause'));
  let said = false;
  for (const value of list(params, 'Message')) {
    const item = spoken(value);
    if (!item) continue;
    if (said && pause) response.pause({ length: pause });
    speak(response, item);
    said = true;
  }
  return response.toString();
}

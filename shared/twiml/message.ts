import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { list, type WebhookParams } from '../webhook/params';
import { speak, spoken } from './parts/speech';

/** The message twimlet: each Message value, in order, played or said. */
export function messageTwiml(params: WebhookParams): string {
  const response = new VoiceResponse();
  for (const value of list(params, 'Message')) {
    const item = spoken(value);
    if (item) speak(response, item);
  }
  return response.toString();
}

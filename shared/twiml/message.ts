import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { list, type WebhookParams } from '../webhook/params';
import { spoken, type Spoken } from './parts/speech';

/** Adds a play-or-say verb to a voice response (or to a Gather inside one). */
export function speak(target: Pick<VoiceResponse, 'play' | 'say'>, item: Spoken): void {
  if (item.kind === 'play') target.play(item.url);
  else target.say(item.text);
}

/** The message twimlet: each Message value, in order, played or said. */
export function messageTwiml(params: WebhookParams): string {
  const response = new VoiceResponse();
  for (const value of list(params, 'Message')) {
    const item = spoken(value);
    if (item) speak(response, item);
  }
  return response.toString();
}

import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, list, type WebhookParams } from '../webhook/params';
import { sameNumber } from '../phone';

import { TwimlInputError } from './parts/errors';

import { speak, spoken } from './parts/speech';
import { textParam } from './parts/twimletParams';

const DEFAULT_MESSAGE = 'You are now entering the conference line.';

/**
 * The conference twimlet: an optional pass code (asked for until it matches), a message, then the conference.
 * With Moderators, only a moderator starts it; everyone else waits, hearing Music when it is a URL.
 */
export function conferenceTwiml(params: WebhookParams): string {
  const name = textParam(params, 'Name');
  if (!name) throw new TwimlInputError('Name is required.');
  const response = new VoiceResponse();
  const password = textParam(params, 'Password');
  if (password !== undefined && !/^\d+$/.test(password)) throw new TwimlInputError('Password must be digits.');
  if (password !== undefined && first(params, 'Digits') !== password) {
    response.gather({ numDigits: password.length }).say('Please enter your conference pass code');
    return response.toString();
  }
  speak(response, spoken(first(params, 'Message') ?? '') ?? { kind: 'say', text: DEFAULT_MESSAGE });
  const music = textParam(params, 'Music');
  const moderators = list(params, 'Moderators').filter((m) => m.trim());
  const caller = first(params, 'From') || first(params, 'Caller') || '';
  response.dial().conference(
    {
      // The original also took hold-music genre names, served by its holdmusic twimlet; only URLs are kept.
      ...(music && /^https?:\/\//i.test(music) ? { waitUrl: music } : {}),
      ...(moderators.length ? { startConferenceOnEnter: moderators.some((m) => sameNumber(m, caller)) } : {}),
    },
    name,
  );
  return response.toString();
}

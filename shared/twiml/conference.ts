import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, list, type WebhookParams } from '../webhook/params';
import { sameNumber } from '../phone';

import { TwimlInputError } from './parts/errors';

import { speak, spoken } from './parts/speech';
import { isTwilioUrl, textParam } from './parts/twimletParams';

const DEFAULT_MESSAGE = 'You are now entering the conference line.';

/**
 * The hold-music genres the original served from its holdmusic twimlet. Accepted for compatibility; Twilio's
 * default hold music plays instead.
 */
export const HOLD_MUSIC_GENRES = ['ambient', 'classical', 'electronica', 'guitars', 'rock', 'soft-rock'];

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
  const musicUrl = music && /^https?:\/\//i.test(music) && isTwilioUrl(music) ? music : undefined;
  if (music && !musicUrl && !HOLD_MUSIC_GENRES.includes(music.toLowerCase())) {
    throw new TwimlInputError(`Music must be an http(s) URL or one of the twimlets.com genres (${HOLD_MUSIC_GENRES.join(', ')}).`);
  }
  const moderators = list(params, 'Moderators').filter((m) => m.trim());
  const caller = first(params, 'From') || first(params, 'Caller') || '';
  response.dial().conference(
    {
      ...(musicUrl ? { waitUrl: musicUrl } : {}),
      ...(moderators.length ? { startConferenceOnEnter: moderators.some((m) => sameNumber(m, caller)) } : {}),
    },
    name,
  );
  return response.toString();
}

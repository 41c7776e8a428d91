// Greetings and hold music kept in the app's private blob container (AUDIO_CONTAINER), named in settings as
// audio:<file> and served to Twilio by the audio function (/api/audio/<file>). Pure: no I/O.
import { ROUTE_PREFIX, ROUTES } from '../platform/routes';

export const AUDIO_PREFIX = 'audio:';

/** The formats Twilio's <Play> takes, by extension. */
const CONTENT_TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  aif: 'audio/aiff',
  aiff: 'audio/aiff',
  gsm: 'audio/x-gsm',
  ulaw: 'audio/basic',
};

/** A flat file name with a known audio extension: no folders, no dots in front, nothing to escape. */
const AUDIO_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}(\.[A-Za-z0-9_-]{1,20})*\.([A-Za-z0-9]{2,4})$/;

export function isAudioName(name: string): boolean {
  const match = AUDIO_NAME.exec(name);
  return match !== null && match[2].toLowerCase() in CONTENT_TYPES;
}

export function audioContentType(name: string): string {
  return CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';
}

/** The file's URL on this app, next to the function Twilio called (so the host and a WEBHOOK_BASE_URL carry over). */
export function audioUrl(current: URL, name: string): string {
  const base = current.pathname.replace(new RegExp(`/${ROUTE_PREFIX}/.*$`), '');
  return `${current.origin}${base}/${ROUTE_PREFIX}/${ROUTES.audio.replace('{name}', encodeURIComponent(name))}`;
}

/** An audio:<file> reference's file name, or undefined for anything else. */
export function audioRef(value: string): string | undefined {
  if (!value.startsWith(AUDIO_PREFIX)) return undefined;
  const name = value.slice(AUDIO_PREFIX.length);
  return isAudioName(name) ? name : undefined;
}

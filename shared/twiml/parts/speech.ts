import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { audioRef, audioUrl } from '../../audio/audioNames';

// XML 1.0 cannot carry most C0 control characters, lone surrogates or U+FFFE/U+FFFF; the TwiML builder
// throws on them. Caller-supplied text is cleaned here so a hostile parameter gets TwiML, not a 500.
// eslint-disable-next-line no-control-regex -- the pattern names the control characters XML allows
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlSafe(text: string): string {
  return text.replace(NOT_XML_CHAR, '');
}

/** A twimlet message value: trimmed; http(s) URLs are played, anything else non-empty is said. */
export type Spoken = { kind: 'play'; url: string } | { kind: 'say'; text: string };

export function spoken(value: string): Spoken | undefined {
  const text = xmlSafe(value).trim();
  if (!text) return undefined;
  return /^http/i.test(text) ? { kind: 'play', url: text } : { kind: 'say', text };
}

/** Adds a play-or-say verb to a voice response (or to a Gather inside one). */
export function speak(target: Pick<VoiceResponse, 'play' | 'say'>, item: Spoken): void {
  if (item.kind === 'play') target.play(item.url);
  else target.say(item.text);
}

/** Like spoken(), and audio:<file> plays that file of AUDIO_CONTAINER through this app's audio function. */
export function spokenAt(value: string, current: URL): Spoken | undefined {
  const name = audioRef(value.trim());
  return name ? { kind: 'play', url: audioUrl(current, name) } : spoken(value);
}

/** Twimlets' Pause: whole seconds of silence, 1 to 60, else none. */
export function pauseSeconds(value: string | undefined): number | undefined {
  const seconds = Number(value);
  return Number.isInteger(seconds) && seconds >= 1 && seconds <= 60 ? seconds : undefined;
}

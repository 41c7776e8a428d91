import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, type WebhookParams } from '../webhook/params';
import { digitsOf, isAnonymousCaller, isE164 } from '../phone';
import type { VoiceSettings } from '../platform/settings';
import type { CallRoute, VoiceMode } from './voiceModes';
import { isOpen } from '../hours/businessHours';

import { menuResponse } from './menu';
import { speak, spokenAt, type Spoken } from './parts/speech';
import { appUrl } from './parts/appUrls';
import { DEFAULT_VOICEMAIL_PROMPT, recordVoicemail } from './voicemail';
import { ROUTES } from '../platform/routes';
import { ringBrowsers } from '../calling/ringBrowsers';
import { memoizeTwiml } from './parts/memo';
import { gatherTwiml } from '../assistant/turnTwiml';

/** Calls to refuse before anything is said: a VOICE_BLOCKLIST caller, or no caller ID with VOICE_REJECT_ANONYMOUS. */
export function callRefused(params: WebhookParams, voice: Pick<VoiceSettings, 'blocklist' | 'rejectAnonymous'>): boolean {
  const from = first(params, 'From') ?? first(params, 'Caller');
  if (voice.rejectAnonymous && isAnonymousCaller(from)) return true;
  if (!voice.blocklist.length || !from) return false;
  const digits = digitsOf(from);
  return digits !== '' && voice.blocklist.includes(digits);
}

/** What the call gets: refused, or the open (VOICE_MODE) or closed (VOICE_CLOSED_MODE) answer. */
export function callDecision(
  params: WebhookParams,
  voice: VoiceSettings,
  now?: Date,
): { refused: boolean; open: boolean; mode: VoiceMode } {
  const refused = callRefused(params, voice);
  const open = !refused && (!voice.hours || isOpen(voice.hours, now ?? new Date()));
  return { refused, open, mode: open ? voice.mode : voice.closedMode };
}

/**
 * The number's incoming-call webhook, configured by settings. A blocked caller gets <Reject> (no greeting, no
 * charge). Inside VOICE_HOURS (always, without hours) the greeting, then per VOICE_MODE nothing more (message), a
 * forward, voicemail, a menu or the call queue; outside them and on VOICE_HOLIDAYS the same for VOICE_CLOSED_MODE
 * after VOICE_CLOSED_GREETING. Forwarding, voicemail and the queue go through their own functions, so their
 * follow-up requests are handled there; an unanswered forward or queue falls back to voicemail when
 * VOICEMAIL_NOTIFY is set.
 */
export function voiceTwiml(params: WebhookParams, options: { url: URL; voice: VoiceSettings; now?: Date }): string {
  return answerCall(params, options).twiml;
}

/** The answer to a call, and how it was routed: the mode in force (VOICE_MODE when open, VOICE_CLOSED_MODE when closed) or rejected. */
export function answerCall(
  params: WebhookParams,
  options: { url: URL; voice: VoiceSettings; now?: Date },
): { twiml: string; route: CallRoute } {
  const { url, voice } = options;
  const { refused, open } = callDecision(params, voice, options.now);
  const menuInput = voice.mode === 'menu' || voice.closedMode === 'menu';
  const twiml = answersFor(voice)(
    url,
    refused,
    open,
    menuInput ? first(params, 'Digits') : undefined,
    menuInput ? first(params, 'SpeechResult') : undefined,
  );
  return { twiml, route: refused ? 'rejected' : open ? voice.mode : voice.closedMode };
}

/**
 * Every call to the number requests the same URL, and past the caller checks its answer depends only on the
 * settings, whether the line is open, and a menu's Digits or SpeechResult: repeats come from memory, per settings.
 */
const answers = new WeakMap<VoiceSettings, (url: URL, refused: boolean, open: boolean, digits?: string, speech?: string) => string>();

function answersFor(voice: VoiceSettings) {
  let answer = answers.get(voice);
  if (!answer) {
    answer = memoizeTwiml(
      (url: URL, refused: boolean, open: boolean, digits?: string, speech?: string) =>
        buildVoiceTwiml(voice, url, refused, open, digits, speech),
      (url, refused, open, digits, speech) => JSON.stringify([url.href, refused, open, digits, speech]),
    );
    answers.set(voice, answer);
  }
  return answer;
}

function buildVoiceTwiml(voice: VoiceSettings, url: URL, refused: boolean, open: boolean, digits?: string, speech?: string): string {
  if (refused) {
    const response = new VoiceResponse();
    response.reject();
    return response.toString();
  }
  const mode: VoiceMode = open ? voice.mode : voice.closedMode;
  const greeting = spokenAt(open ? voice.greeting : voice.closedGreeting, url);
  // Built only in the modes that need them: this runs on every incoming call.
  const voicemailUrl = () => (voice.voicemailNotify ? appUrl(url, {}, { function: ROUTES.voicemail }) : undefined);
  const forwardUrl = (number: string) => appUrl(url, { PhoneNumber: number, FailUrl: voicemailUrl() }, { function: ROUTES.forward });

  if (mode === 'menu') {
    const entries = Object.entries(voice.menuOptions ?? {});
    const options = new Map(entries.map(([digits, option]) => [digits, isE164(option.to) ? forwardUrl(option.to) : option.to]));
    const keywords = entries.some(([, option]) => option.keywords.length)
      ? new Map(entries.map(([digits, option]) => [digits, option.keywords]))
      : undefined;
    return menuResponse({ message: greeting, options, keywords, digits, speech });
  }
  const response = new VoiceResponse();
  if (mode === 'voicemail') {
    recordVoicemail(response, {
      prompts: [greeting, DEFAULT_VOICEMAIL_PROMPT].filter((p): p is Spoken => p !== undefined),
      transcribe: true,
      callbackUrl: appUrl(url, {}, { function: ROUTES.voicemail }),
    });
    return response.toString();
  }
  // The assistant: the greeting inside a speech Gather whose action is its first turn.
  if (mode === 'assistant') return gatherTwiml(greeting, { url, nextTurn: 1, config: voice.assistantSpeech });
  if (greeting) speak(response, greeting);
  if (mode === 'forward' && voice.forwardTo) response.redirect(forwardUrl(voice.forwardTo));
  else if (mode === 'queue') {
    const { name, maxWaitSeconds, holdMusic } = voice.queue;
    response.redirect(
      appUrl(url, { Name: name, MaxWait: String(maxWaitSeconds), Music: holdMusic, FailUrl: voicemailUrl() }, { function: ROUTES.queue }),
    );
  } else if (mode === 'client') {
    const actionUrl = appUrl(
      url,
      { Dial: 'true', FailUrl: voice.voicemailNotify ? voicemailUrl() : undefined },
      { function: ROUTES.forward },
    );
    ringBrowsers(response, { identities: voice.clientIdentities, actionUrl });
  } else response.hangup();
  return response.toString();
}

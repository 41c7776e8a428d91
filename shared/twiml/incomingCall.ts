import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, type WebhookParams } from '../webhook/params';
import { digitsOf, isAnonymousCaller, isE164 } from '../phone';
import type { VoiceMode, VoiceSettings } from '../platform/settings';
import { isOpen } from '../hours/businessHours';

import { menuResponse } from './menu';
import { speak, spokenAt, type Spoken } from './parts/speech';
import { appUrl } from './parts/appUrls';
import { DEFAULT_VOICEMAIL_PROMPT, recordVoicemail } from './voicemail';
import { ROUTES } from '../platform/routes';
import { ringBrowsers } from '../calling/ringBrowsers';

/** Calls to refuse before anything is said: a VOICE_BLOCKLIST caller, or no caller ID with VOICE_REJECT_ANONYMOUS. */
export function callRefused(params: WebhookParams, voice: Pick<VoiceSettings, 'blocklist' | 'rejectAnonymous'>): boolean {
  const from = first(params, 'From') ?? first(params, 'Caller');
  if (voice.rejectAnonymous && isAnonymousCaller(from)) return true;
  if (!voice.blocklist.length || !from) return false;
  const digits = digitsOf(from);
  return digits !== '' && voice.blocklist.includes(digits);
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
  const { url, voice } = options;
  if (callRefused(params, voice)) {
    const response = new VoiceResponse();
    response.reject();
    return response.toString();
  }
  const open = !voice.hours || isOpen(voice.hours, options.now ?? new Date());
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
    return menuResponse({ message: greeting, options, keywords, digits: first(params, 'Digits'), speech: first(params, 'SpeechResult') });
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

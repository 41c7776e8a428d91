import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, type WebhookParams } from '../webhook/params';
import { isE164 } from '../phone';
import type { VoiceSettings } from '../platform/settings';

import { menuResponse } from './menu';
import { speak, spoken } from './parts/speech';
import { appUrl } from './parts/appUrls';
import { DEFAULT_VOICEMAIL_PROMPT, recordVoicemail } from './voicemail';
import { ROUTES } from '../platform/routes';
import { ringBrowsers } from '../calling/ringBrowsers';

/**
 * The number's incoming-call webhook, configured by settings: the greeting, then per VOICE_MODE nothing more
 * (message), a forward, voicemail, or a digit menu. Forwarding and voicemail go through the forward and
 * voicemail functions, so their follow-up requests (Dial action, Record action) are handled there; an
 * unanswered forward falls back to voicemail when VOICEMAIL_NOTIFY is set.
 */
export function voiceTwiml(params: WebhookParams, options: { url: URL; voice: VoiceSettings }): string {
  const { url, voice } = options;
  const greeting = spoken(voice.greeting);
  // Built only in the modes that need them: this runs on every incoming call.
  const voicemailUrl = () => appUrl(url, {}, { function: ROUTES.voicemail });
  const forwardUrl = (number: string) =>
    appUrl(url, { PhoneNumber: number, FailUrl: voice.voicemailNotify ? voicemailUrl() : undefined }, { function: ROUTES.forward });

  if (voice.mode === 'menu') {
    const options = new Map(
      Object.entries(voice.menuOptions ?? {}).map(([digits, target]) => [digits, isE164(target) ? forwardUrl(target) : target]),
    );
    return menuResponse({ message: greeting, options, digits: first(params, 'Digits') });
  }
  const response = new VoiceResponse();
  if (voice.mode === 'voicemail') {
    recordVoicemail(response, {
      prompts: [greeting, DEFAULT_VOICEMAIL_PROMPT].filter((p) => p !== undefined),
      transcribe: true,
      callbackUrl: voicemailUrl(),
    });
    return response.toString();
  }
  if (greeting) speak(response, greeting);
  if (voice.mode === 'forward' && voice.forwardTo) response.redirect(forwardUrl(voice.forwardTo));
  else if (voice.mode === 'client') {
    const actionUrl = appUrl(
      url,
      { Dial: 'true', FailUrl: voice.voicemailNotify ? voicemailUrl() : undefined },
      { function: ROUTES.forward },
    );
    ringBrowsers(response, { identities: voice.clientIdentities, actionUrl });
  } else response.hangup();
  return response.toString();
}

// VOICE_MODE=client: the number rings every browser in VOICE_CLIENT_IDENTITIES at once; the first to answer
// takes the call. The Dial action goes to the forward function, which ends an answered call and sends an
// unanswered one to FailUrl (voicemail), as an unanswered forward does. Pure: no I/O.
import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse';

export const RING_BROWSERS_TIMEOUT_SECONDS = 20;

export function ringBrowsers(response: VoiceResponse, options: { identities: readonly string[]; actionUrl: string }): void {
  const dial = response.dial({ action: options.actionUrl, timeout: RING_BROWSERS_TIMEOUT_SECONDS, answerOnBridge: true });
  for (const identity of options.identities) dial.client(identity);
}

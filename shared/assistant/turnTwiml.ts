// The TwiML of the assistant's turns: what is said, then a speech <Gather> whose action is the next turn; or the
// end of the conversation (a transfer, a goodbye, the fallback). Pure.
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { ROUTES } from '../platform/routes';
import { appUrl } from '../twiml/parts/appUrls';
import { speak, type Spoken } from '../twiml/parts/speech';
import { DEFAULT_VOICEMAIL_PROMPT, recordVoicemail } from '../twiml/voicemail';
import type { AssistantConfig, Handover } from './assistantConfig';

type Voice = Pick<AssistantConfig, 'voice' | 'language'>;

/** Said when the model cannot go on (failure, timeout, refusal, too many turns), before the fallback. */
export const APOLOGY = "I'm sorry, I can't help with that right now.";
/** Said when a turn arrives with no speech in it. */
export const NOT_HEARD = "Sorry, I didn't catch that. Could you say it again?";
export const GOODBYE = 'Thank you for calling. Goodbye.';
export const TRANSFERRING = 'Let me put you through to someone now.';

/** Speech turns of this app's assistant function: the turn number is in the URL, so a retried turn is known. */
export function turnUrl(current: URL, turn: number): string {
  return appUrl(current, { turn: String(turn) }, { function: ROUTES.assistant });
}

function say(target: Pick<VoiceResponse, 'say'>, text: string, voice: Voice): void {
  target.say({ ...(voice.voice ? { voice: voice.voice as never } : {}), language: voice.language as never }, text);
}

/**
 * `prompt` inside a speech Gather (the caller may talk over it), whose result goes to turn `nextTurn`. With
 * actionOnEmptyResult Twilio posts the turn even when it heard nothing, so silence is handled by the turn too.
 */
export function gatherTwiml(prompt: Spoken | string | undefined, options: { url: URL; nextTurn: number; config: Voice }): string {
  const response = new VoiceResponse();
  const gather = response.gather({
    input: ['speech'],
    action: turnUrl(options.url, options.nextTurn),
    method: 'POST',
    language: options.config.language as never,
    speechTimeout: 'auto',
    actionOnEmptyResult: true,
  });
  if (typeof prompt === 'string') say(gather, prompt, options.config);
  else if (prompt?.kind === 'say') say(gather, prompt.text, options.config);
  else if (prompt) speak(gather, prompt);
  return response.toString();
}

function handoverUrl(url: URL, handover: Handover, voicemailUrl: string | undefined): string {
  if (handover.kind === 'forward')
    return appUrl(url, { PhoneNumber: handover.number, FailUrl: voicemailUrl }, { function: ROUTES.forward });
  return appUrl(
    url,
    { Name: handover.name, MaxWait: String(handover.maxWaitSeconds), Music: handover.holdMusic, FailUrl: voicemailUrl },
    { function: ROUTES.queue },
  );
}

const voicemailUrlOf = (url: URL, config: Pick<AssistantConfig, 'voicemailNotify'>) =>
  config.voicemailNotify ? appUrl(url, {}, { function: ROUTES.voicemail }) : undefined;

/** `words`, then the hand-over (its own function dials or queues; an unanswered hand-over goes to voicemail). */
export function transferTwiml(words: string, options: { url: URL; handover: Handover; config: AssistantConfig }): string {
  const response = new VoiceResponse();
  say(response, words, options.config);
  response.redirect({ method: 'POST' }, handoverUrl(options.url, options.handover, voicemailUrlOf(options.url, options.config)));
  return response.toString();
}

export function goodbyeTwiml(words: string, config: Voice): string {
  const response = new VoiceResponse();
  say(response, words, config);
  response.hangup();
  return response.toString();
}

/** Where the fallback leads with these settings: voicemail and the hand-over each need their setting. */
export function fallbackTarget(config: AssistantConfig): 'voicemail' | 'handover' | 'hangup' {
  const voicemail = config.voicemailNotify ? 'voicemail' : undefined;
  const handover = config.handover ? 'handover' : undefined;
  return (config.fallback === 'voicemail' ? (voicemail ?? handover) : (handover ?? voicemail)) ?? 'hangup';
}

/** The apology, then voicemail or the hand-over as ASSISTANT_FALLBACK says (the other when it is not set up). */
export function fallbackTwiml(options: { url: URL; config: AssistantConfig; apology?: string }): string {
  const { url, config } = options;
  const apology = options.apology ?? APOLOGY;
  const target = fallbackTarget(config);
  if (target === 'handover') return transferTwiml(`${apology} ${TRANSFERRING}`, { url, handover: config.handover!, config });
  if (target === 'hangup') return goodbyeTwiml(`${apology} Please call again later. Goodbye.`, config);
  const response = new VoiceResponse();
  say(response, apology, config);
  recordVoicemail(response, { prompts: [DEFAULT_VOICEMAIL_PROMPT], transcribe: true, callbackUrl: voicemailUrlOf(url, config)! });
  return response.toString();
}

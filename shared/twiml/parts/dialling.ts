// What the dialling twimlets (forward, callme, simulring, findme) share: the Dial action that comes back
// with Dial=true, the end of the call after it, and the whisper URL. Pure: no I/O.
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, type WebhookParams } from '../../webhook/params';
import { appUrl, type Query } from './appUrls';
import { flagParam, urlParam, type DialTarget } from './twimletParams';
import { ROUTES } from '../../platform/routes';

/** True on the request Twilio makes to the Dial action, after the dialled leg ends. */
export function isDialAction(params: WebhookParams): boolean {
  return flagParam(params, 'Dial');
}

/** The dialled party answered (DialCallStatus; DialStatus in the old API). */
export function dialAnswered(params: WebhookParams): boolean {
  const status = (first(params, 'DialCallStatus') ?? first(params, 'DialStatus') ?? '').toLowerCase();
  return status === 'completed' || status === 'answered';
}

/** The Dial action: this function again, with Dial=true and whatever the next step needs. */
export function dialActionUrl(current: URL, query: Query): string {
  return appUrl(current, { Dial: 'true', ...query });
}

/** After the dialled leg: hang up when it was answered, otherwise go to FailUrl, or hang up. */
export function endOfDial(response: VoiceResponse, params: WebhookParams): void {
  const failUrl = urlParam(params, 'FailUrl');
  if (!dialAnswered(params) && failUrl) response.redirect(failUrl);
  else response.hangup();
}

/** A dialling twimlet: the Dial on the first request, the end of the call on the Dial action. */
export function dialTwimlet(params: WebhookParams, dial: (response: VoiceResponse) => void): string {
  const response = new VoiceResponse();
  if (isDialAction(params)) endOfDial(response, params);
  else dial(response);
  return response.toString();
}

/** The whisper the dialled person hears before the call is connected. */
export function whisperUrl(current: URL, options: { message?: string; humanCheck?: boolean }): string {
  return appUrl(current, { Message: options.message, HumanCheck: options.humanCheck ? '1' : undefined }, { function: ROUTES.whisper });
}

type Dial = ReturnType<VoiceResponse['dial']>;

/** Adds the noun that dials `target` (Number, Sip or Client), with the whisper URL when there is one. */
export function dialNoun(dial: Dial, target: DialTarget, attributes: { url?: string } = {}): void {
  if (target.kind === 'number') dial.number(attributes, target.number);
  else if (target.kind === 'sip') dial.sip(attributes, target.uri);
  else dial.client(attributes, target.identity);
}

// The TwiML App's voice webhook: what a call placed from a browser does. Pure: no I/O.
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, type WebhookParams } from '../webhook/params';
import { destination, REFUSAL_WORDS, type DialPolicy, type Destination } from './dialPolicy';
import { memoizeTwiml } from '../twiml/parts/memo';
import type { InvocationLog } from '../webhook/responses';

export interface ClientVoiceAnswer {
  twiml: string;
  /** For the log: what was decided, without the number. */
  outcome: Destination | { kind: 'refused'; refusal: 'not-from-a-browser' };
}

const NOT_FROM_A_BROWSER = 'Sorry, this line takes calls from the browser phone only. Good bye.';

export function clientVoiceTwiml(params: WebhookParams, policy: DialPolicy): ClientVoiceAnswer {
  // Only a Voice SDK call (From=client:...) may dial out; a phone number pointed at the TwiML App by mistake may not.
  if (!(first(params, 'From') ?? '').toLowerCase().startsWith('client:')) {
    const outcome = { kind: 'refused', refusal: 'not-from-a-browser' } as const;
    return { twiml: twimlFor(outcome), outcome };
  }
  const outcome = destination(first(params, 'To'), policy);
  return { twiml: twimlFor(outcome), outcome };
}

/** The call's TwiML, after one log line for a refusal (warn) or a call to a number (its region, never the number). */
export function answerClientVoice(params: WebhookParams, policy: DialPolicy, log: Pick<InvocationLog, 'log' | 'warn'>): string {
  const { twiml, outcome } = clientVoiceTwiml(params, policy);
  if (outcome.kind === 'refused') {
    const region = 'region' in outcome && outcome.region ? ` (region ${outcome.region})` : '';
    log.warn(`client-voice refused a browser call: ${outcome.refusal}${region}.`);
  } else if (outcome.kind === 'number') log.log(`client-voice: a browser calls a number in ${outcome.region ?? 'an unknown region'}.`);
  return twiml;
}

/** The TwiML is a function of the decision alone (a handful of refusals, the numbers and browsers called), so repeats come from memory. */
const twimlFor = memoizeTwiml(
  (outcome: ClientVoiceAnswer['outcome']) => buildTwiml(outcome),
  (outcome) => JSON.stringify(outcome),
);

function buildTwiml(outcome: ClientVoiceAnswer['outcome']): string {
  const response = new VoiceResponse();
  if (outcome.kind === 'refused' && outcome.refusal === 'not-from-a-browser') {
    response.say(NOT_FROM_A_BROWSER);
    response.hangup();
  } else if (outcome.kind === 'client') {
    response.dial({ answerOnBridge: true }).client(outcome.identity);
  } else if (outcome.kind === 'number') {
    response.dial({ answerOnBridge: true, callerId: outcome.callerId }).number(outcome.number);
  } else {
    response.say(REFUSAL_WORDS[outcome.refusal]);
    response.hangup();
  }
  return response.toString();
}

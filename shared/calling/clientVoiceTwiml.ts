// The TwiML App's voice webhook: what a call placed from a browser does. Pure: no I/O.
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, type WebhookParams } from '../webhook/params';
import { destination, REFUSAL_WORDS, type DialPolicy, type Destination } from './dialPolicy';

export interface ClientVoiceAnswer {
  twiml: string;
  /** For the log: what was decided, without the number. */
  outcome: Destination | { kind: 'refused'; refusal: 'not-from-a-browser' };
}

const NOT_FROM_A_BROWSER = 'Sorry, this line takes calls from the browser phone only. Good bye.';

export function clientVoiceTwiml(params: WebhookParams, policy: DialPolicy): ClientVoiceAnswer {
  const response = new VoiceResponse();
  // Only a Voice SDK call (From=client:...) may dial out; a phone number pointed at the TwiML App by mistake may not.
  if (!(first(params, 'From') ?? '').toLowerCase().startsWith('client:')) {
    response.say(NOT_FROM_A_BROWSER);
    response.hangup();
    return { twiml: response.toString(), outcome: { kind: 'refused', refusal: 'not-from-a-browser' } };
  }
  const outcome = destination(first(params, 'To'), policy);
  if (outcome.kind === 'client') {
    response.dial({ answerOnBridge: true }).client(outcome.identity);
  } else if (outcome.kind === 'number') {
    response.dial({ answerOnBridge: true, callerId: outcome.callerId }).number(outcome.number);
  } else {
    response.say(REFUSAL_WORDS[outcome.refusal]);
    response.hangup();
  }
  return { twiml: response.toString(), outcome };
}

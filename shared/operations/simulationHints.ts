// What `npm run simulate` adds under an answer that could puzzle a newcomer: why a menu key did nothing, why an SMS
// got an empty answer, why a request signed for another base URL got 403. Pure: the script passes what it knows.
import type { SimulationKind } from './simulatedRequests';

export interface HintContext {
  kind: SimulationKind;
  status: number;
  body: string;
  /** --path was given: the request went where the user chose, so the app's own settings say little. */
  pathGiven: boolean;
  voiceMode: string;
  smsAutoReply?: string;
  smsForwardTo?: string;
  /** The base URL the request was signed for (--url, else WEBHOOK_BASE_URL, else the local host). */
  signedBase: string;
  /** Where it was sent, when --send-to differs from the signed base. */
  sentTo?: string;
}

const EMPTY_RESPONSE = /^\s*(<\?xml[^>]*\?>)?\s*<Response\s*\/>\s*$/;

export function simulationHints(context: HintContext): string[] {
  const hints: string[] = [];
  const { kind, status } = context;
  if (status === 403) {
    hints.push(
      context.sentTo
        ? `The app checks signatures against its WEBHOOK_BASE_URL (or, unset, the URL it was reached at), and this request was ` +
            `signed for ${context.signedBase}: start the app with WEBHOOK_BASE_URL=${context.signedBase} for it to pass.`
        : `The app checks signatures with its own auth token: simulate signs with the token of these settings ` +
            `(the offline mock's when none is set); the app's log line for the 403 says what it checked.`,
    );
  }
  if (status !== 200 || context.pathGiven) return hints;
  if (kind === 'digits' && context.voiceMode !== 'menu')
    hints.push(
      `VOICE_MODE is ${context.voiceMode}, not menu, so /api/voice ignored the digits and answered as for a call. ` +
        `Set VOICE_MODE=menu and VOICE_MENU_OPTIONS, or send them to a twimlet with --path '/api/menu?...'.`,
    );
  if (kind === 'sms' && EMPTY_RESPONSE.test(context.body))
    hints.push(
      context.smsAutoReply
        ? 'An empty <Response/> is no reply: this sender had SMS_AUTO_REPLY_LIMIT replies this hour, or is blocked.'
        : `An empty <Response/> is no reply: SMS_AUTO_REPLY is not set.${context.smsForwardTo ? ' SMS_FORWARD_TO relays through the outbound queue, not in the answer.' : ''}`,
    );
  return hints;
}

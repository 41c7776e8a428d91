import { app } from '@azure/functions';
import { settings } from '../shared/platform/settings';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { first } from '../shared/webhook/params';
import { TwimlInputError } from '../shared/twiml/parts/errors';
import { answerTurn, assistantRuntime } from '../shared/assistant/assistantIo';
import { lazyInvocationCorrelationId } from '../shared/outbound/correlation';
import { ROUTES } from '../shared/platform/routes';

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
/** Far above ASSISTANT_MAX_TURNS' limit: anything larger is not a turn this app handed out. */
const MAX_TURN = 1000;

/**
 * The assistant's turns (VOICE_MODE=assistant): each speech Gather posts here with its turn number, the caller's
 * words go to the model, and the answer comes back with the next Gather (docs/assistant.md). Its one log line
 * names the call, the turn, what happened and the tools called; never what anyone said.
 */
export const assistant = twimlWebhook(async ({ params, url, context }) => {
  const config = settings();
  if (!config.assistant.active) throw new TwimlInputError('The assistant is off: neither VOICE_MODE nor VOICE_CLOSED_MODE is assistant.');
  const callSid = first(params, 'CallSid')?.trim();
  if (!callSid || !CALL_SID.test(callSid)) throw new TwimlInputError('CallSid is missing or is not a call SID.');
  const turnText = url.searchParams.get('turn') ?? '';
  const turn = Number(turnText);
  if (!/^\d{1,4}$/.test(turnText) || turn < 1 || turn > MAX_TURN) throw new TwimlInputError('turn must be a whole number from 1.');
  const correlationId = lazyInvocationCorrelationId(context.traceContext);
  const { twiml, log } = await answerTurn(assistantRuntime(config), {
    callSid,
    turn,
    speech: first(params, 'SpeechResult'),
    caller: first(params, 'From')?.trim(),
    url,
    now: new Date(),
    correlationId,
  });
  context.log(JSON.stringify({ event: 'assistant-turn', callSid, correlationId: correlationId(), ...log }));
  return twiml;
});

app.http('assistant', { methods: ['POST'], authLevel: 'anonymous', route: ROUTES.assistant, handler: assistant });

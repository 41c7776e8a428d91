import { app } from '@azure/functions';
import { settings } from '../shared/platform/settings';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { readTurnRequest } from '../shared/assistant/assistantTurn';
import { answerTurn, assistantRuntime } from '../shared/assistant/assistantIo';
import { lazyInvocationCorrelationId } from '../shared/outbound/correlation';
import { ROUTES } from '../shared/platform/routes';

/**
 * The assistant's turns (VOICE_MODE=assistant): each speech Gather posts here with its turn number, the caller's
 * words go to the model, and the answer comes back with the next Gather (docs/assistant.md). Its one log line
 * names the call, the turn, what happened and the tools called; never what anyone said.
 */
export const assistant = twimlWebhook(async ({ params, url, context }) => {
  const config = settings();
  const request = readTurnRequest(params, url, config.assistant.active);
  const correlationId = lazyInvocationCorrelationId(context.traceContext);
  const { twiml, log } = await answerTurn(assistantRuntime(config), { ...request, url, now: new Date(), correlationId });
  context.log(JSON.stringify({ event: 'assistant-turn', callSid: request.callSid, correlationId: correlationId(), ...log }));
  return twiml;
});

app.http('assistant', { methods: ['POST'], authLevel: 'anonymous', route: ROUTES.assistant, handler: assistant });

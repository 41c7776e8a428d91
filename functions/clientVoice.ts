import { app } from '@azure/functions';
import { settings } from '../shared/platform/settings';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/**
 * The TwiML App's voice URL: a call from the browser phone to a number CLIENT_DIAL_ALLOWED allows, or to another
 * browser (client:<identity>); anything else is refused in words. Logs the decision, never the number.
 */
export const clientVoice = twimlWebhook(async ({ params, context }) => {
  const { clientVoiceTwiml } = await import('../shared/calling/clientVoiceTwiml');
  const { calling, twilio } = settings();
  const answer = clientVoiceTwiml(params, { allowed: calling.dialAllowed, fromNumber: twilio.fromNumber });
  const { outcome } = answer;
  if (outcome.kind === 'refused') {
    const region = 'region' in outcome && outcome.region ? ` (region ${outcome.region})` : '';
    context.warn(`client-voice refused a browser call: ${outcome.refusal}${region}.`);
  } else if (outcome.kind === 'number') context.log(`client-voice: a browser calls a number in ${outcome.region ?? 'an unknown region'}.`);
  return answer.twiml;
});

app.http('clientVoice', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.clientVoice, handler: clientVoice });

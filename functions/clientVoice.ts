import { app } from '@azure/functions';
import { settings } from '../shared/platform/settings';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/**
 * The TwiML App's voice URL: a call from the browser phone to a number CLIENT_DIAL_ALLOWED allows, or to another
 * browser (client:<identity>); anything else is refused in words. Logs the decision, never the number.
 */
export const clientVoice = twimlWebhook(async ({ params, context }) => {
  const { answerClientVoice } = await import('../shared/calling/clientVoiceTwiml');
  const { calling, twilio } = settings();
  return answerClientVoice(params, { allowed: calling.dialAllowed, fromNumber: twilio.fromNumber }, context);
});

app.http('clientVoice', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.clientVoice, handler: clientVoice });

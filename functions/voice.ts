import { app } from '@azure/functions';
import { settings } from '../shared/platform/settings';
import { answerCall } from '../shared/twiml/incomingCall';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { callReceived } from '../shared/events/inboundEvents';
import { publishWebhookEvent } from '../shared/events/eventsIo';
import { ROUTES } from '../shared/platform/routes';

/**
 * The number's incoming-call webhook: VOICE_GREETING, then VOICE_MODE (or VOICE_CLOSED_MODE outside the hours).
 * Publishes twilio.call.received, with the mode that routed the call, for the call's first request.
 */
export const voice = twimlWebhook(async ({ params, url, context }) => {
  const config = settings();
  const { twiml, route } = answerCall(params, { url, voice: config.voice });
  await publishWebhookEvent(
    () => callReceived(params, route, { source: config.events.source, time: new Date() }),
    (m) => context.warn(m),
  );
  return twiml;
});

app.http('voice', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.voice, handler: voice });

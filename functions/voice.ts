import { app } from '@azure/functions';
import { settings } from '../shared/platform/settings';
import { callDecision, voiceTwiml } from '../shared/twiml/incomingCall';
import { callOutcome, once } from '../shared/activity/activity';
import { recordInboundActivity } from '../shared/activity/activityTable';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { callReceived } from '../shared/events/inboundEvents';
import { publishWebhookEvent } from '../shared/events/eventsIo';
import { ROUTES } from '../shared/platform/routes';

/**
 * The number's incoming-call webhook: VOICE_GREETING, then VOICE_MODE (message, forward, voicemail or menu).
 * Publishes twilio.call.received for the call's first request, and records it as inbound activity before answering.
 */
export const voice = twimlWebhook(async ({ params, url, context }) => {
  const config = settings();
  const twiml = voiceTwiml(params, { url, voice: config.voice });
  const event = once(() => callReceived(params, config.voice.mode, { source: config.events.source, time: new Date() }));
  await Promise.all([
    publishWebhookEvent(event, (m) => context.warn(m)),
    recordInboundActivity(settings().activity.table, event, () => callOutcome(callDecision(params, config.voice))),
  ]);
  return twiml;
});

app.http('voice', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.voice, handler: voice });

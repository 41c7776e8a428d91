import { app } from '@azure/functions';
import { settings } from '../shared/platform/settings';
import { answerCall, callDecision } from '../shared/twiml/incomingCall';
import { callOutcome, once } from '../shared/activity/activity';
import { recordInboundActivity } from '../shared/activity/activityTable';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { callReceived } from '../shared/events/inboundEvents';
import { publishWebhookEvent } from '../shared/events/eventsIo';
import { EVENTS_QUEUE_OUTPUT } from '../shared/events/eventsOutput';
import { ROUTES } from '../shared/platform/routes';

/**
 * The number's incoming-call webhook: VOICE_GREETING, then VOICE_MODE (or VOICE_CLOSED_MODE outside the hours).
 * Publishes twilio.call.received, with the mode that routed the call, for the call's first request: the host
 * writes it to the events queue (its output binding) before it sends the answer.
 */
export const voice = twimlWebhook(async ({ params, url, context }) => {
  const config = settings();
  const { twiml, route } = answerCall(params, { url, voice: config.voice });
  const event = once(() => callReceived(params, route, { source: config.events.source, time: new Date() }));
  // The activity row before the answer: no 200 without it (docs/console.md, Inbound activity).
  await Promise.all([
    publishWebhookEvent(event, (m) => context.warn(m), context),
    recordInboundActivity(config.activity.table, event, () => callOutcome(callDecision(params, config.voice))),
  ]);
  return twiml;
});

app.http('voice', {
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  route: ROUTES.voice,
  extraOutputs: [EVENTS_QUEUE_OUTPUT],
  handler: voice,
});

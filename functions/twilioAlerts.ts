import { app } from '@azure/functions';
import { parseDebuggerEvent } from '../shared/operations/debuggerEvent';
import { ROUTES } from '../shared/platform/routes';
import { textResponse, twilioWebhook } from '../shared/webhook/webhookHttp';

/**
 * Twilio's Debugger webhook: each error or warning on the account (11200 a webhook answered badly, 11205 it could not
 * be reached, 12100 bad TwiML, ...) becomes one structured log line at its level, so it reaches Application Insights.
 */
export const twilioAlerts = twilioWebhook(({ params, context }) => {
  const event = parseDebuggerEvent(params);
  if (!event) {
    context.warn(JSON.stringify({ event: 'twilio-alert', outcome: 'ignored: not a Debugger event (no Level or Payload)' }));
    return textResponse(400, 'Not a Twilio Debugger event.\n');
  }
  const entry = JSON.stringify({ event: 'twilio-alert', ...event });
  if (event.level === 'error') context.error(entry);
  else context.warn(entry);
  return { status: 204 };
});

app.http('twilioAlerts', { methods: ['POST'], authLevel: 'anonymous', route: ROUTES.twilioAlerts, handler: twilioAlerts });

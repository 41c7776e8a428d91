import { app } from '@azure/functions';
import { answerDebuggerEvent } from '../shared/operations/debuggerEvent';
import { ROUTES } from '../shared/platform/routes';
import { twilioWebhook } from '../shared/webhook/webhookHttp';

/**
 * Twilio's Debugger webhook: each error or warning on the account (11200 a webhook answered badly, 11205 it could not
 * be reached, 12100 bad TwiML, ...) becomes one structured log line at its level, so it reaches Application Insights.
 */
export const twilioAlerts = twilioWebhook(({ params, context }) => answerDebuggerEvent(params, context));

app.http('twilioAlerts', { methods: ['POST'], authLevel: 'anonymous', route: ROUTES.twilioAlerts, handler: twilioAlerts });

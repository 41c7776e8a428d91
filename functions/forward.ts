import { app } from '@azure/functions';
import { forwardTwiml } from '../shared/twiml/forward';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/** Self-hosted twimlets.com/forward: dials PhoneNumber (CallerId, Timeout, FailUrl, AllowedCallers). */
export const forward = twimlWebhook(({ params, url }) => forwardTwiml(params, url));

app.http('forward', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.forward, handler: forward });

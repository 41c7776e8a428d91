import { app } from '@azure/functions';
import { echoTwiml } from '../shared/twiml/echo';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/** Self-hosted twimlets.com/echo: returns the Twiml parameter when it is well-formed TwiML, else 400. */
export const echo = twimlWebhook(({ params }) => echoTwiml(params));

app.http('echo', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.echo, handler: echo });

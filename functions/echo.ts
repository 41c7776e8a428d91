import { app } from '@azure/functions';
import { echoTwiml } from '../shared/twiml/echo';
import { twimlWebhook } from '../shared/webhook/webhookHttp';

/** Self-hosted twimlets.com/echo: returns the Twiml parameter when it is well-formed TwiML, else 400. */
export const echo = twimlWebhook(({ params }) => echoTwiml(params));

app.http('echo', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: 'echo', handler: echo });

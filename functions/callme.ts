import { app } from '@azure/functions';
import { callmeTwiml } from '../shared/twiml/callme';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/** Self-hosted twimlets.com/callme: dials PhoneNumber with a whisper. */
export const callme = twimlWebhook(({ params, url }) => callmeTwiml(params, url));

app.http('callme', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.callme, handler: callme });

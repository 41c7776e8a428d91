import { app } from '@azure/functions';
import { messageTwiml } from '../shared/twiml/message';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/** Self-hosted twimlets.com/message: plays or says each Message value. */
export const message = twimlWebhook(({ params }) => messageTwiml(params));

app.http('message', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.message, handler: message });

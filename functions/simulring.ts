import { app } from '@azure/functions';
import { simulringTwiml } from '../shared/twiml/simulring';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/** Self-hosted twimlets.com/simulring: rings PhoneNumbers[] at once, each with a whisper. */
export const simulring = twimlWebhook(({ params, url }) => simulringTwiml(params, url));

app.http('simulring', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.simulring, handler: simulring });

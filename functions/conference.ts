import { app } from '@azure/functions';
import { conferenceTwiml } from '../shared/twiml/conference';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/** Self-hosted twimlets.com/conference: pass code, moderators, hold music. */
export const conference = twimlWebhook(({ params }) => conferenceTwiml(params));

app.http('conference', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.conference, handler: conference });

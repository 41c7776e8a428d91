import { app } from '@azure/functions';
import { findmeTwiml } from '../shared/twiml/findme';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/** Self-hosted twimlets.com/findme: rings PhoneNumbers[] (at most 10) one at a time. */
export const findme = twimlWebhook(({ params, url }) => findmeTwiml(params, url));

app.http('findme', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.findme, handler: findme });

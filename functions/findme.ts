import { app } from '@azure/functions';
import { findmeTwiml } from '../shared/twiml/findme';
import { twimlWebhook } from '../shared/webhook/webhookHttp';

/** Self-hosted twimlets.com/findme: rings PhoneNumbers[] (at most 10) one at a time. */
export const findme = twimlWebhook(({ params, url }) => findmeTwiml(params, url));

app.http('findme', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: 'findme', handler: findme });

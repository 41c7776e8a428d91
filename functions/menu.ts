import { app } from '@azure/functions';
import { menuTwimlet } from '../shared/twiml/menu';
import { twimlWebhook } from '../shared/webhook/webhookHttp';

/** Self-hosted twimlets.com/menu: gathers digits and redirects to Options[digits]. */
export const menu = twimlWebhook(({ params }) => menuTwimlet(params));

app.http('menu', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: 'menu', handler: menu });

import { app } from '@azure/functions';
import { menuTwiml } from '../shared/twiml/menu';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/** Self-hosted twimlets.com/menu: gathers digits and redirects to Options[digits]. */
export const menu = twimlWebhook(({ params }) => menuTwiml(params));

app.http('menu', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.menu, handler: menu });

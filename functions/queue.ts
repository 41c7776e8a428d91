import { app } from '@azure/functions';
import { queueTwiml } from '../shared/twiml/queue';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/** A call queue: callers wait in the named queue (<Enqueue>) with hold music; Agent=true connects an agent to the longest waiting. */
export const queue = twimlWebhook(({ params, url }) => queueTwiml(params, url));

app.http('queue', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.queue, handler: queue });

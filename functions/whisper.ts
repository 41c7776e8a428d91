import { app } from '@azure/functions';
import { whisperTwiml } from '../shared/twiml/whisper';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/** Self-hosted twimlets.com/whisper: the called person presses a key to accept (HumanCheck). */
export const whisper = twimlWebhook(({ params }) => whisperTwiml(params));

app.http('whisper', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.whisper, handler: whisper });

import { app } from '@azure/functions';
import { settings } from '../shared/platform/settings';
import { voiceTwiml } from '../shared/twiml/incomingCall';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/** The number's incoming-call webhook: VOICE_GREETING, then VOICE_MODE (message, forward, voicemail or menu). */
export const voice = twimlWebhook(({ params, url }) => voiceTwiml(params, { url, voice: settings().voice }));

app.http('voice', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.voice, handler: voice });

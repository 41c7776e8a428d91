import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { authenticate } from '../shared/calling/authenticate';
import { phonePageAnswer } from '../shared/calling/phonePage';
import { settings } from '../shared/platform/settings';
import { ROUTES } from '../shared/platform/routes';

/** GET /api/phone: the browser phone, for the signed-in user; signed out, the page says so and offers sign-in. */
export async function phone(request: HttpRequest): Promise<HttpResponseInit> {
  return phonePageAnswer(authenticate(request.headers, settings().calling));
}

app.http('phone', { methods: ['GET'], authLevel: 'anonymous', route: ROUTES.phone, handler: phone });

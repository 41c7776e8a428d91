import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { authenticate } from '../shared/calling/authenticate';
import { PHONE_PAGE_CSP, phonePage } from '../shared/calling/phonePage';
import { settings } from '../shared/platform/settings';
import { ROUTES } from '../shared/platform/routes';

/** GET /api/phone: the browser phone, for the signed-in user; signed out, the page says so and offers sign-in. */
export async function phone(request: HttpRequest): Promise<HttpResponseInit> {
  const who = authenticate(request.headers, settings().calling);
  return {
    status: who.ok ? 200 : who.status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PHONE_PAGE_CSP, 'Cache-Control': 'no-store' },
    body: phonePage(who.ok ? {} : { signedOut: who.reason, signIn: who.problem !== 'platform-auth-off' }),
  };
}

app.http('phone', { methods: ['GET'], authLevel: 'anonymous', route: ROUTES.phone, handler: phone });

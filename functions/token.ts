import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { authenticate } from '../shared/calling/authenticate';
import { tokenLimiter } from '../shared/calling/rateLimit';
import { answerToken } from '../shared/calling/tokenAnswer';
import { settings } from '../shared/platform/settings';
import { twilioCredentials } from '../shared/platform/twilioCredentials';
import { ROUTES } from '../shared/platform/routes';

export { resetTokenLimiterForTests } from '../shared/calling/rateLimit';

/**
 * POST /api/token: a Twilio Access Token for the signed-in user's browser phone, `{ token, identity, expiresAt }`.
 * Only App Service Authentication's user (or, in Development, CLIENT_DEV_IDENTITY) gets one; see authenticate.ts.
 */
export async function token(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { calling } = settings();
  const io = { credentials: twilioCredentials, limiter: tokenLimiter(calling.tokensPerMinute) };
  return answerToken(io, authenticate(request.headers, calling), calling, context);
}

app.http('token', { methods: ['POST'], authLevel: 'anonymous', route: ROUTES.token, handler: token });

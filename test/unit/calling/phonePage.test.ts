import { docPage } from '../../../harness/docPages';
import { parseSettings } from '../../../shared/platform/settings';
import { PHONE_PAGE_CSP, phonePage, phonePageAnswer } from '../../../shared/calling/phonePage';

test('the sign-in link is offered only where App Service Authentication can answer it', () => {
  expect(phonePage({ signedOut: 'Not signed in.', signIn: true })).toContain('href="/.auth/login/aad?post_login_redirect_uri=/api/phone"');
  expect(phonePage({ signedOut: 'App Service Authentication is off for this app.' })).not.toContain('/.auth/login');
  expect(phonePage()).not.toContain('/.auth/login');
});

test("docs/browser-calling.md's local placeholders are settings the app accepts in Development, and give a token's inputs", () => {
  const block = /^```json\n([\s\S]*?)^```/m.exec(docPage('browser-calling'))![1];
  const { Values } = JSON.parse(block) as { Values: Record<string, string> };
  const settings = parseSettings({
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    AZURE_FUNCTIONS_ENVIRONMENT: 'Development',
    TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
    TWILIO_AUTH_TOKEN: 'offline-mock-auth-token',
    ...Values,
  });
  expect(settings.calling.devIdentity).toBe('dev-tester');
  expect(settings.twilio.apiKeySid).toBe('SK00000000000000000000000000000000');
});

describe("GET /api/phone's answer", () => {
  test('signed in: 200 and the phone, no sign-in link', () => {
    const answer = phonePageAnswer({ ok: true, identity: 'alice' });
    expect(answer.status).toBe(200);
    expect(answer.headers).toEqual({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': PHONE_PAGE_CSP,
      'Cache-Control': 'no-store',
    });
    expect(answer.body).toContain('<body data-state="offline">');
  });

  test('signed out where App Service Authentication is on: 401, the reason and the sign-in link', () => {
    const answer = phonePageAnswer({ ok: false, status: 401, reason: 'Not signed in.', problem: 'signed-out' });
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('Not signed in.');
    expect(answer.body).toContain('/.auth/login');
  });

  test('authentication off: 403, the reason, and no sign-in link that would answer 404', () => {
    const answer = phonePageAnswer({ ok: false, status: 403, reason: 'App Service Authentication is off.', problem: 'platform-auth-off' });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('App Service Authentication is off.');
    expect(answer.body).not.toContain('/.auth/login');
  });
});

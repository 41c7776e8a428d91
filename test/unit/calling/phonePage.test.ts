import { docPage } from '../../../harness/docPages';
import { parseSettings } from '../../../shared/platform/settings';
import { phonePage } from '../../../shared/calling/phonePage';

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

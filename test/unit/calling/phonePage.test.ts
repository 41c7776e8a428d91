import { phonePage } from '../../../shared/calling/phonePage';

test('the sign-in link is offered only where App Service Authentication can answer it', () => {
  expect(phonePage({ signedOut: 'Not signed in.', signIn: true })).toContain('href="/.auth/login/aad?post_login_redirect_uri=/api/phone"');
  expect(phonePage({ signedOut: 'App Service Authentication is off for this app.' })).not.toContain('/.auth/login');
  expect(phonePage()).not.toContain('/.auth/login');
});

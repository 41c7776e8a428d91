import { consoleAccess, crossSiteRefusal } from '../../../shared/console/access';
import { ALICE, principalHeaders } from '../../../harness/principal';

const headers = (values: Record<string, string>) => ({
  get: (name: string) => values[Object.keys(values).find((k) => k.toLowerCase() === name) ?? ''] ?? null,
});
const GROUP = '5b1c0d2e-3f4a-4b5c-8d6e-7f8091a2b3c4';
const on = { admins: [GROUP, 'Console.Admin'], platformAuthEnabled: true, isDevelopment: false };

describe('consoleAccess', () => {
  test('a signed-in user in a CONSOLE_ADMINS group, or holding a CONSOLE_ADMINS app role, gets in', () => {
    expect(consoleAccess(headers(principalHeaders({ ...ALICE, groups: [GROUP] })), on)).toMatchObject({ ok: true, localDeveloper: false });
    expect(consoleAccess(headers(principalHeaders({ ...ALICE, roles: ['Console.Admin'] })), on)).toMatchObject({ ok: true });
  });

  test('signed in without one of them: 403', () => {
    expect(consoleAccess(headers(principalHeaders({ ...ALICE, groups: ['other'] })), on)).toMatchObject({ ok: false, status: 403 });
    expect(consoleAccess(headers(principalHeaders(ALICE)), { ...on, admins: [] })).toMatchObject({ ok: false, status: 403 });
  });

  test('signed out or an unreadable principal: 401 with sign-in', () => {
    expect(consoleAccess(headers({}), on)).toMatchObject({ ok: false, status: 401, signIn: true });
    const broken = { ...principalHeaders({ ...ALICE, groups: [GROUP] }), 'X-MS-CLIENT-PRINCIPAL': 'not base64!' };
    expect(consoleAccess(headers(broken), on)).toMatchObject({ ok: false, status: 401 });
  });

  test('platform authentication off: refused whatever the headers say, unless Development', () => {
    const forged = headers(principalHeaders({ ...ALICE, groups: [GROUP] }));
    expect(consoleAccess(forged, { ...on, platformAuthEnabled: false })).toMatchObject({ ok: false, status: 403, signIn: false });
    expect(consoleAccess(headers({}), { ...on, platformAuthEnabled: false, isDevelopment: true })).toEqual({
      ok: true,
      who: 'local developer',
      localDeveloper: true,
    });
  });
});

describe('crossSiteRefusal', () => {
  const url = 'http://console.example:7071/api/console/send';
  const json = { 'content-type': 'application/json' };
  test('reads are never refused', () => {
    expect(crossSiteRefusal('GET', headers({ origin: 'https://evil.example' }), url)).toBeUndefined();
  });
  test('a change from the same origin, as a browser sends it, is honoured', () => {
    expect(
      crossSiteRefusal('POST', headers({ ...json, 'sec-fetch-site': 'same-origin', origin: 'http://console.example:7071' }), url),
    ).toBeUndefined();
    expect(crossSiteRefusal('POST', headers({ ...json, origin: 'https://console.example:7071' }), url)).toBeUndefined();
  });
  test.each([
    ['no Origin and no Sec-Fetch-Site', { ...json }],
    ['another origin', { ...json, origin: 'https://evil.example' }],
    ['cross-site', { ...json, 'sec-fetch-site': 'cross-site' }],
    ['same-site (a sibling subdomain)', { ...json, 'sec-fetch-site': 'same-site', origin: 'https://other.console.example' }],
    ['none (typed into the address bar)', { ...json, 'sec-fetch-site': 'none' }],
    ['same origin, but a form post', { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' }],
    ['same-origin claimed, Origin elsewhere', { ...json, 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' }],
  ])('refuses %s', (_name, values) => {
    expect(crossSiteRefusal('POST', headers(values), url)).toMatch(/^refused/);
  });
});

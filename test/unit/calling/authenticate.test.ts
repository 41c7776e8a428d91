// Who gets a browser token: the platform's signed-in user, only while the platform's authentication is on.
import { authenticate } from '../../../shared/calling/authenticate';
import { CLIENT_IDENTITY, clientIdentity, displayName } from '../../../shared/calling/identity';
import { MAX_PRINCIPAL_HEADER_LENGTH, parsePrincipal, PrincipalError } from '../../../shared/calling/principal';
import { ALICE, principalHeaders, principalJson } from '../../../harness/principal';

const ON = { platformAuthEnabled: true, allowedGroups: [] as string[] };
const OFF = { platformAuthEnabled: false, allowedGroups: [] as string[] };
const headers = (values: Record<string, string>) => new Headers(values);
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('with App Service Authentication on', () => {
  test('a signed-in user gets their object ID as identity', () => {
    expect(authenticate(headers(principalHeaders()), ON)).toEqual({ ok: true, identity: ALICE.objectId, name: 'alice@contoso.example' });
  });

  test('no principal headers means signed out (401)', () => {
    expect(authenticate(headers({}), ON)).toMatchObject({ ok: false, status: 401, problem: 'signed-out' });
  });

  test.each([
    ['the claims are not base64', { 'X-MS-CLIENT-PRINCIPAL': '%%%not base64%%%' }],
    ['the claims are not JSON', { 'X-MS-CLIENT-PRINCIPAL': b64('{"claims": [') }],
    ['the claims are not an array', { 'X-MS-CLIENT-PRINCIPAL': b64('{"claims": {}}') }],
    ['a claim is not strings', { 'X-MS-CLIENT-PRINCIPAL': b64('{"claims": [{"typ": 1, "val": null}]}') }],
    ['the ID is not an object ID', { 'X-MS-CLIENT-PRINCIPAL-ID': 'client:evil<Dial>' }],
    ['the ID and the oid claim differ', { 'X-MS-CLIENT-PRINCIPAL-ID': '00000000-0000-0000-0000-000000000001' }],
    ['the provider is not Entra ID', { 'X-MS-CLIENT-PRINCIPAL-IDP': 'github' }],
    ['the claims header is oversized', { 'X-MS-CLIENT-PRINCIPAL': 'A'.repeat(MAX_PRINCIPAL_HEADER_LENGTH + 4) }],
    ['the name header is oversized', { 'X-MS-CLIENT-PRINCIPAL-NAME': 'a'.repeat(600) }],
  ])('refuses a principal when %s (401)', (_, override) => {
    expect(authenticate(headers({ ...principalHeaders(), ...override }), ON)).toMatchObject({
      ok: false,
      status: 401,
      problem: 'bad-principal',
    });
  });

  test('with CLIENT_ALLOWED_GROUPS, a user outside the groups and roles is refused (403)', () => {
    const calling = { ...ON, allowedGroups: ['0f1e2d3c-0000-4000-8000-000000000042', 'Phone.Users'] };
    expect(authenticate(headers(principalHeaders()), calling)).toMatchObject({ ok: false, status: 403, problem: 'not-allowed' });
    expect(authenticate(headers(principalHeaders({ ...ALICE, groups: ['0f1e2d3c-0000-4000-8000-000000000042'] })), calling)).toMatchObject({
      ok: true,
    });
    expect(authenticate(headers(principalHeaders({ ...ALICE, roles: ['Phone.Users'] })), calling)).toMatchObject({ ok: true });
  });

  test('a group named in a claim of another type does not count', () => {
    const json = JSON.parse(principalJson(ALICE)) as { claims: Array<{ typ: string; val: string }> };
    json.claims.push({ typ: 'name', val: 'Phone.Users' });
    const forged = { ...principalHeaders(), 'X-MS-CLIENT-PRINCIPAL': b64(JSON.stringify(json)) };
    expect(authenticate(headers(forged), { ...ON, allowedGroups: ['Phone.Users'] })).toMatchObject({ ok: false, status: 403 });
  });
});

describe('with App Service Authentication off', () => {
  test('forged principal headers are refused (403): anyone could have written them', () => {
    expect(authenticate(headers(principalHeaders()), OFF)).toMatchObject({ ok: false, status: 403, problem: 'platform-auth-off' });
  });

  test('every request is refused, headers or not', () => {
    expect(authenticate(headers({}), OFF)).toMatchObject({ ok: false, status: 403 });
  });

  test('in Development, CLIENT_DEV_IDENTITY is the identity, whatever the headers claim', () => {
    expect(authenticate(headers(principalHeaders()), { ...OFF, devIdentity: 'dev-tester' })).toMatchObject({
      ok: true,
      identity: 'dev-tester',
    });
  });
});

describe('identity', () => {
  test('is the lower-cased object ID, within Twilio client-name rules', () => {
    const principal = parsePrincipal(headers({ ...principalHeaders(), 'X-MS-CLIENT-PRINCIPAL-ID': ALICE.objectId.toUpperCase() }));
    expect(clientIdentity(principal)).toBe(ALICE.objectId);
    expect(CLIENT_IDENTITY.test(clientIdentity(principal))).toBe(true);
  });

  test('the display name keeps only characters safe in a client name', () => {
    const principal = parsePrincipal(headers({ ...principalHeaders(), 'X-MS-CLIENT-PRINCIPAL-NAME': 'Bob <b>Smith</b>@x.example' }));
    expect(displayName(principal)).toBe('bob__b_smith__b_@x.example');
    expect(CLIENT_IDENTITY.test(displayName(principal)!)).toBe(true);
  });

  test('parsePrincipal throws a PrincipalError, never another error, on missing headers', () => {
    expect(() => parsePrincipal(headers({}))).toThrow(PrincipalError);
  });
});

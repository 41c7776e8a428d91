// The headers App Service Authentication adds for a user signed in with Microsoft Entra ID, as tests need them,
// and hostile versions of them (fast-check) for the token endpoint's fuzzing, in process and over HTTP.
import fc from 'fast-check';
import { DEFAULT_ROLE_TYPE, OBJECT_ID_CLAIM } from '../shared/calling/principal';

export interface TestUser {
  objectId: string;
  name: string;
  groups?: string[];
  roles?: string[];
}

export const ALICE: TestUser = { objectId: '7d3f5a0e-2b1c-4c8e-9a51-0c1f2e3d4b5a', name: 'alice@contoso.example' };

/** The claims JSON in X-MS-CLIENT-PRINCIPAL (base64), shaped as the platform writes it. */
export function principalJson(user: TestUser): string {
  return JSON.stringify({
    auth_typ: 'aad',
    claims: [
      { typ: OBJECT_ID_CLAIM, val: user.objectId },
      { typ: 'name', val: user.name },
      { typ: 'preferred_username', val: user.name },
      ...(user.groups ?? []).map((val) => ({ typ: 'groups', val })),
      ...(user.roles ?? []).map((val) => ({ typ: DEFAULT_ROLE_TYPE, val })),
    ],
    name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
    role_typ: DEFAULT_ROLE_TYPE,
  });
}

export function principalHeaders(user: TestUser = ALICE): Record<string, string> {
  return {
    'X-MS-CLIENT-PRINCIPAL': Buffer.from(principalJson(user)).toString('base64'),
    'X-MS-CLIENT-PRINCIPAL-ID': user.objectId,
    'X-MS-CLIENT-PRINCIPAL-NAME': user.name,
    'X-MS-CLIENT-PRINCIPAL-IDP': 'aad',
  };
}

/** Header values an HTTP server would pass on: visible Latin-1, no CR/LF. */
const headerValue = (maxLength: number) =>
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    maxLength,
  });
export const forbiddenInIdentity = fc.constantFrom(
  ' ',
  '<',
  '>',
  '#',
  '%',
  '"',
  '{',
  '}',
  '|',
  '\\',
  '^',
  '[',
  ']',
  '`',
  '/',
  '?',
  '&',
  '\u00e9',
);
const objectIdLike = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.tuple(fc.uuid(), forbiddenInIdentity).map(([id, bad]) => id.slice(0, 10) + bad + id.slice(11)),
  headerValue(60),
  fc.constant('client:alice'),
  fc.constant('a'.repeat(600)),
);
const claim = fc.record({
  typ: fc.oneof(fc.constantFrom(OBJECT_ID_CLAIM, 'oid', 'groups', 'roles', 'name', '__proto__'), fc.string({ maxLength: 20 })),
  val: fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), fc.string({ unit: forbiddenInIdentity, maxLength: 10 })),
});
const claimsJson = fc.oneof(
  fc.array(claim, { maxLength: 12 }).map((claims) => JSON.stringify({ auth_typ: 'aad', claims, role_typ: 'roles' })),
  fc.json(),
  fc.string({ maxLength: 80 }),
  fc.constant('{"claims": [' + '{"typ":"groups","val":"g"},'.repeat(2000) + '{"typ":"x","val":"y"}]}'),
);
const principalClaims = fc.oneof(
  claimsJson.map((json) => Buffer.from(json).toString('base64')),
  headerValue(80),
  fc.integer({ min: 32 * 1024 - 10, max: 40 * 1024 }).map((n) => 'A'.repeat(n - (n % 4))),
);
const hostilePrincipal = fc.record(
  {
    'X-MS-CLIENT-PRINCIPAL-ID': objectIdLike,
    'X-MS-CLIENT-PRINCIPAL': principalClaims,
    'X-MS-CLIENT-PRINCIPAL-NAME': headerValue(80),
    'X-MS-CLIENT-PRINCIPAL-IDP': fc.constantFrom('aad', 'AAD', 'github', '', 'aad '),
  },
  { requiredKeys: [] },
);
/** Mostly a genuine principal with one part replaced, so the parser's later checks are reached too. */
export const hostilePrincipalHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  hostilePrincipal,
  hostilePrincipal.map((overrides) => ({ ...principalHeaders(), ...overrides })),
  fc.uuid().map((objectId) => principalHeaders({ objectId, name: 'someone@contoso.example' })),
);

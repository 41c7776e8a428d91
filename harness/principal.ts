// The headers App Service Authentication adds for a user signed in with Microsoft Entra ID, as tests need them.
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

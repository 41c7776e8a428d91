// The signed-in user as App Service Authentication (Easy Auth) passes it: X-MS-CLIENT-PRINCIPAL-ID (the object ID),
// -NAME, -IDP, and X-MS-CLIENT-PRINCIPAL (base64 JSON with every claim). The platform strips client-sent copies
// only while its authentication is on, so the caller decides whether to trust them (see authenticate.ts).
// Pure: no I/O.

export interface Claim {
  typ: string;
  val: string;
}

export interface Principal {
  /** Entra object ID (oid). */
  objectId: string;
  /** The user name (UPN or e-mail) the platform shows, when there is one. */
  name?: string;
  claims: Claim[];
  /** The claim type of roles in this principal (role_typ). */
  roleType: string;
}

export type PrincipalProblem = 'missing' | 'malformed' | 'oversized' | 'inconsistent' | 'unsupported-provider';

export class PrincipalError extends Error {
  override name = 'PrincipalError';
  constructor(
    readonly problem: PrincipalProblem,
    detail: string,
  ) {
    super(detail);
  }
}

export interface HeaderSource {
  get(name: string): string | null;
}

/** Group overage aside, Entra puts at most 200 groups in a token; 32 KB of base64 holds that with room to spare. */
export const MAX_PRINCIPAL_HEADER_LENGTH = 32 * 1024;
const MAX_SIMPLE_HEADER_LENGTH = 512;
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const OBJECT_ID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
export const DEFAULT_ROLE_TYPE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';

function header(headers: HeaderSource, name: string, maxLength: number): string | undefined {
  const value = headers.get(name);
  if (value === null || value === '') return undefined;
  if (value.length > maxLength) throw new PrincipalError('oversized', `${name} is longer than ${maxLength} characters`);
  return value;
}

function decodeClaims(encoded: string): { claims: Claim[]; roleType: string } {
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) throw new PrincipalError('malformed', 'X-MS-CLIENT-PRINCIPAL is not base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw new PrincipalError('malformed', 'X-MS-CLIENT-PRINCIPAL is not base64 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { claims?: unknown }).claims))
    throw new PrincipalError('malformed', 'X-MS-CLIENT-PRINCIPAL has no claims array');
  const { claims, role_typ: roleType } = parsed as { claims: unknown[]; role_typ?: unknown };
  const valid = claims.every(
    (c): c is Claim => typeof c === 'object' && c !== null && typeof (c as Claim).typ === 'string' && typeof (c as Claim).val === 'string',
  );
  if (!valid) throw new PrincipalError('malformed', 'X-MS-CLIENT-PRINCIPAL has a claim that is not {typ, val} strings');
  return { claims, roleType: typeof roleType === 'string' && roleType ? roleType : DEFAULT_ROLE_TYPE };
}

/** The principal in the request's headers. Throws PrincipalError when there is none or it does not hold together. */
export function parsePrincipal(headers: HeaderSource): Principal {
  const objectId = header(headers, 'x-ms-client-principal-id', MAX_SIMPLE_HEADER_LENGTH);
  const encoded = header(headers, 'x-ms-client-principal', MAX_PRINCIPAL_HEADER_LENGTH);
  const name = header(headers, 'x-ms-client-principal-name', MAX_SIMPLE_HEADER_LENGTH);
  const provider = header(headers, 'x-ms-client-principal-idp', MAX_SIMPLE_HEADER_LENGTH);
  if (objectId === undefined || encoded === undefined)
    throw new PrincipalError('missing', 'no X-MS-CLIENT-PRINCIPAL-ID and X-MS-CLIENT-PRINCIPAL');
  if (provider !== undefined && provider.toLowerCase() !== 'aad')
    throw new PrincipalError('unsupported-provider', 'only Microsoft Entra ID (aad) sign-ins are accepted');
  if (!OBJECT_ID.test(objectId)) throw new PrincipalError('malformed', 'X-MS-CLIENT-PRINCIPAL-ID is not an Entra object ID');
  const { claims, roleType } = decodeClaims(encoded);
  const claimedId = claims.find((c) => c.typ === OBJECT_ID_CLAIM || c.typ === 'oid')?.val;
  if (claimedId !== undefined && claimedId.toLowerCase() !== objectId.toLowerCase())
    throw new PrincipalError('inconsistent', 'X-MS-CLIENT-PRINCIPAL-ID and the object ID claim differ');
  return { objectId: objectId.toLowerCase(), name, claims, roleType };
}

/** The principal's groups (object IDs) and app roles. */
export function groupsAndRoles(principal: Principal): Set<string> {
  const types = new Set(['groups', 'roles', principal.roleType]);
  return new Set(principal.claims.filter((c) => types.has(c.typ)).map((c) => c.val));
}

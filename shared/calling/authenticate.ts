// Who is asking for a browser token: the platform's signed-in user, trusted only while the platform's
// authentication is on; locally, in Development only, the fixed CLIENT_DEV_IDENTITY. Pure: no I/O.
import type { CallingSettings } from '../platform/settings';
import { clientIdentity, displayName, mayCall } from './identity';
import { parsePrincipal, PrincipalError, type HeaderSource } from './principal';

export type Authentication =
  | { ok: true; identity: string; name?: string }
  | { ok: false; status: 401 | 403; reason: string; problem: 'platform-auth-off' | 'signed-out' | 'bad-principal' | 'not-allowed' };

const PRINCIPAL_HEADERS = ['x-ms-client-principal', 'x-ms-client-principal-id', 'x-ms-client-principal-name', 'x-ms-client-principal-idp'];

export function authenticate(
  headers: HeaderSource,
  calling: Pick<CallingSettings, 'platformAuthEnabled' | 'devIdentity' | 'allowedGroups'>,
): Authentication {
  if (!calling.platformAuthEnabled) {
    // The dev identity answers no matter what headers say: with authentication off, they are whatever the caller wrote.
    if (calling.devIdentity) return { ok: true, identity: calling.devIdentity, name: calling.devIdentity };
    const forged = PRINCIPAL_HEADERS.some((name) => headers.get(name) !== null);
    return {
      ok: false,
      status: 403,
      problem: 'platform-auth-off',
      reason: forged
        ? 'App Service Authentication is off for this app, so X-MS-CLIENT-PRINCIPAL headers cannot be trusted; refusing.'
        : 'App Service Authentication is off for this app; browser calling needs it (see docs/browser-calling.md). ' +
          'Locally, CLIENT_DEV_IDENTITY in local.settings.json gives the page a fixed identity instead.',
    };
  }
  let principal;
  try {
    principal = parsePrincipal(headers);
  } catch (error) {
    if (!(error instanceof PrincipalError)) throw error;
    if (error.problem === 'missing') return { ok: false, status: 401, problem: 'signed-out', reason: 'Not signed in.' };
    return { ok: false, status: 401, problem: 'bad-principal', reason: `The sign-in could not be read: ${error.message}.` };
  }
  if (!mayCall(principal, calling.allowedGroups))
    return { ok: false, status: 403, problem: 'not-allowed', reason: 'Signed in, but not in a group or role allowed to make calls.' };
  return { ok: true, identity: clientIdentity(principal), name: displayName(principal) };
}

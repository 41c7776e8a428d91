// Who may use the console: a signed-in Entra user holding one of CONSOLE_ADMINS (group object IDs or app role
// values) in the groups or roles claims, trusted only while the platform's authentication is on. With it off, only
// a local developer (AZURE_FUNCTIONS_ENVIRONMENT=Development) gets in, and the page says so. A request that changes
// something must also come from the console's own page (same origin). Pure: no I/O.
import { groupsAndRoles, parsePrincipal, PrincipalError, type HeaderSource } from '../calling/principal';

export interface ConsoleAccessConfig {
  /** Entra group object IDs and app role values whose holders are console admins. */
  admins: readonly string[];
  /** WEBSITE_AUTH_ENABLED: only then are the X-MS-CLIENT-PRINCIPAL* headers the platform's. */
  platformAuthEnabled: boolean;
  /** AZURE_FUNCTIONS_ENVIRONMENT=Development. */
  isDevelopment: boolean;
}

export type ConsoleAccess =
  { ok: true; who: string; localDeveloper: boolean } | { ok: false; status: 401 | 403; reason: string; signIn: boolean };

export function consoleAccess(headers: HeaderSource, config: ConsoleAccessConfig): ConsoleAccess {
  if (!config.platformAuthEnabled) {
    // Whatever principal headers say is what the caller wrote: they decide nothing here.
    if (config.isDevelopment) return { ok: true, who: 'local developer', localDeveloper: true };
    return {
      ok: false,
      status: 403,
      signIn: false,
      reason: 'App Service Authentication is off for this app, so no sign-in can be trusted; the console needs it (docs/console.md).',
    };
  }
  let principal;
  try {
    principal = parsePrincipal(headers);
  } catch (error) {
    if (!(error instanceof PrincipalError)) throw error;
    if (error.problem === 'missing') return { ok: false, status: 401, signIn: true, reason: 'Not signed in.' };
    return { ok: false, status: 401, signIn: true, reason: `The sign-in could not be read: ${error.message}.` };
  }
  const held = groupsAndRoles(principal);
  if (!config.admins.some((admin) => held.has(admin)))
    return {
      ok: false,
      status: 403,
      signIn: false,
      reason: 'Signed in, but not a console admin: ask for a group or app role listed in CONSOLE_ADMINS.',
    };
  return { ok: true, who: principal.name ?? principal.objectId, localDeveloper: false };
}

/** Host and port only: behind the platform's front end the app may see http where the browser used https. */
function sameHost(origin: string, requestUrl: string): boolean {
  try {
    return new URL(origin).host === new URL(requestUrl).host;
  } catch {
    return false;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * A request that changes something is honoured only from the console's own page: the browser's Sec-Fetch-Site
 * says same-origin, or (older browsers) its Origin is this request's own. A request with neither is refused too:
 * every browser that runs the page sends one of them on a POST or DELETE. The body must also be JSON, which a
 * cross-site form cannot send without a CORS preflight that this app never answers.
 */
export function crossSiteRefusal(method: string, headers: HeaderSource, requestUrl: string): string | undefined {
  if (SAFE_METHODS.has(method.toUpperCase())) return undefined;
  const site = headers.get('sec-fetch-site');
  const origin = headers.get('origin');
  if (site !== null && site !== 'same-origin') return `refused: a ${site} request cannot change anything here`;
  if (site === null && origin === null) return 'refused: a request that changes something must come from the console page (no Origin)';
  if (origin !== null && !sameHost(origin, requestUrl)) return 'refused: a request from another origin cannot change anything here';
  const type = (headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') return 'refused: the body must be application/json';
  return undefined;
}

// The Twilio client identity of a signed-in user, and who may have one. Pure: no I/O.
import { groupsAndRoles, type Principal } from './principal';

/**
 * Twilio's rule for client names (error 31105): no control, space, delimiter or "unwise" characters, at most 256.
 * Stricter still: none of / ? & either, so an identity is safe in a URL and in `client:<identity>`.
 */
export const CLIENT_IDENTITY = /^[A-Za-z0-9._~!$'()*+,;=:@-]{1,256}$/;

/**
 * The object ID: stable across renames and e-mail changes, unique in the tenant, and already within Twilio's
 * rule for client names (error 31105), so one user always reaches the same browsers.
 */
export function clientIdentity(principal: Principal): string {
  const identity = principal.objectId;
  if (!CLIENT_IDENTITY.test(identity)) throw new Error('an Entra object ID is always a valid client identity');
  return identity;
}

/** A shorter name for people to read and dial (client:alice_contoso.com): the user name with anything else as _. */
export function displayName(principal: Principal): string | undefined {
  const cleaned = (principal.name ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9._@-]/g, '_')
    .slice(0, 128);
  return /[a-z0-9]/.test(cleaned) ? cleaned : undefined;
}

/** With CLIENT_ALLOWED_GROUPS set, only members of one of those groups or holders of one of those app roles. */
export function mayCall(principal: Principal, allowedGroups: readonly string[]): boolean {
  if (allowedGroups.length === 0) return true;
  const held = groupsAndRoles(principal);
  return allowedGroups.some((group) => held.has(group));
}

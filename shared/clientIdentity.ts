// Twilio Client identities, shared by settings and browser calling. Pure: no I/O.

/**
 * Twilio's rule for client names (error 31105): no control, space, delimiter or "unwise" characters, at most 256.
 * Stricter still: none of / ? & either, so an identity is safe in a URL and in `client:<identity>`.
 */
export const CLIENT_IDENTITY = /^[A-Za-z0-9._~!$'()*+,;=:@-]{1,256}$/;

/** Twilio refuses Access Tokens that live longer than 24 hours (error 20157). */
export const MAX_CLIENT_TOKEN_TTL_SECONDS = 86_400;

// HTTP Basic credentials on the sink. Event Streams sends them when the sink's destination URL carries them in
// its user info (https://user:password@host/api/event-streams), on every request. Pure.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Whether the Authorization header carries `expected` (user:password). Compared as SHA-256 digests in constant
 * time, so neither the length nor the content of the expected value shows in the time taken.
 */
export function basicCredentialsMatch(authorization: string | null, expected: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  const given = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  return timingSafeEqual(digest(given), digest(expected)) && match !== null;
}

/** user:password is what a URL's user info holds; a value without the colon is a mistake worth naming. */
export function basicCredentialsProblem(value: string): string | undefined {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) return 'must be user:password (both non-empty)';
  return undefined;
}

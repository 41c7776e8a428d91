// Links that open a voicemail recording without Twilio credentials, for a limited time: this app's own URL,
// GET /api/recordings/{sid}?exp=<unix seconds>&sig=<HMAC-SHA256 of sid and exp>, which streams the copy in Blob
// storage. Pure: the key comes in as a parameter (recordingBlob.ts keeps it).
//
// Why not a user-delegation SAS: a SAS points the SMS at the storage account itself (which must then be reachable
// from any phone), is about 300 characters (three SMS segments), cannot outlive 7 days, and needs the Storage Blob
// Delegator role. This link is about 130 characters, keeps storage private, and is revoked by deleting the key.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const RECORDING_SID = /^RE[0-9a-f]{32}$/;

export interface RecordingLinkParts {
  sid: string;
  /** Unix seconds after which the link no longer opens. */
  expiresAt: number;
}

function signature(key: Buffer, { sid, expiresAt }: RecordingLinkParts): string {
  return createHmac('sha256', key).update(`recording-link\n${sid}\n${expiresAt}`).digest('base64url');
}

/** The query of a link (exp and sig), appended to /api/recordings/{sid}. */
export function recordingLinkQuery(key: Buffer, parts: RecordingLinkParts): string {
  return `exp=${parts.expiresAt}&sig=${signature(key, parts)}`;
}

export type LinkVerdict = 'ok' | 'forbidden';

/**
 * Whether `sig` is this key's signature of `sid` and `exp`, and `exp` is still ahead of `nowSeconds`. Any
 * malformed part is 'forbidden' too: the answer never says which part was wrong.
 */
export function checkRecordingLink(
  key: Buffer,
  request: { sid: string; exp: string | null; sig: string | null },
  nowSeconds: number,
): LinkVerdict {
  const { sid, exp, sig } = request;
  if (!RECORDING_SID.test(sid) || exp === null || sig === null || !/^\d{1,12}$/.test(exp)) return 'forbidden';
  const expiresAt = Number(exp);
  if (expiresAt <= nowSeconds) return 'forbidden';
  const expected = Buffer.from(signature(key, { sid, expiresAt }));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'forbidden';
}

/** The link's expiry for a recording copied at `copiedAtMs`, in Unix seconds. */
export function linkExpiry(copiedAtMs: number, ttlMs: number): number {
  return Math.floor((copiedAtMs + ttlMs) / 1000);
}

// What a key was first used for, as a short hash kept in its ledger row: "one send per key" can then tell a
// producer's retry (same content) from a second message under a key already taken (different content). Pure.
import { createHash } from 'node:crypto';
import type { OutboundMessage } from './schema';

/** JSON with object keys sorted, so the same content hashes the same whatever order a producer wrote it in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 of the message without its idempotencyKey (the key is what is being compared under) and its correlationId
 * (each producer attempt may bring its own: a retry is still the same message).
 */
export function contentHash(message: OutboundMessage): string {
  const { idempotencyKey: _key, correlationId: _correlation, ...content } = message;
  return `sha256-${createHash('sha256').update(canonical(content)).digest('hex')}`;
}

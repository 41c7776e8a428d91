// A batch of outbound messages (POST /api/outbound/batch, `npm run send -- batch`). Pure: each message is
// checked with the outbound schema, and each gets a key of its own derived from the batch key and its recipient,
// so sending the same batch again sends nothing twice.
import { createHash } from 'node:crypto';
import { MAX_BATCH_SIZE } from './fields';
import { validateOutboundMessage, type OutboundMessage, type SchemaIssue } from './schema';

/** A batch key leaves room for the recipient part of the derived keys within the 200 characters of a key. */
export const BATCH_KEY = /^[A-Za-z0-9][A-Za-z0-9._:@=-]{0,159}$/;

/** The key of the message to `to` in the batch `batchKey`: the recipient as a hash, so no number shows in keys or logs. */
export function recipientKey(batchKey: string, to: string): string {
  return `${batchKey}-${createHash('sha256').update(to).digest('hex').slice(0, 20)}`;
}

export type BatchEntry =
  | { index: number; ok: true; key: string; message: OutboundMessage & { idempotencyKey: string } }
  | { index: number; ok: false; key?: string; issues: SchemaIssue[] };

export type BatchValidation = { ok: true; batchKey: string; entries: BatchEntry[] } | { ok: false; issues: SchemaIssue[] };

/**
 * Checks a batch body: `{ "idempotencyKey"?: string, "messages": [ ...up to 1,000 outbound messages ] }`. Problems
 * with the batch itself fail it whole; problems with one message fail only that message. A message's own
 * idempotencyKey wins over the derived one; two messages to one recipient without their own keys would share a key,
 * so the second is refused.
 */
export function validateBatch(input: unknown, options: { now: Date; newKey: () => string }): BatchValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, issues: [{ path: '', message: 'must be an object: {"idempotencyKey": "...", "messages": [...]}' }] };
  const { idempotencyKey, messages, ...extra } = input as Record<string, unknown>;
  const issues: SchemaIssue[] = Object.keys(extra).map((key) => ({ path: key, message: `unknown field "${key}"` }));
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !BATCH_KEY.test(idempotencyKey)))
    issues.push({
      path: 'idempotencyKey',
      message: 'must be 1-160 characters of A-Z a-z 0-9 . _ : @ = -, starting with a letter or digit',
    });
  if (!Array.isArray(messages) || messages.length === 0)
    issues.push({ path: 'messages', message: `must be an array of 1 to ${MAX_BATCH_SIZE} outbound messages` });
  else if (messages.length > MAX_BATCH_SIZE)
    issues.push({ path: 'messages', message: `has ${messages.length} messages; a batch takes at most ${MAX_BATCH_SIZE}` });
  if (issues.length) return { ok: false, issues };
  const batchKey = (idempotencyKey as string | undefined) ?? options.newKey();
  const seen = new Map<string, number>();
  const entries = (messages as unknown[]).map((candidate, index): BatchEntry => {
    const validation = validateOutboundMessage(candidate, { now: options.now });
    if (!validation.ok) return { index, ok: false, issues: validation.issues };
    const message = validation.message;
    const key = message.idempotencyKey ?? recipientKey(batchKey, message.to);
    const first = seen.get(key);
    if (first !== undefined) {
      const problem = message.idempotencyKey
        ? `idempotencyKey is the key of message ${first} too`
        : `message ${first} goes to the same recipient; give one of them its own idempotencyKey`;
      return { index, ok: false, key, issues: [{ path: 'idempotencyKey', message: problem }] };
    }
    seen.set(key, index);
    return { index, ok: true, key, message: { ...message, idempotencyKey: key } };
  });
  return { ok: true, batchKey, entries };
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapLimited<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i], i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

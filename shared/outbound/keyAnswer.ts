// GET and DELETE /api/outbound/{key}: a message's ledger row, and its cancel. Pure: the ledger comes in as `io`.
// The row is shown without claimId (which attempt holds it is the workers' business).
import type { HttpResponseInit } from '@azure/functions';
import { IDEMPOTENCY_KEY } from './fields';
import type { LedgerRow } from './ledger';
import { cancelOutbound, type OutboundIo } from './orchestrator';

const visible = ({ claimId: _claimId, ...row }: LedgerRow) => row;
const notFound = (key: string): HttpResponseInit => ({ status: 404, jsonBody: { error: 'No outbound message with this key.', key } });

/** GET: 200 with the row, or 404 (an unknown key, or one that is not a key: then it is not looked up). */
export async function answerOutboundGet(readRow: (key: string) => Promise<LedgerRow | undefined>, key: string): Promise<HttpResponseInit> {
  const row = IDEMPOTENCY_KEY.test(key) ? await readRow(key) : undefined;
  if (!row) return notFound(key);
  return { status: 200, jsonBody: visible(row) };
}

/**
 * DELETE: 200 with the row (now `canceled`, for good), 404 for an unknown key (a malformed one is not echoed), 409
 * with the status when an attempt has already claimed or settled it.
 */
export async function answerOutboundCancel(io: Pick<OutboundIo, 'ledger' | 'now' | 'events'>, key: string): Promise<HttpResponseInit> {
  if (!IDEMPOTENCY_KEY.test(key)) return notFound('');
  const result = await cancelOutbound(io, key);
  if (result.outcome === 'not-found') return notFound(key);
  const row = visible(result.row);
  if (result.outcome === 'too-late') {
    return { status: 409, jsonBody: { error: `Too late to cancel: the message is ${row.status}.`, key, status: row.status, row } };
  }
  return { status: 200, jsonBody: row };
}

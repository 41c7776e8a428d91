// The log line of one acceptance attempt (POST /api/outbound, one line of a batch). Pure.
// `correlationId` is the attempt's own id; when the key was accepted before (a producer's retry), the message
// keeps the first acceptance's id, named in `messageCorrelationId`, and the send's lines carry that one.
import type { LedgerUpdate } from './ledger';

export function acceptEntry(
  update: LedgerUpdate,
  attempt: { key: string; correlationId: string; producer: 'http' | 'batch' | 'cli' },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const status = update.row?.status;
  const messageCorrelationId = update.row?.correlationId;
  const outcome = update.changed
    ? 'accepted'
    : status === 'accepted'
      ? 'already accepted: queued again under the first acceptance'
      : `not queued again: the key is already ${status}`;
  return {
    event: 'outbound-accept',
    key: attempt.key,
    correlationId: attempt.correlationId,
    ...(messageCorrelationId && messageCorrelationId !== attempt.correlationId && { messageCorrelationId }),
    producer: attempt.producer,
    ...extra,
    outcome,
    status,
  };
}

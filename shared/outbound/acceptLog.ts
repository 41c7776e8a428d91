// The log line of one acceptance attempt (POST /api/outbound, one line of a batch). Pure.
// `correlationId` is the attempt's own id; when the key was accepted before (a producer's retry), the message
// keeps the first acceptance's id, named in `messageCorrelationId`, and the send's lines carry that one.
import type { LedgerUpdate } from './ledger';
import { outcomeLine, type Decision } from './outcomes';

export interface AcceptAttempt {
  key: string;
  correlationId: string;
  producer: 'http' | 'batch' | 'cli';
}

export function acceptEntry(update: LedgerUpdate, attempt: AcceptAttempt, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const status = update.row?.status;
  const messageCorrelationId = update.row?.correlationId;
  const decision: Decision<'outbound-accept'> = update.changed
    ? { outcome: 'accepted' }
    : status === 'accepted'
      ? { outcome: 'queued-again', detail: 'already accepted: queued again under the first acceptance' }
      : { outcome: 'not-queued', detail: `not queued again: the key is already ${status}` };
  return outcomeLine(
    'outbound-accept',
    {
      key: attempt.key,
      correlationId: attempt.correlationId,
      ...(messageCorrelationId && messageCorrelationId !== attempt.correlationId && { messageCorrelationId }),
      producer: attempt.producer,
      ...extra,
    },
    { ...decision, status },
  );
}

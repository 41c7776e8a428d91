// The outbound path's structured log lines: one JSON object per decision, `{"event", "key", "correlationId", ...,
// "outcome", "detail"?, ...}`. `outcome` is a code from the closed set of its event below, fit for a query's
// `summarize count() by outcome`; `detail` is free text for a person, never parsed. docs/outbound-outcomes.md
// explains each code. Pure.

/** Every outcome code, per event. */
export const OUTCOMES = {
  /** One delivery of an outbound queue message (shared/outbound/orchestrator.ts). */
  outbound: [
    'sent',
    'reconciled',
    'duplicate',
    'canceled',
    'scheduled',
    'deferred',
    'rejected',
    'rejected-row-kept',
    'key-reused',
    'failed',
    'will-retry',
    'poisoned',
    'opt-out-recorded',
    'opt-out-not-recorded',
  ],
  /** One status re-check of a sent message (a `{"statusCheck"}` queue message). */
  'status-check': [
    'send-not-recorded',
    'nothing-to-check',
    'already-final',
    'not-sent-yet',
    'lookup-failed',
    'final-status',
    'still-sent',
    'no-final-status',
  ],
  /** One acceptance attempt: POST /api/outbound, a line of a batch, `npm run send`. */
  'outbound-accept': ['accepted', 'queued-again', 'not-queued', 'refused', 'failed'],
  /** One message or call status callback from Twilio. */
  'status-callback': ['applied', 'ignored', 'other-send', 'no-row', 'no-key', 'not-a-callback', 'events-unavailable'],
  /** One answering-machine detection result. */
  amd: ['recorded', 'machine-message-playing', 'machine-message-failed', 'ignored', 'no-row', 'no-key', 'events-unavailable'],
  /** The SMS webhook relayed a message to SMS_FORWARD_TO through the outbound queue. */
  'sms-relay': ['queued'],
} as const;

export type OutcomeEvent = keyof typeof OUTCOMES;
export type Outcome<E extends OutcomeEvent = OutcomeEvent> = (typeof OUTCOMES)[E][number];

/** A decision as a step returns it: its code, its words for a person, and the fields that go with it. */
export type Decision<E extends OutcomeEvent> = { outcome: Outcome<E>; detail?: string } & Record<string, unknown>;

/**
 * The one shape of an outcome line: `event` first (readers find a line by its `{"event":"<name>",` prefix), then
 * who it is about, then `outcome` and `detail`, then the decision's own fields. Fields left undefined are dropped
 * by JSON.stringify, as before.
 */
export function outcomeLine<E extends OutcomeEvent>(
  event: E,
  about: Record<string, unknown>,
  decision: Decision<E>,
): Record<string, unknown> & { event: E; outcome: Outcome<E> } {
  const { outcome, detail, ...fields } = decision;
  return { event, ...about, outcome, ...(detail !== undefined && { detail }), ...fields };
}

export function isOutcome<E extends OutcomeEvent>(event: E, value: unknown): value is Outcome<E> {
  return (OUTCOMES[event] as readonly unknown[]).includes(value);
}

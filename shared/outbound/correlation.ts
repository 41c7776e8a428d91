// One id through an outbound message's whole path: the W3C trace id of the invocation that accepted
// the message, so that in Application Insights it is the accepting request's operation_Id. It is kept in the
// ledger row and on every queue message, and put on each CloudEvent as the distributed tracing extension's
// `traceparent`. Pure: parsing and making ids.
import { createHash, randomBytes } from 'node:crypto';

/** A W3C trace id: 32 lowercase hex digits, not all zero (https://www.w3.org/TR/trace-context/#trace-id). */
export const CORRELATION_ID = /^(?!0{32})[0-9a-f]{32}$/;

export const CORRELATION_ID_RULE = 'must be a W3C trace id: 32 lowercase hex digits, not all zero';

export const isCorrelationId = (value: unknown): value is string => typeof value === 'string' && CORRELATION_ID.test(value);

// version-traceid-parentid-flags; version ff is invalid, a parent id of all zeros too.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The trace id of a `traceparent` value, or undefined when it is not a valid one. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (!match) return undefined;
  const [, version, traceId, parentId] = match;
  if (version === 'ff' || (version === '00' && match[5] !== undefined) || /^0{16}$/.test(parentId)) return undefined;
  return CORRELATION_ID.test(traceId) ? traceId : undefined;
}

export const newCorrelationId = (): string => randomBytes(16).toString('hex');

/**
 * The id of one invocation: the trace id of the `traceParent` the Functions host gave it (context.traceContext),
 * else a new random one (the local CLI, a host that gave none).
 */
export function invocationCorrelationId(traceContext: { traceParent?: string | null } | undefined): string {
  return traceIdOf(traceContext?.traceParent ?? undefined) ?? newCorrelationId();
}

/**
 * The invocation's id, made on first use and the same after: a webhook that queues nothing and publishes no event
 * (the usual SMS with events off) pays for neither the parse nor the random bytes.
 */
export function lazyInvocationCorrelationId(traceContext: { traceParent?: string | null } | undefined): () => string {
  let id: string | undefined;
  return () => (id ??= invocationCorrelationId(traceContext));
}

/**
 * The CloudEvents distributed tracing extension's `traceparent` for an event of the message `correlationId`.
 * The parent id is derived from the event id, so a republish of the event carries the same value.
 */
export function eventTraceparent(correlationId: string, eventId: string): string {
  const parentId = createHash('sha256').update(eventId).digest('hex').slice(0, 16);
  return `00-${correlationId}-${/^0{16}$/.test(parentId) ? '0000000000000001' : parentId}-01`;
}

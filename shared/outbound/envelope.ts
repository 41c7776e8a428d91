// What one queue delivery carries: the outbound message (unwrapped from an Event Grid envelope if need be),
// the queue metadata that can be trusted, and the idempotency key. Pure: no I/O.
import { createHash } from 'node:crypto';
import { decodeQueueMessage, UndecodableMessageError } from './decode';
import { IDEMPOTENCY_KEY, RESERVED_FIELDS } from './fields';
import { isCorrelationId, traceIdOf } from './correlation';

export interface Delivery {
  /** The outbound message candidate, not yet validated. */
  payload: unknown;
  /** How it arrived. */
  producer: 'message' | 'event-grid' | 'cloud-event';
  /** Set when the queue text could not be decoded at all. */
  undecodable?: string;
  key: string;
  /** Where the key came from, for the log and the key rules of docs/outbound.md. */
  keySource: 'idempotencyKey' | 'event id' | 'queue message id' | 'message hash';
  /** The queue message's own id and dequeue count, when no payload field hides them. */
  queueMessageId?: string;
  dequeueCount?: number;
  /** The correlationId the message (or status check) brought, when it is a valid one (./correlation.ts). */
  correlationId?: string;
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);

/**
 * An Event Grid event (Event Grid schema or CloudEvents 1.0) as Event Grid's storage-queue handler writes it:
 * one event per queue message, the outbound message in `data`.
 */
function unwrapEvent(value: unknown): { payload: unknown; producer: Delivery['producer']; eventId?: string; traceparent?: string } {
  if (isObject(value) && 'data' in value && typeof value.id === 'string') {
    if (typeof value.eventType === 'string' && typeof value.dataVersion === 'string')
      return { payload: value.data, producer: 'event-grid', eventId: value.id };
    if (typeof value.specversion === 'string' && typeof value.type === 'string') {
      // The CloudEvents distributed tracing extension: the producer's trace, when the message brings no correlationId.
      const traceparent = typeof value.traceparent === 'string' ? value.traceparent : undefined;
      return { payload: value.data, producer: 'cloud-event', eventId: value.id, traceparent };
    }
  }
  return { payload: value, producer: 'message' };
}

/**
 * The trigger metadata the host gave for the queue message itself. The host merges the top-level fields of a
 * JSON payload into the same object (case-insensitively, payload winning), so a payload field named like a
 * metadata field hides the real value: such values are not trusted.
 */
export function trustedQueueMetadata(
  queueItem: unknown,
  triggerMetadata: JsonObject | undefined,
): { queueMessageId?: string; dequeueCount?: number } {
  const merged = new Set(isObject(queueItem) ? Object.keys(queueItem).map((k) => k.toLowerCase()) : []);
  const read = (name: (typeof RESERVED_FIELDS)[number]) => (merged.has(name.toLowerCase()) ? undefined : triggerMetadata?.[name]);
  const id = read('id');
  const dequeueCount = read('dequeueCount');
  // The count may arrive as a number, a numeric string or a 64-bit integer object, depending on the host.
  const count = dequeueCount === undefined || dequeueCount === null ? NaN : Number(String(dequeueCount));
  return {
    queueMessageId: typeof id === 'string' && id ? id : undefined,
    dequeueCount: Number.isInteger(count) && count > 0 ? count : undefined,
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The raw message as text, for the content hash: redeliveries of one message hash the same. */
function rawText(queueItem: unknown): string {
  if (Buffer.isBuffer(queueItem)) return queueItem.toString('utf8');
  return typeof queueItem === 'string' ? queueItem : JSON.stringify(queueItem);
}

/**
 * The idempotency key, first that applies:
 * 1. the message's own idempotencyKey (when it is a valid key, even if the rest of the message is not);
 * 2. `event-<id>` for an Event Grid event, stable across Event Grid's redeliveries;
 * 3. the queue message id, stable across the queue's redeliveries;
 * 4. `sha256-<hash of the message text>` when a payload field hides the queue message id (such a message is
 *    invalid anyway; the hash gives its rejection one stable row).
 */
function chooseKey(
  payload: unknown,
  eventId: string | undefined,
  queueMessageId: string | undefined,
  text: string,
): Pick<Delivery, 'key' | 'keySource'> {
  const own = isObject(payload) ? payload.idempotencyKey : undefined;
  if (typeof own === 'string' && IDEMPOTENCY_KEY.test(own)) return { key: own, keySource: 'idempotencyKey' };
  if (eventId !== undefined) {
    const key = `event-${eventId}`;
    return { key: IDEMPOTENCY_KEY.test(key) ? key : `event-sha256-${sha256(eventId)}`, keySource: 'event id' };
  }
  if (queueMessageId && IDEMPOTENCY_KEY.test(queueMessageId)) return { key: queueMessageId, keySource: 'queue message id' };
  return { key: `sha256-${sha256(text)}`, keySource: 'message hash' };
}

/** A message's correlationId, or a status check's. An invalid one is left to the schema to reject. */
function correlationIdIn(payload: unknown): string | undefined {
  if (!isObject(payload)) return undefined;
  const own = isObject(payload.statusCheck) ? payload.statusCheck.correlationId : payload.correlationId;
  return isCorrelationId(own) ? own : undefined;
}

/** Reads one queue delivery: raw JSON or base64 text, a plain message or an Event Grid event. */
export function readDelivery(queueItem: unknown, triggerMetadata: JsonObject | undefined): Delivery {
  const { queueMessageId, dequeueCount } = trustedQueueMetadata(queueItem, triggerMetadata);
  const text = rawText(queueItem);
  let decoded: unknown;
  try {
    decoded = decodeQueueMessage(queueItem);
  } catch (error) {
    if (!(error instanceof UndecodableMessageError)) throw error;
    return {
      payload: undefined,
      producer: 'message',
      undecodable: error.message,
      ...chooseKey(undefined, undefined, queueMessageId, text),
      queueMessageId,
      dequeueCount,
    };
  }
  const { payload, producer, eventId, traceparent } = unwrapEvent(decoded);
  const correlationId = correlationIdIn(payload) ?? traceIdOf(traceparent);
  return {
    payload,
    producer,
    ...chooseKey(payload, eventId, queueMessageId, text),
    queueMessageId,
    dequeueCount,
    ...(correlationId && { correlationId }),
  };
}

// What Twilio Event Streams posts to a webhook sink: a JSON array of CloudEvents 1.0 (one object when the sink does
// not batch), and the same events as the app republishes them. Pure.
import { eventTraceparent } from '../outbound/correlation';

/** A CloudEvent as Event Streams sends it; attributes beyond these are kept as they came. */
export interface StreamEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time?: string;
  dataschema?: string;
  datacontenttype?: string;
  subject?: string;
  data?: unknown;
  [attribute: string]: unknown;
}

export interface BatchLimits {
  /** Bytes of the whole body. */
  maxBodyBytes: number;
  /** Bytes of one event as JSON: the events queue holds messages of at most 64 KiB. */
  maxEventBytes: number;
  maxEvents: number;
}

export const BATCH_LIMITS: BatchLimits = { maxBodyBytes: 1024 * 1024, maxEventBytes: 48 * 1024, maxEvents: 1000 };

export type BatchRefusal = { status: 400 | 413; reason: string };
/** An event larger than the events queue holds: its position in the batch and its size as JSON. */
export type Oversized = { index: number; bytes: number };
export type ParsedBatch = { events: StreamEvent[]; oversized: Oversized[] } | BatchRefusal;

// CloudEvents 1.0: attribute names are lowercase letters and digits, at most 20 characters.
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
const REQUIRED = ['id', 'source', 'type'] as const;

/** Why one array element is not a CloudEvent 1.0 this sink can republish, or undefined when it is one. */
function eventProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'is not an object';
  const event = value as Record<string, unknown>;
  if (event.specversion !== '1.0') return 'has no specversion 1.0';
  for (const name of REQUIRED) {
    if (typeof event[name] !== 'string' || !event[name].length) return `has no ${name}`;
  }
  for (const name of ['time', 'dataschema', 'datacontenttype', 'subject'] as const) {
    if (event[name] !== undefined && typeof event[name] !== 'string') return `has a ${name} that is not a string`;
  }
  if (typeof event.time === 'string' && Number.isNaN(Date.parse(event.time))) return 'has a time that is not a timestamp';
  const badName = Object.keys(event).find((name) => !ATTRIBUTE_NAME.test(name));
  if (badName !== undefined) return 'has an attribute whose name is not lowercase letters and digits';
  return undefined;
}

/**
 * The events of a sink request, or a 4xx with its reason. Every event must be a CloudEvent 1.0 (specversion, id,
 * source, type); one that is not refuses the whole request, so that Twilio's error log shows it and nothing is
 * half-published. The reason names the position and the problem, never a value (data holds phone numbers).
 * An event larger than the events queue holds does not refuse the batch: Twilio does not retry a 4xx, so the
 * others would be lost with it. It is listed in `oversized`, for the sink to keep aside.
 */
export function parseBatch(text: string, limits: BatchLimits = BATCH_LIMITS): ParsedBatch {
  if (Buffer.byteLength(text) > limits.maxBodyBytes) {
    return { status: 413, reason: `The body is larger than ${limits.maxBodyBytes} bytes.` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { status: 400, reason: 'The body is not JSON: Event Streams posts a JSON array of CloudEvents.' };
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (!list.length) return { status: 400, reason: 'The batch holds no events.' };
  if (list.length > limits.maxEvents) return { status: 413, reason: `The batch holds more than ${limits.maxEvents} events.` };
  const oversized: Oversized[] = [];
  for (const [index, value] of list.entries()) {
    const problem = eventProblem(value);
    if (problem) return { status: 400, reason: `Event ${index} ${problem}: each must be a CloudEvent 1.0.` };
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > limits.maxEventBytes) oversized.push({ index, bytes });
  }
  return { events: list as StreamEvent[], oversized };
}

/** Positions within one sink request, as the CloudEvents `sequence` extension (a string that sorts in order). */
export function sequenceOf(index: number): string {
  return String(index).padStart(6, '0');
}

/**
 * The event as the app republishes it: every attribute as Twilio sent it, plus the extensions the app's own
 * events carry: `traceparent` (the sink request's correlation id, so one request's events share a trace id) and
 * `sequence` (the event's position in that request: Event Streams does not promise order, and this keeps the
 * order it did send visible). An event that already carried either keeps its own.
 */
export function republished(event: StreamEvent, context: { correlationId: string; index: number }): StreamEvent {
  return {
    ...event,
    traceparent: event.traceparent ?? eventTraceparent(context.correlationId, event.id),
    sequence: event.sequence ?? sequenceOf(context.index),
  };
}

// The Event Streams sink's answer to one signed request: parse the batch, republish each event once, and say what
// happened in a status Twilio acts on (2xx: delivered; 4xx: the request is wrong; 503: retry later). Pure: the
// publishing and the records come in as ports (shared/eventStreams/sinkHttp.ts wires the real ones).
import { BATCH_LIMITS, parseBatch, republished, type BatchLimits, type StreamEvent } from './batch';
import { bounded, publishOnce, type Destination, type EventRecords } from './publishOnce';

/** An event too large for the events queue, as the sink keeps it aside: whole, with why. */
export interface KeptEvent {
  event: StreamEvent;
  bytes: number;
  reason: string;
  correlationId: string;
}

export interface OversizedStore {
  /** Where the events go, as the answer names it. */
  where: string;
  /** Keeps each event whole; idempotent per event id (a retry keeps it again, not twice). */
  keep(events: KeptEvent[], signal: AbortSignal): Promise<void>;
}

export interface SinkPorts {
  destinations: Destination[];
  records: EventRecords;
  now: () => number;
  leaseMs: number;
  /** Aborts every awaited call of the request: Twilio waits 5 s for a sink. */
  signal: AbortSignal;
  /** Bounds the publishing, which goes on after a request that reached its deadline (publishOnce.ts). */
  publishSignal: AbortSignal;
  oversized: OversizedStore;
  limits?: BatchLimits;
}

export interface SinkAnswer {
  status: number;
  /** One line for Twilio's error log and the app's: counts, positions and reasons, never event data. */
  reason: string;
  /** The log line's fields. */
  log: Record<string, unknown>;
  /** When publishing outlived the answer: the fields of the line that says how it ended. */
  settled?: Promise<Record<string, unknown>>;
}

export const RETRY_AFTER_SECONDS = 5;

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function receiveBatch(text: string, correlationId: string, ports: SinkPorts): Promise<SinkAnswer> {
  const limits = ports.limits ?? BATCH_LIMITS;
  const parsed = parseBatch(text, limits);
  if ('reason' in parsed) return { status: parsed.status, reason: parsed.reason, log: { outcome: 'refused', reason: parsed.reason } };
  const all = parsed.events.map((event, index) => republished(event, { correlationId, index }));
  const tooLarge = new Set(parsed.oversized.map((o) => o.index));
  const events = all.filter((_, index) => !tooLarge.has(index));
  const kept: KeptEvent[] = parsed.oversized.map(({ index, bytes }) => ({
    event: all[index],
    bytes,
    reason: `Event ${index} of the batch is ${bytes} bytes as JSON, more than the ${limits.maxEventBytes} a message on the events queue holds.`,
    correlationId,
  }));
  const types = [...new Set(all.map((e) => e.type))];
  // Id, type and size only: an event's data holds phone numbers.
  const oversized = kept.map((k) => ({ id: k.event.id, type: k.event.type, bytes: k.bytes }));
  const base = { correlationId, events: all.length, types, ...(kept.length && { oversized }) };
  const ids = all.map((e) => e.id);
  if (!ports.destinations.length) {
    const reason = 'Events are off (EVENTS_QUEUE is empty and no EVENT_GRID_TOPIC_ENDPOINT): nothing to publish to.';
    return { status: 503, reason, log: { ...base, outcome: 'not published', reason } };
  }
  if (kept.length) {
    try {
      await bounded(ports.oversized.keep(kept, ports.signal), ports.signal);
    } catch (error) {
      const reason = `Could not keep ${kept.length} event(s) too large for the events queue (${ports.oversized.where}): ${describe(error)}. Retry.`;
      return { status: 503, reason, log: { ...base, outcome: 'not published', reason, ids } };
    }
  }
  const keptAside = kept.length ? `; ${kept.length} too large for the events queue, kept whole in ${ports.oversized.where}` : '';
  let outcome;
  try {
    outcome = await publishOnce({
      events,
      destinations: ports.destinations,
      records: ports.records,
      now: ports.now,
      leaseMs: ports.leaseMs,
      signal: ports.signal,
      publishSignal: ports.publishSignal,
    });
  } catch (error) {
    // publishOnce catches what its ports throw; this is the deadline, or a bug: either way Twilio should retry.
    const reason = `Could not publish the events: ${describe(error)}`;
    return { status: 503, reason, log: { ...base, outcome: 'not published', reason } };
  }
  if (outcome.status === 'published') {
    const { published, duplicates } = outcome;
    return {
      status: 200,
      reason: `Published ${published} event(s)${duplicates ? `; ${duplicates} already published` : ''}${keptAside}.`,
      log: { ...base, outcome: 'published', published, duplicates, ...(kept.length && { keptAside: kept.length }), ids },
    };
  }
  if (outcome.status === 'publishing') {
    const reason = `Not published yet: ${outcome.reason}. Retry.`;
    const settled = outcome.settled.then(
      ({ status, ...late }) => ({ ...base, outcome: `${status} after the deadline`, ...late, ids }),
      (error: unknown) => ({ ...base, outcome: 'unavailable after the deadline', reason: String(error), ids }),
    );
    return { status: 503, reason, log: { ...base, outcome: 'publishing after the deadline', reason, ids }, settled };
  }
  const reason =
    outcome.status === 'busy'
      ? `Not published yet: ${outcome.reason}. Retry.`
      : `The events sink is unavailable (${outcome.reason}). Retry.`;
  return { status: 503, reason, log: { ...base, outcome: 'not published', reason, ids } };
}

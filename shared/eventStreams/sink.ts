// The Event Streams sink's answer to one signed request: parse the batch, republish each event once, and say what
// happened in a status Twilio acts on (2xx: delivered; 4xx: the request is wrong; 503: retry later). Pure: the
// publishing and the records come in as ports (shared/eventStreams/sinkHttp.ts wires the real ones).
import { parseBatch, republished, type BatchLimits } from './batch';
import { publishOnce, type Destination, type EventRecords } from './publishOnce';

export interface SinkPorts {
  destinations: Destination[];
  records: EventRecords;
  now: () => number;
  leaseMs: number;
  /** Aborts every awaited call of the request: Twilio waits 5 s for a sink. */
  signal: AbortSignal;
  /** Bounds the publishing, which goes on after a request that reached its deadline (publishOnce.ts). */
  publishSignal: AbortSignal;
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

export async function receiveBatch(text: string, correlationId: string, ports: SinkPorts): Promise<SinkAnswer> {
  const parsed = parseBatch(text, ports.limits);
  if ('reason' in parsed) return { status: parsed.status, reason: parsed.reason, log: { outcome: 'refused', reason: parsed.reason } };
  const events = parsed.events.map((event, index) => republished(event, { correlationId, index }));
  const types = [...new Set(events.map((e) => e.type))];
  const base = { correlationId, events: events.length, types };
  const ids = events.map((e) => e.id);
  if (!ports.destinations.length) {
    const reason = 'Events are off (EVENTS_QUEUE is empty and no EVENT_GRID_TOPIC_ENDPOINT): nothing to publish to.';
    return { status: 503, reason, log: { ...base, outcome: 'not published', reason } };
  }
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
    const reason = `Could not publish the events: ${error instanceof Error ? error.message : String(error)}`;
    return { status: 503, reason, log: { ...base, outcome: 'not published', reason } };
  }
  if (outcome.status === 'published') {
    const { published, duplicates } = outcome;
    return {
      status: 200,
      reason: `Published ${published} event(s)${duplicates ? `; ${duplicates} already published` : ''}.`,
      log: { ...base, outcome: 'published', published, duplicates, ids },
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

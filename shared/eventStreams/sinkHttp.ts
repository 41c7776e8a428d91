// POST /api/event-streams: Twilio Event Streams' webhook sink, wired to the real records table, events queue and
// Event Grid topic. Refusals come before anything is read: Basic credentials (when the app holds them), then the
// body's declared size, then X-Twilio-Signature (the webhook shell), then the batch itself (shared/eventStreams/sink.ts).
// Twilio gives a sink 5 s: every awaited call of the request shares one deadline short of that, and a request
// that reaches it answers 503 so Twilio retries.
import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { liveEventDestinations } from '../events/eventsIo';
import { invocationCorrelationId } from '../outbound/correlation';
import { REQUEST_QUEUE_RETRIES } from '../platform/storageClients';
import { refreshTwilioCredentials, twilioCredentials } from '../platform/twilioCredentials';
import { textResponse, twilioWebhook } from '../webhook/webhookHttp';
import { BATCH_LIMITS } from './batch';
import { basicCredentialsMatch } from './basicAuth';
import { eventRecordsTable } from './eventRecordsTable';
import { oversizedBlob } from './oversizedBlob';
import { receiveBatch, RETRY_AFTER_SECONDS } from './sink';

export interface EventStreamsSinkConfig {
  /** The table of event ids (one row per id). */
  table: string;
  /** How long an id is remembered: longer than Event Streams retries (four hours). */
  dedupeWindowMs: number;
  /** The blob container of events too large for the events queue. */
  oversizedContainer: string;
}

/** Short of Twilio's 5 s, leaving room for releasing the leases of a refused request (RELEASE_MS) and the answer. */
export const SINK_DEADLINE_MS = 3500;

/** The longest one events-queue call of the request profile takes: every try timing out, the longest delay between. */
const { maxTries, tryTimeoutInMs, maxRetryDelayInMs } = REQUEST_QUEUE_RETRIES;
export const LONGEST_QUEUE_CALL_MS = maxTries * tryTimeoutInMs + (maxTries - 1) * maxRetryDelayInMs;
/**
 * How long publishing may go on after the answer: the queue client's creation (first use) and the send, each as
 * long as the SDK's retries can take. Event Grid's client has no per-try timeout; this bounds it too.
 */
export const PUBLISH_BUDGET_MS = 2 * LONGEST_QUEUE_CALL_MS;
/**
 * A request's claim on its events, so that publishing still going on is never taken over: the publishing's budget,
 * then at least 30 s of tries at recording its outcome (storage may be restarting), then LEASE_MARGIN_MS for clocks
 * that differ between instances.
 */
export const CLAIM_LEASE_MS = 90_000;

const log = (fields: Record<string, unknown>) => JSON.stringify({ event: 'event-streams', ...fields });

/** The expected Basic credentials, re-read once (rate-limited) when they do not match: they may have rotated. */
async function basicRefusal(request: HttpRequest): Promise<HttpResponseInit | undefined> {
  const expected = (await twilioCredentials()).eventStreamsCredentials;
  if (!expected) return undefined;
  const authorization = request.headers.get('authorization');
  if (basicCredentialsMatch(authorization, expected)) return undefined;
  const refreshed = (await refreshTwilioCredentials()).eventStreamsCredentials;
  if (refreshed && refreshed !== expected && basicCredentialsMatch(authorization, refreshed)) return undefined;
  return {
    ...textResponse(401, 'Basic credentials required: put them in the sink destination URL (https://user:password@host/...).\n'),
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'WWW-Authenticate': 'Basic realm="event-streams", charset="UTF-8"' },
  };
}

export function eventStreamsSink(config: () => EventStreamsSinkConfig): HttpHandler {
  const signed = twilioWebhook(async ({ body, context }) => {
    const { table, dedupeWindowMs, oversizedContainer } = config();
    const correlationId = invocationCorrelationId(context.traceContext);
    const signal = AbortSignal.timeout(SINK_DEADLINE_MS);
    const publishSignal = AbortSignal.timeout(PUBLISH_BUDGET_MS);
    const answer = await receiveBatch(body, correlationId, {
      destinations: liveEventDestinations(),
      records: eventRecordsTable(table, { windowMs: dedupeWindowMs, now: Date.now }),
      now: Date.now,
      leaseMs: CLAIM_LEASE_MS,
      signal,
      publishSignal,
      oversized: oversizedBlob(oversizedContainer),
    });
    if (answer.status === 200) context.log(log(answer.log));
    else context.warn(log(answer.log));
    // After the answer the invocation is over, and its context warns when logged to: this line goes to the console.
    void answer.settled?.then((fields) => (fields.outcome === 'published after the deadline' ? console.info : console.warn)(log(fields)));
    const response = textResponse(answer.status, `${answer.reason}\n`);
    if (answer.status === 503) response.headers = { ...response.headers, 'Retry-After': String(RETRY_AFTER_SECONDS) };
    return response;
  });
  return async (request, context) => {
    const refused = await basicRefusal(request);
    if (refused) {
      context.warn(log({ outcome: 'refused', reason: 'Basic credentials missing or wrong (401)' }));
      return refused;
    }
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > BATCH_LIMITS.maxBodyBytes) {
      context.warn(log({ outcome: 'refused', reason: `body of ${declared} bytes (413)` }));
      return textResponse(413, `The body is larger than ${BATCH_LIMITS.maxBodyBytes} bytes.\n`);
    }
    return signed(request, context);
  };
}

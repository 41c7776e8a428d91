// The status function's assistant part: a call's own final status callback (no outbound key) publishes
// twilio.assistant.completed once, when the assistant spoke on the call. Loaded with the status function; the
// table and the events load only when the assistant is on.
import type { HttpResponseInit } from '@azure/functions';
import { IDEMPOTENCY_KEY } from '../outbound/fields';
import { EVENTS_UNAVAILABLE } from '../outbound/statusAnswer';
import { settings } from '../platform/settings';
import { first, type WebhookParams } from '../webhook/params';

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

/** undefined: not the assistant's business (an outbound send's callback, a message, or the assistant is off). */
export async function assistantStatusCallback(
  params: WebhookParams,
  key: string | undefined,
  correlationId: string,
  log: { log(message: string): void; warn(message: string): void },
): Promise<HttpResponseInit | undefined> {
  if (key && IDEMPOTENCY_KEY.test(key)) return undefined;
  const callSid = first(params, 'CallSid')?.trim();
  const callStatus = first(params, 'CallStatus')?.trim();
  if (!callSid || !CALL_SID.test(callSid) || !callStatus || first(params, 'AnsweredBy') !== undefined) return undefined;
  if (!settings().assistant.active) return undefined;
  const [{ assistantRuntime, completeConversation }, { EventsUnavailableError }] = await Promise.all([
    import('./assistantIo'),
    import('../events/eventsIo'),
  ]);
  const base = { event: 'assistant-completed', callSid, callStatus, correlationId };
  try {
    const outcome = await completeConversation(assistantRuntime(settings()), {
      callSid,
      callStatus,
      from: first(params, 'From') ?? undefined,
      now: new Date(),
      correlationId,
    });
    if (outcome === 'none' || outcome === 'not-final') return undefined;
    log.log(JSON.stringify({ ...base, outcome }));
    return { status: 204 };
  } catch (error) {
    if (!(error instanceof EventsUnavailableError)) throw error;
    log.warn(JSON.stringify({ ...base, outcome: 'not published (503, Twilio retries)', error: error.message }));
    return EVENTS_UNAVAILABLE;
  }
}

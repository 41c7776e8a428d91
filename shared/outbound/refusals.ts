// A refused message as each way in answers it: POST /api/outbound's HTTP answer, a batch line's issues, the
// command line's words and exit code, the acceptance's log line. The one place that maps a MessageRefusal. Pure.
import type { HttpResponseInit } from '@azure/functions';
import { KeyReusedError, MessageRefusal, type RefusalCode } from './errors';
import type { Decision } from './outcomes';

export { MessageRefusal };

const HTTP_ERRORS: Record<RefusalCode, string> = {
  'invalid-message': 'Invalid outbound message.',
  'opted-out': 'Invalid outbound message.',
  'not-configured': 'The app cannot send this message.',
  'key-reused': 'This idempotency key was already used for a different message. One send per key: use a new key for new content.',
};

/** POST /api/outbound's answer: 400 with the issues, 422 with the missing setting, 409 with where the key's message is. */
export function refusalResponse(refusal: MessageRefusal, where: { key: string; statusUrl: string }): HttpResponseInit {
  const error = HTTP_ERRORS[refusal.code];
  if (refusal instanceof KeyReusedError)
    return {
      status: refusal.httpStatus,
      headers: { Location: where.statusUrl },
      jsonBody: { error, key: where.key, status: refusal.status, statusUrl: where.statusUrl },
    };
  if (refusal.httpStatus === 422) return { status: 422, jsonBody: { error, ...refusal.logFields(), reason: refusal.message } };
  return { status: refusal.httpStatus, jsonBody: { error, issues: refusal.issues } };
}

const LOG_DETAILS: Record<RefusalCode, string> = {
  'invalid-message': 'Twilio could not take this message',
  'opted-out': 'the recipient opted out',
  'not-configured': 'the app lacks a setting',
  'key-reused': 'the key was used for a different message',
};

/** The acceptance's log line: which refusal, its HTTP status and facts (the message's own words stay out: they may quote a setting). */
export function refusalDecision(refusal: MessageRefusal): Decision<'outbound-accept'> {
  return {
    outcome: 'refused',
    detail: LOG_DETAILS[refusal.code],
    refusal: refusal.code,
    httpStatus: refusal.httpStatus,
    ...refusal.logFields(),
  };
}

/** The command line: refused for good, so retrying the same command gives the same answer (exit 2). */
export const REFUSAL_EXIT_CODE = 2;
export const refusalText = (refusal: MessageRefusal): string => `Not enqueued: ${refusal.message}`;

export const isRefusal = (error: unknown): error is MessageRefusal => error instanceof MessageRefusal;

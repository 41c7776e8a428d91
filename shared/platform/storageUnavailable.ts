// A storage outage as an HTTP caller should see it: 503 with Retry-After and a JSON reason, rather than the host's
// empty 500. Only outages: a refused connection, a timeout, a 5xx. Storage's other answers are bugs, not outages.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { asRestError } from './azureErrors';

export const STORAGE_RETRY_AFTER_SECONDS = 10;

/** What kind of outage this is, in words (the error code, never the message: that names the account). */
export async function storageOutage(error: unknown): Promise<string | undefined> {
  const rest = await asRestError(error);
  if (!rest) return undefined;
  const status = rest.statusCode;
  if (status === undefined) return rest.code ? `storage did not answer (${rest.code})` : 'storage did not answer';
  if (status >= 500 || status === 408) return `storage answered ${status}${rest.code ? ` (${rest.code})` : ''}`;
  return undefined;
}

/** The 503 for a storage outage, or undefined when the error is something else (then it is thrown on). */
export async function storageUnavailableResponse(
  error: unknown,
  extra: Record<string, unknown> = {},
): Promise<HttpResponseInit | undefined> {
  const reason = await storageOutage(error);
  if (!reason) return undefined;
  return {
    status: 503,
    headers: { 'Retry-After': String(STORAGE_RETRY_AFTER_SECONDS) },
    jsonBody: { error: 'Storage is unavailable. Try again later.', reason, ...extra },
  };
}

/**
 * An HTTP handler that answers a storage outage with the 503 above instead of throwing it to the host (a 500);
 * `about` adds fields of the request to the 503's body (e.g. the key asked for).
 */
export function answeringStorageOutages(
  handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
  about: (request: HttpRequest) => Record<string, unknown> = () => ({}),
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      const unavailable = await storageUnavailableResponse(error, about(request));
      if (unavailable) return unavailable;
      throw error;
    }
  };
}

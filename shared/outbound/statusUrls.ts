// URLs the outbound pieces hand out. Pure.
import { routePath } from '../platform/routes';

/**
 * Twilio's connection overrides, in the URL fragment: retry a failed status callback up to 5 times, whatever
 * failed (Twilio does not retry callbacks otherwise). Twilio signs the URL without the fragment, and never sends it.
 */
export const STATUS_CALLBACK_OVERRIDES = 'rc=5&rp=all';

/** This app's status callback for a key: the key rides in the query so the callback can find the ledger row. */
export function statusCallbackUrl(webhookBaseUrl: string, key: string): string {
  return `${webhookBaseUrl}${routePath('status')}?${new URLSearchParams({ key })}#${STATUS_CALLBACK_OVERRIDES}`;
}

/** Where a caller of POST /api/outbound follows a message: GET /api/outbound/{key}. */
export function outboundStatusUrl(baseUrl: string, key: string): string {
  return `${baseUrl}${routePath('outbound')}/${encodeURIComponent(key)}`;
}

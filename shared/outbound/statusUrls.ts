// URLs the outbound pieces hand out. Pure.
import { routePath } from '../platform/routes';

/** This app's status callback for a key: the key rides in the query so the callback can find the ledger row. */
export function statusCallbackUrl(webhookBaseUrl: string, key: string): string {
  return `${webhookBaseUrl}${routePath('status')}?${new URLSearchParams({ key })}`;
}

/** Where a caller of POST /api/outbound follows a message: GET /api/outbound/{key}. */
export function outboundStatusUrl(baseUrl: string, key: string): string {
  return `${baseUrl}${routePath('outbound')}/${encodeURIComponent(key)}`;
}

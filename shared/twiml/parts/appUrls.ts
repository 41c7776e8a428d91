// URLs that lead Twilio back to this app: Dial and Record actions, whispers, menu options.
// Built from the URL Twilio called (WEBHOOK_BASE_URL-based when set), so the host and an Azure function key
// (`code`) carry over.
import type { RouteName, ROUTES } from '../../platform/routes';

export type Query = Record<string, string | string[] | undefined>;

/**
 * `function` names another function next to this one (e.g. `whisper` from `/api/simulring`); without it the URL
 * is this function's own. Only the function key is kept from the current query; `query` adds the rest
 * (undefined and empty values are left out; arrays become `X[0]`, `X[1]`, ...).
 */
export function appUrl(current: URL, query: Query = {}, options: { function?: (typeof ROUTES)[RouteName] } = {}): string {
  // Assembled as a string rather than through a second URL object: dialling twimlets build one per call.
  const path = options.function ? current.pathname.replace(/[^/]*$/, options.function) : current.pathname;
  const search = new URLSearchParams();
  const code = current.searchParams.get('code');
  if (code !== null) search.set('code', code);
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) value.forEach((v, i) => search.append(`${key}[${i}]`, v));
    else if (value) search.append(key, value);
  }
  const queryString = search.toString();
  return `${current.origin}${path}${queryString ? `?${queryString}` : ''}`;
}

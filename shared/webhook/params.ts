// Parsing of Twilio webhook and twimlet parameters. Pure: no I/O.

/** Parameters as Twilio sends them: a repeated key keeps every value, in order. */
export type WebhookParams = Record<string, string | string[]>;

/**
 * No prototype: a parameter named `constructor`, `toString` or `__proto__` is an ordinary key. On a plain object
 * it would read Object.prototype's member (or set the prototype) and the signature check would fail.
 */
function emptyParams(): WebhookParams {
  return Object.create(null) as WebhookParams;
}

/** Collects URLSearchParams into WebhookParams, keeping repeated keys as arrays (the signature covers every value). */
export function paramsFromSearch(search: URLSearchParams): WebhookParams {
  const params = emptyParams();
  for (const [key, value] of search) {
    const existing = params[key];
    if (existing === undefined) params[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else params[key] = [existing, value];
  }
  return params;
}

/** Query and body parameters merged; body values follow query values of the same key. */
export function mergeParams(...sources: WebhookParams[]): WebhookParams {
  const merged = emptyParams();
  for (const source of sources) {
    for (const key in source) {
      const value = source[key];
      const existing = merged[key];
      // Webhooks run this per request; most keys appear in one source only.
      merged[key] = existing === undefined ? value : [...asList(existing), ...asList(value)];
    }
  }
  return merged;
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The parameter names, in order. One Reflect.ownKeys rather than for...in: on the recording view of a memoized
 * builder (twiml/parts/readsMemo.ts) for...in costs a descriptor request per key, about three times as much.
 */
function ownKeys(params: WebhookParams): string[] {
  return Reflect.ownKeys(params).filter((key): key is string => typeof key === 'string');
}

/** The first value of a parameter, or undefined. */
export function first(params: WebhookParams, key: string): string | undefined {
  return asList(params[key])[0];
}

/**
 * A twimlet list parameter: `X`, `X[]=a&X[]=b` and `X[0]=a&X[1]=b` all count.
 * Indexed entries come in index order, then `X[]` entries, with a plain `X` first.
 */
export function list(params: WebhookParams, name: string): string[] {
  const prefix = `${name}[`;
  const indexed: Array<[number, string]> = [];
  for (const key of ownKeys(params)) {
    // startsWith first: most of Twilio's ~25 parameters are not list entries, and this runs per request.
    const match = key.startsWith(prefix) ? INDEXED_KEY.exec(key.slice(name.length)) : null;
    if (match) for (const v of asList(params[key])) indexed.push([Number(match[1]), v]);
  }
  const plain = asList(params[name]);
  const appended = asList(params[`${name}[]`]);
  indexed.sort((a, b) => a[0] - b[0]);
  return [...plain, ...indexed.map(([, v]) => v), ...appended];
}

const INDEXED_KEY = /^\[(\d+)\]$/;
const MAP_KEY = /^\[([^\]]+)\]$/;

/** A map parameter such as `Options[1]=url`: key inside the brackets to the first value. */
export function keyed(params: WebhookParams, name: string): Map<string, string> {
  const prefix = `${name}[`;
  const map = new Map<string, string>();
  for (const key of ownKeys(params)) {
    const match = key.startsWith(prefix) ? MAP_KEY.exec(key.slice(name.length)) : null;
    const firstValue = match ? asList(params[key])[0] : undefined;
    if (match && firstValue !== undefined) map.set(match[1], firstValue);
  }
  return map;
}

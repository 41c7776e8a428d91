// Answers from memory for a twimlet builder that is a pure function of its parameters and URL, keyed on what the
// builder actually read. Twilio's requests carry ~25 parameters (CallSid, From, ...) and a twimlet reads a few of
// them, so a key over all of them would never repeat. Instead the first build runs on a Proxy that records every
// key read (get), asked about (in, or a descriptor) and whether the key list was enumerated (list() and keyed()
// walk it); a later request to the same URL hits when each recorded read gives the same answer. The SDK builds a
// throwaway XML document per verb, so a hit saves most of a forward or queue request. Pure: no I/O.
import type { WebhookParams } from '../../webhook/params';
import { LruMap } from '../../lruMap';

type Builder = (params: WebhookParams, url: URL) => string;
type Value = string | string[] | undefined;

interface Entry {
  /** Keys read, with the value each gave (copied; undefined: absent). */
  values: Map<PropertyKey, Value>;
  /** Keys asked about with `in`, and whether each was there (the prototype's included). */
  present: Map<PropertyKey, boolean>;
  /** Keys whose descriptor was asked for, and whether each was an own key. */
  own: Map<PropertyKey, boolean>;
  /** The key list in its order, when the builder enumerated it. */
  keys?: Array<string | symbol>;
  twiml: string;
}

/** Larger requests (hostile ones, or a long list) are built every time rather than held in memory. */
const MAX_INPUT = 8192;

/** A read-only view of `params` that records what `build` learns from it. */
function recording(params: WebhookParams) {
  const values = new Map<PropertyKey, Value>();
  const present = new Map<PropertyKey, boolean>();
  const own = new Map<PropertyKey, boolean>();
  let keys: Array<string | symbol> | undefined;
  const read = (key: PropertyKey): Value => {
    const value = Reflect.get(params, key) as Value;
    if (!values.has(key)) values.set(key, Array.isArray(value) ? [...value] : value);
    return value;
  };
  const readOnly = () => {
    throw new TypeError('A memoized twimlet builder must not change its parameters.');
  };
  // The target is an empty object, not `params`: V8 checks a Proxy's answers against its target's own properties,
  // which would double the cost of every key list and descriptor. Every trap answers from `params` instead.
  const view = new Proxy(Object.create(null) as WebhookParams, {
    get: (_, key) => read(key),
    has: (_, key) => {
      const there = Reflect.has(params, key);
      if (!present.has(key)) present.set(key, there);
      return there;
    },
    // The Proxy hands the caller a copy of this list, so the recorded one stays as it was.
    ownKeys: () => (keys ??= Reflect.ownKeys(params)),
    // for...in and Object.keys ask for each key's descriptor to see that it is enumerable. Its value is left out
    // (an accessor reads it through `read`), so a descriptor tells the builder only that the key is there.
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(params, key);
      if (!own.has(key)) own.set(key, descriptor !== undefined);
      return descriptor && { configurable: true, enumerable: descriptor.enumerable, get: () => read(key) };
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
    setPrototypeOf: readOnly,
    preventExtensions: readOnly,
  });
  return { view, entry: (twiml: string): Entry => ({ values, present, own, keys, twiml }) };
}

function sameValue(now: Value, then: Value): boolean {
  if (!Array.isArray(now) || !Array.isArray(then)) return now === then;
  return now.length === then.length && now.every((v, i) => v === then[i]);
}

function answers(entry: Entry, params: WebhookParams): boolean {
  for (const [key, value] of entry.values) if (!sameValue(Reflect.get(params, key) as Value, value)) return false;
  for (const [key, there] of entry.present) if (Reflect.has(params, key) !== there) return false;
  if (entry.keys) {
    const keys = Reflect.ownKeys(params);
    // The same key list has the same own keys: what for...in's descriptor requests learnt is implied.
    return keys.length === entry.keys.length && keys.every((key, i) => key === entry.keys![i]);
  }
  for (const [key, there] of entry.own) if (Object.prototype.hasOwnProperty.call(params, key) !== there) return false;
  return true;
}

function inputSize(href: string, params: WebhookParams): number {
  let size = href.length;
  for (const key in params) {
    const value = params[key];
    size += key.length + (Array.isArray(value) ? value.reduce((n, v) => n + v.length + 1, 0) : value.length);
    if (size > MAX_INPUT) break;
  }
  return size;
}

/**
 * `build` from memory when the request is the same in everything it read. `build` must be pure in its params and
 * URL (no settings, clock or randomness). A build that throws (a TwimlInputError) is not remembered. Up to `urls`
 * URLs, least recently used first out, each with its `variants` most recent answers (a Dial action's statuses).
 */
export function memoizeByReads(build: Builder, options: { urls?: number; variants?: number } = {}): Builder {
  const { urls = 256, variants = 8 } = options;
  const byUrl = new LruMap<string, Entry[]>(urls);
  return (params, url) => {
    const href = url.href;
    if (inputSize(href, params) > MAX_INPUT) return build(params, url);
    const entries = byUrl.get(href) ?? [];
    const index = entries.findIndex((entry) => answers(entry, params));
    let twiml: string;
    if (index >= 0) {
      twiml = entries[index].twiml;
      if (index > 0) entries.unshift(...entries.splice(index, 1));
    } else {
      const { view, entry } = recording(params);
      twiml = build(view, url);
      entries.unshift(entry(twiml));
      if (entries.length > variants) entries.pop();
    }
    byUrl.set(href, entries);
    return twiml;
  };
}

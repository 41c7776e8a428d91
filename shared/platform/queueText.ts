// The text of a storage queue message. The Queue service carries a message inside XML, where U+FFFE and U+FFFF
// cannot appear: a message holding one is accepted and then read back without it, or refused. JSON.stringify already
// escapes control characters and lone surrogates; these two it leaves as they are, so they are escaped here. The JSON
// means the same, so every reader parses back exactly what was written.
const NOT_IN_XML = /[\uFFFE\uFFFF]/g;

export function queueJson(value: unknown): string {
  return JSON.stringify(value).replace(NOT_IN_XML, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

// Queue messages arrive from many producers: raw JSON (Storage SDK, Logic Apps, Event Grid with
// messageEncoding none) or base64 of JSON (the Functions output binding, older SDK helpers).
// host.json sets messageEncoding to none, so both reach the function and are told apart here.

export class UndecodableMessageError extends Error {
  override name = 'UndecodableMessageError';
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The trigger input (already JSON-parsed by @azure/functions when the text was JSON) as a JSON value. */
export function decodeQueueMessage(input: unknown): unknown {
  if (Buffer.isBuffer(input)) input = input.toString('utf8');
  if (typeof input !== 'string') return input;
  const text = input.trim();
  if (BASE64.test(text) && text.length % 4 === 0) {
    const decoded = Buffer.from(text, 'base64').toString('utf8');
    try {
      return JSON.parse(decoded);
    } catch {
      throw new UndecodableMessageError('message is base64 but does not decode to JSON');
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UndecodableMessageError('message is neither JSON nor base64-encoded JSON');
  }
}

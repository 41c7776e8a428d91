/** A twimlet parameter is missing or malformed: the webhook answers 400 with this message (no secrets in it). */
export class TwimlInputError extends Error {
  override name = 'TwimlInputError';
}

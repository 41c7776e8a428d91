// Names and limits of the outbound message that code outside the schema needs. Kept apart from schema.ts
// so that code can use them without loading zod (about 100 ms at a cold start).

/** Field names @azure/functions merges payload fields over in triggerMetadata (compared case-insensitively). */
export const RESERVED_FIELDS = ['id', 'dequeueCount', 'popReceipt', 'insertionTime', 'expirationTime', 'nextVisibleTime'] as const;

/** Storage queues hide a message for at most 7 days: a later sendAt waits in several hops of at most this. */
export const MAX_QUEUE_DELAY_MS = 7 * 24 * 60 * 60 * 1000;
/** How far ahead sendAt may be: the message is put back on the queue every 7 days until due. */
export const MAX_SCHEDULE_DAYS = 35;
export const MAX_SCHEDULE_MS = MAX_SCHEDULE_DAYS * 24 * 60 * 60 * 1000;
/** POST /api/outbound/batch and `npm run send -- batch` take at most this many messages at once. */
export const MAX_BATCH_SIZE = 1000;
export const MAX_METADATA_BYTES = 1024;
/** Twilio's limit for the Twiml parameter of a call. */
export const MAX_TWIML_LENGTH = 4000;

/** Twilio refuses longer message bodies (error 21617). */
export const MAX_SMS_BODY = 1600;

/** Safe as a table key, in a URL path segment and in a query string: no / \ # ? % or spaces. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9][A-Za-z0-9._:@=-]{0,199}$/;

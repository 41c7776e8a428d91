// The outcomes a send can fail with, as types the sender branches on. Pure: classification only, no I/O.
import type { LedgerStatus } from './ledger';
import type { SchemaIssue } from './schema';

/** Every way the app refuses a message for good, as a stable code (docs/outbound-outcomes.md lists them). */
export const REFUSAL_CODES = ['invalid-message', 'opted-out', 'not-configured', 'key-reused'] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/**
 * A message the app will not send, whoever asked (POST /api/outbound, a batch, `npm run send`, a queue delivery):
 * sending it again gets the same answer. Each kind carries its HTTP status, what a batch line says about it
 * (`issues`), and what its log line adds (`logFields`); ./refusals.ts turns one into an answer.
 */
export abstract class MessageRefusal extends Error {
  abstract readonly code: RefusalCode;
  abstract readonly httpStatus: 400 | 409 | 422;
  /** Why, as the schema's issues: which field is wrong, or '' for the message as a whole. */
  abstract get issues(): SchemaIssue[];
  /** The facts a log line may carry (no number, no secret). */
  logFields(): Record<string, unknown> {
    return {};
  }
}

/** The message cannot be sent as it is (TwiML too long, recipient opted out): rejected, never retried. */
export class InvalidMessageError extends MessageRefusal {
  override name = 'InvalidMessageError';
  readonly code: RefusalCode = 'invalid-message';
  readonly httpStatus = 400;
  readonly #issues: SchemaIssue[];
  constructor(
    message: string,
    /** What POST /api/outbound answers with: which field is wrong. */
    issues: SchemaIssue[] = [],
  ) {
    super(message);
    this.#issues = issues;
  }
  get issues(): SchemaIssue[] {
    return this.#issues.length ? this.#issues : [{ path: '', message: this.message }];
  }
}

/** The recipient replied STOP to this sender (or to every sender): nothing is sent. */
export class RecipientOptedOutError extends InvalidMessageError {
  override name = 'RecipientOptedOutError';
  override readonly code = 'opted-out';
  constructor() {
    super('the recipient opted out (replied STOP); nothing was sent');
  }
}

interface TwilioErrorInit {
  status?: number;
  code?: number;
  message: string;
}

/** An HTTP error answer from Twilio, with its status and Twilio error code. */
abstract class TwilioAnswerError extends Error {
  readonly status?: number;
  readonly code?: number;
  constructor(init: TwilioErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
  }
}

/** Twilio refused the request for a reason retrying cannot fix (bad number, STOP, geo permission...). */
export class TwilioPermanentError extends TwilioAnswerError {
  override name = 'TwilioPermanentError';
}

/** Twilio rejected the credentials (401 / 20003): refresh them once, then retry. */
export class TwilioAuthError extends TwilioAnswerError {
  override name = 'TwilioAuthError';
}

/** Worth retrying later: 429, 5xx, network errors, timeouts. */
export class TwilioTransientError extends Error {
  override name = 'TwilioTransientError';
  readonly status?: number;
  readonly code?: number | string;
  /** False only when Twilio certainly did not act on the request (429, connection refused). */
  readonly mayHaveReachedTwilio: boolean;
  constructor(init: { status?: number; code?: number | string; message: string; mayHaveReachedTwilio: boolean }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.mayHaveReachedTwilio = init.mayHaveReachedTwilio;
  }
}

export type TwilioError = TwilioPermanentError | TwilioAuthError | TwilioTransientError;

/**
 * Twilio's channel and registration refusals. Retrying cannot change the answer, so a send refused
 * with one of these ends `failed` with the code whatever HTTP status carried it (docs/outbound.md lists them).
 */
export const CHANNEL_REFUSALS: Readonly<Record<number, string>> = {
  63016: 'WhatsApp: outside the 24-hour session window; send a Content template (contentSid) instead of body',
  63007: 'the From address is not a sender of this channel on the account (e.g. no WhatsApp sender for that number)',
  63003: 'the channel cannot find the To address (e.g. not a WhatsApp user)',
  63024: 'the recipient is not valid for the channel',
  21408: "the account may not send to the To number's country (Geo Permissions)",
  21606: 'the From number cannot send messages to this destination',
  21610: 'the recipient replied STOP to this sender',
  21612: 'the To number cannot be reached on this route',
  21614: 'the To number is not a mobile number',
  30032: 'toll-free number not verified',
  30034: 'US A2P 10DLC: the sending number is not registered to a campaign',
};

/** Network failures where the request never left this machine, so Twilio cannot have acted on it. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * What a failure from the twilio SDK means. The SDK throws RestException / TwilioServiceException with
 * numeric `status` and `code` for HTTP errors, and axios errors with string `code`s for network failures.
 */
export function classifyTwilioError(error: unknown): TwilioError {
  const e = (error ?? {}) as { status?: unknown; code?: unknown; message?: unknown };
  const status = typeof e.status === 'number' ? e.status : undefined;
  const numericCode = typeof e.code === 'number' ? e.code : undefined;
  // The SDK takes the message from the answer's body; an answer without one would otherwise read just "Error".
  const fallback = status !== undefined ? `HTTP ${status} from Twilio, with no error message` : String(error);
  const message = typeof e.message === 'string' && e.message ? e.message : fallback;
  if (numericCode !== undefined && CHANNEL_REFUSALS[numericCode] !== undefined) {
    return new TwilioPermanentError({ status, code: numericCode, message });
  }
  if (status !== undefined) {
    const init = { status, code: numericCode, message };
    if (status === 401 || numericCode === 20003) return new TwilioAuthError(init);
    if (status === 429 || numericCode === 20429) return new TwilioTransientError({ ...init, mayHaveReachedTwilio: false });
    // 5xx: Twilio's own docs (error 20500) warn the request may still have been processed.
    if (status >= 500 || status === 408) return new TwilioTransientError({ ...init, mayHaveReachedTwilio: true });
    // Any other 4xx (21211 invalid To, 21610 STOP, 21408 geo permission, ...): Twilio validated and
    // refused the request, and sending it again gets the same answer.
    if (status >= 400) return new TwilioPermanentError(init);
  }
  const networkCode = typeof e.code === 'string' ? e.code : undefined;
  return new TwilioTransientError({ code: networkCode, message, mayHaveReachedTwilio: !(networkCode && NEVER_SENT.has(networkCode)) });
}

/**
 * The app lacks a setting this message needs (Twilio credentials, a sender): retrying cannot help until an
 * operator sets it, so the message is rejected with the setting's name instead of being retried into the poison queue.
 */
export class AppNotConfiguredError extends MessageRefusal {
  override name = 'AppNotConfiguredError';
  readonly code = 'not-configured';
  readonly httpStatus = 422;
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`the app is not configured to send: ${message}`);
  }
  get issues(): SchemaIssue[] {
    return [{ path: '', message: `${this.message} (setting ${this.setting})` }];
  }
  override logFields(): Record<string, unknown> {
    return { setting: this.setting };
  }
}

/**
 * The idempotency key already stands for another message: one send per key, so the new content is not sent.
 * `status` is where the key's own message is.
 */
export class KeyReusedError extends MessageRefusal {
  override name = 'KeyReusedError';
  readonly code = 'key-reused';
  readonly httpStatus = 409;
  constructor(
    readonly key: string,
    readonly status: LedgerStatus,
  ) {
    super(`the idempotency key ${key} was already used for a different message (${status}); one send per key, so this one is not sent`);
  }
  get issues(): SchemaIssue[] {
    return [
      { path: 'idempotencyKey', message: `already used for a different message, which is ${this.status}: use a new key for new content` },
    ];
  }
  override logFields(): Record<string, unknown> {
    return { status: this.status };
  }
}

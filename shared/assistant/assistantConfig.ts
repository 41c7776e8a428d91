// What the assistant is configured with, as one typed object: the turn logic takes it as a parameter.
import type { BusinessHours } from '../hours/businessHours';

/** Where a caller goes when they ask for a person: VOICE_FORWARD_TO, or the VOICE_QUEUE call queue. */
export type Handover = { kind: 'forward'; number: string } | { kind: 'queue'; name: string; maxWaitSeconds: number; holdMusic?: string };

/** What a failed, refused or over-long conversation ends in, after a spoken apology. */
export const ASSISTANT_FALLBACKS = ['voicemail', 'handover'] as const;
export type AssistantFallback = (typeof ASSISTANT_FALLBACKS)[number];

export interface AssistantConfig {
  /** ASSISTANT_INSTRUCTIONS: who the business is and what callers may be told. */
  instructions: string;
  /** ASSISTANT_MAX_TURNS: the caller's utterances one call may have answered by the model. */
  maxTurns: number;
  /** <Say> voice (e.g. Polly.Joanna-Neural) and the language of <Say> and of speech recognition (e.g. en-US). */
  voice?: string;
  language: string;
  /** The configured hand-over; undefined when neither is set (transfer_to_human then offers a message instead). */
  handover?: Handover;
  /** VOICEMAIL_NOTIFY: where take_message texts the message; also needed for the voicemail fallback. */
  voicemailNotify?: string;
  fallback: AssistantFallback;
  /** VOICE_HOURS / VOICE_HOLIDAYS, told to the model; undefined: always open. */
  hours?: BusinessHours;
  /** The most the turn waits for the model, all attempts and a tool round included (ms). */
  turnBudgetMs: number;
}

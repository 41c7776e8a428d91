// One call's conversation with the assistant: what was said, which tools were called, how it ended. Pure; the
// assistant table keeps it per CallSid (its own retention), and twilio.assistant.completed carries it at the end.
import type { ToolName, ToolRefusal } from './toolPolicy';

/** Longest caller utterance kept and sent to the model (Twilio's SpeechResult of one Gather is far shorter). */
export const MAX_SPEECH = 500;
/** Longest answer spoken: a reply is a sentence or three, and the table row stays well under its 64 KB properties. */
export const MAX_REPLY = 600;

export type FailureKind = 'timeout' | 'unavailable' | 'throttled' | 'content-filter' | 'refused' | 'empty';
export type FallbackReason = FailureKind | 'max-turns' | 'silence';

export interface TranscriptEntry {
  role: 'caller' | 'assistant';
  text: string;
  turn: number;
}

export interface ToolRecord {
  turn: number;
  tool: ToolName | 'unknown';
  /** done, or why it did nothing. */
  outcome: 'done' | ToolRefusal | 'send-failed';
}

export type Outcome = { kind: 'in-progress' } | { kind: 'transferred' } | { kind: 'ended' } | { kind: 'fallback'; reason: FallbackReason };

export interface Conversation {
  callSid: string;
  /** The last turn answered; 0 before the caller first spoke. */
  turn: number;
  transcript: TranscriptEntry[];
  tools: ToolRecord[];
  messageTaken: boolean;
  callerTexted: boolean;
  /** Turns in a row that heard nothing. */
  silences: number;
  outcome: Outcome;
  /** The answer to `turn`, replayed when Twilio retries that request. */
  lastTwiml?: string;
  startedAt: string;
}

export function newConversation(callSid: string, now: Date): Conversation {
  return {
    callSid,
    turn: 0,
    transcript: [],
    tools: [],
    messageTaken: false,
    callerTexted: false,
    silences: 0,
    outcome: { kind: 'in-progress' },
    startedAt: now.toISOString(),
  };
}

/** The outcome as one word for logs and the completed event: in-progress, transferred, ended or fallback. */
export function outcomeName(outcome: Outcome): Outcome['kind'] {
  return outcome.kind;
}

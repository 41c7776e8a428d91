// One turn of the conversation: the caller's words in, the model's answer (or its tools' effect) out as TwiML.
// Pure: the model, the outbound queue and the events are parameters (TurnIo).
//
// The model gets config.turnBudgetMs in all (attempts, retries and a tool round), then the turn ends in the
// fallback with an apology: Twilio waits 15 s for the answer. A request Twilio retries (same CallSid, same turn
// number in the URL) gets the answer already given, and each text goes out under a key derived from the CallSid.
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { Spoken } from '../twiml/parts/speech';
import { TwimlInputError } from '../twiml/parts/errors';
import { first, type WebhookParams } from '../webhook/params';
import type { OutboundSms } from '../outbound/smsMessage';
import type { AssistantConfig } from './assistantConfig';
import { MAX_REPLY, MAX_SPEECH, type Conversation, type FallbackReason, type ToolRecord } from './conversation';
import { systemPrompt } from './instructions';
import { ModelFailure, type ModelReply } from './modelReply';
import { decideTool, plainText, type ToolDecision } from './toolPolicy';
import { fallbackTwiml, gatherTwiml, goodbyeTwiml, GOODBYE, NOT_HEARD, transferTwiml, TRANSFERRING } from './turnTwiml';

export interface TurnIo {
  /** One chat completion; rejects with ModelFailure when there is no usable answer, or when `signal` aborts. */
  complete(request: { messages: ChatCompletionMessageParam[]; tools: boolean }, signal: AbortSignal): Promise<ModelReply>;
  /** Puts a text on the outbound queue (its idempotency key makes a second put of the same key a no-op). */
  send(sms: OutboundSms): Promise<void>;
  /** Publishes twilio.assistant.message for a message taken. */
  messageTaken(message: { name: string; message: string; callbackNumber: string | null }): Promise<void>;
}

export interface TurnInput {
  /** The turn number from the Gather action's URL (1 for the first thing the caller says). */
  turn: number;
  /** Twilio's SpeechResult; empty or absent when it heard nothing. */
  speech?: string;
  /** The caller's number (From). */
  caller?: string;
  url: URL;
  now: Date;
}

/** What a turn did, for its one log line: counts and names, never what anyone said. */
export interface TurnLog {
  turn: number;
  result: 'answered' | 'replayed' | 'not-heard' | 'transferred' | 'ended' | 'fallback';
  tools: string[];
  reason?: FallbackReason;
}

export interface TurnResult {
  conversation: Conversation;
  twiml: string;
  log: TurnLog;
}

/** Turns in a row with nothing heard before the fallback takes over. */
export const MAX_SILENCES = 2;
/** At least 10 words in a row from the system prompt, in the answer, is the prompt being read back. */
const ECHO_WORDS = 10;
export const NOT_SHARED = "I'm sorry, I can't share that. Is there anything else I can help you with?";

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** Whether `reply` repeats a run of ECHO_WORDS words of `prompt`: the mitigation behind "not read back". */
export function echoesPrompt(reply: string, prompt: string): boolean {
  const replyWords = words(reply);
  if (replyWords.length < ECHO_WORDS) return false;
  const promptText = ` ${words(prompt).join(' ')} `;
  for (let i = 0; i + ECHO_WORDS <= replyWords.length; i++) {
    if (promptText.includes(` ${replyWords.slice(i, i + ECHO_WORDS).join(' ')} `)) return true;
  }
  return false;
}

function historyMessages(conversation: Conversation): ChatCompletionMessageParam[] {
  return conversation.transcript.map((entry) =>
    entry.role === 'caller' ? { role: 'user' as const, content: entry.text } : { role: 'assistant' as const, content: entry.text },
  );
}

function ended(conversation: Conversation, twiml: string, log: TurnLog, outcome: Conversation['outcome']): TurnResult {
  return { conversation: { ...conversation, turn: log.turn, lastTwiml: twiml, outcome }, twiml, log };
}

function fallback(
  conversation: Conversation,
  input: TurnInput,
  config: AssistantConfig,
  reason: FallbackReason,
  tools: string[],
): TurnResult {
  const twiml = fallbackTwiml({ url: input.url, config });
  return ended(conversation, twiml, { turn: input.turn, result: 'fallback', tools, reason }, { kind: 'fallback', reason });
}

const spokenReply = (text: string) => plainText(text, MAX_REPLY);

/** The turn: see the file's header. `conversation` is this call's so far (newConversation() for the first turn). */
export async function takeTurn(conversation: Conversation, input: TurnInput, config: AssistantConfig, io: TurnIo): Promise<TurnResult> {
  // A retried request, or one after the conversation ended: the answer it already had.
  if ((input.turn <= conversation.turn || conversation.outcome.kind !== 'in-progress') && conversation.lastTwiml) {
    return { conversation, twiml: conversation.lastTwiml, log: { turn: input.turn, result: 'replayed', tools: [] } };
  }
  if (input.turn > config.maxTurns) return fallback(conversation, input, config, 'max-turns', []);
  const speech = plainText(input.speech ?? '', MAX_SPEECH);
  if (!speech) {
    const silences = conversation.silences + 1;
    if (silences >= MAX_SILENCES) return fallback({ ...conversation, silences }, input, config, 'silence', []);
    const twiml = gatherTwiml(NOT_HEARD, { url: input.url, nextTurn: input.turn + 1, config });
    return {
      conversation: { ...conversation, silences, turn: input.turn, lastTwiml: twiml },
      twiml,
      log: { turn: input.turn, result: 'not-heard', tools: [] },
    };
  }

  const prompt = systemPrompt(config, input.now);
  let state: Conversation = {
    ...conversation,
    silences: 0,
    transcript: [...conversation.transcript, { role: 'caller', text: speech, turn: input.turn }],
  };
  const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: prompt }, ...historyMessages(state)];
  const deadline = AbortSignal.timeout(config.turnBudgetMs);
  const toolNames: string[] = [];

  let reply: ModelReply;
  try {
    reply = await io.complete({ messages, tools: true }, deadline);
  } catch (error) {
    return fallback(state, input, config, failureKind(error, deadline), toolNames);
  }

  if (reply.toolCalls.length) {
    const facts = () => ({
      callSid: state.callSid,
      caller: input.caller,
      messageTaken: state.messageTaken,
      callerTexted: state.callerTexted,
    });
    const results: Array<{ id: string; decision: ToolDecision; outcome: ToolRecord['outcome'] }> = [];
    for (const call of reply.toolCalls) {
      const decision = decideTool(call, facts(), config);
      let outcome: ToolRecord['outcome'] = decision.refusal ?? 'done';
      const action = decision.action;
      try {
        if (action.kind === 'message') {
          await io.send(action.sms);
          state = { ...state, messageTaken: true };
          await io.messageTaken(action.message);
        } else if (action.kind === 'textCaller') {
          await io.send(action.sms);
          state = { ...state, callerTexted: true };
        }
      } catch {
        outcome = 'send-failed';
        decision.result = 'It could not be sent just now. Apologise and offer to transfer the caller instead.';
      }
      toolNames.push(decision.tool);
      results.push({ id: call.id, decision, outcome });
    }
    state = { ...state, tools: [...state.tools, ...results.map((r) => ({ turn: input.turn, tool: r.decision.tool, outcome: r.outcome }))] };

    const said = spokenReply(reply.text);
    const final = results.find((r) => r.decision.action.kind === 'transfer' || r.decision.action.kind === 'end')?.decision.action;
    if (final?.kind === 'transfer') {
      const words = said && !echoesPrompt(said, prompt) ? said : TRANSFERRING;
      const twiml = transferTwiml(words, { url: input.url, handover: final.handover, config });
      return ended(
        withReply(state, words, input.turn),
        twiml,
        { turn: input.turn, result: 'transferred', tools: toolNames },
        { kind: 'transferred' },
      );
    }
    if (final?.kind === 'end') {
      const words = said && !echoesPrompt(said, prompt) ? said : GOODBYE;
      return ended(
        withReply(state, words, input.turn),
        goodbyeTwiml(words, config),
        { turn: input.turn, result: 'ended', tools: toolNames },
        { kind: 'ended' },
      );
    }

    // The tools' results go back for the words to say, with no tools offered this time: one tool round per turn.
    const followUp: ChatCompletionMessageParam[] = [
      ...messages,
      {
        role: 'assistant',
        content: reply.text || null,
        tool_calls: reply.toolCalls.map((call) => ({
          id: call.id,
          type: 'function' as const,
          function: { name: call.name, arguments: call.arguments },
        })),
      },
      ...results.map((r) => ({ role: 'tool' as const, tool_call_id: r.id, content: r.decision.result })),
    ];
    try {
      reply = await io.complete({ messages: followUp, tools: false }, deadline);
    } catch {
      // What the tools did is done and only the words are missing: say the results as they are, at once.
      reply = { text: `${results.map((r) => r.decision.result).join(' ')} Is there anything else I can help with?`, toolCalls: [] };
    }
  }

  let text = spokenReply(reply.text);
  if (!text) return fallback(state, input, config, 'empty', toolNames);
  if (echoesPrompt(text, prompt)) text = NOT_SHARED;
  state = withReply(state, text, input.turn);
  const twiml = gatherTwiml({ kind: 'say', text } satisfies Spoken, { url: input.url, nextTurn: input.turn + 1, config });
  return {
    conversation: { ...state, turn: input.turn, lastTwiml: twiml },
    twiml,
    log: { turn: input.turn, result: 'answered', tools: toolNames },
  };
}

function withReply(state: Conversation, text: string, turn: number): Conversation {
  return { ...state, transcript: [...state.transcript, { role: 'assistant', text, turn }] };
}

function failureKind(error: unknown, deadline: AbortSignal): FallbackReason {
  if (error instanceof ModelFailure) return error.kind;
  return deadline.aborted ? 'timeout' : 'unavailable';
}

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
/** Far above ASSISTANT_MAX_TURNS' limit: anything larger is not a turn this app handed out. */
const MAX_TURN = 1000;

/**
 * A turn's request as Twilio's speech Gather posts it (CallSid, SpeechResult, From, and the URL's `turn`), or a
 * TwimlInputError (400) when the assistant is off or a part is not what this app handed out.
 */
export function readTurnRequest(
  params: WebhookParams,
  url: URL,
  assistantActive: boolean,
): { callSid: string; turn: number; speech?: string; caller?: string } {
  if (!assistantActive) throw new TwimlInputError('The assistant is off: neither VOICE_MODE nor VOICE_CLOSED_MODE is assistant.');
  const callSid = first(params, 'CallSid')?.trim();
  if (!callSid || !CALL_SID.test(callSid)) throw new TwimlInputError('CallSid is missing or is not a call SID.');
  const turnText = url.searchParams.get('turn') ?? '';
  const turn = Number(turnText);
  if (!/^\d{1,4}$/.test(turnText) || turn < 1 || turn > MAX_TURN) throw new TwimlInputError('turn must be a whole number from 1.');
  return { callSid, turn, speech: first(params, 'SpeechResult'), caller: first(params, 'From')?.trim() };
}

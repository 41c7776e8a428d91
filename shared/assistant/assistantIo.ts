// The assistant's turns and its end, with their I/O: the conversation table, the model, the outbound queue and
// the events. The functions (assistant, status) call these with the settings as parameters.
import { enqueueOutbound } from '../outbound/outboundQueue';
import { assistantCompletedEvent, assistantMessageEvent } from '../events/cloudEvent';
import { liveEventSink, publishWebhookEvent } from '../events/eventsIo';
import { storageOutage } from '../platform/storageUnavailable';
import type { Settings } from '../platform/settings';
import type { AssistantConfig } from './assistantConfig';
import { takeTurn, type TurnIo, type TurnLog } from './assistantTurn';
import { chatModel, type ChatModelOptions } from './chatModelApi';
import { newConversation } from './conversation';
import { readConversation, writeConversation } from './conversationTable';
import { fallbackTwiml } from './turnTwiml';

export interface AssistantRuntime {
  config: AssistantConfig;
  model: ChatModelOptions;
  /** ASSISTANT_TABLE. */
  table: string;
  /** The CloudEvents source. */
  source: string;
}

export interface TurnRequest {
  callSid: string;
  turn: number;
  speech?: string;
  caller?: string;
  url: URL;
  now: Date;
  correlationId: () => string;
}

/** Per settings object: the config the turn takes, the model's options (the client's bounds from the turn budget). */
const runtimes = new WeakMap<Settings, AssistantRuntime>();

/**
 * Each HTTP attempt gets half the turn's budget and one retry; the deadline caps both together. So the model's
 * wait is at most ASSISTANT_TURN_TIMEOUT_SECONDS (default 8 s), and the answer goes out within it plus storage.
 */
export function assistantRuntime(settings: Settings): AssistantRuntime {
  let runtime = runtimes.get(settings);
  if (runtime) return runtime;
  const a = settings.assistant;
  const voice = settings.voice;
  const config: AssistantConfig = {
    instructions: a.instructions,
    maxTurns: a.maxTurns,
    voice: a.voice,
    language: a.language,
    handover:
      a.handover === 'queue'
        ? { kind: 'queue', name: voice.queue.name, maxWaitSeconds: voice.queue.maxWaitSeconds, holdMusic: voice.queue.holdMusic }
        : voice.forwardTo
          ? { kind: 'forward', number: voice.forwardTo }
          : undefined,
    voicemailNotify: voice.voicemailNotify,
    fallback: a.fallback,
    hours: voice.hours,
    turnBudgetMs: a.turnBudgetMs,
  };
  const auth: ChatModelOptions['auth'] =
    a.auth === 'identity'
      ? { kind: 'identity' }
      : a.apiKey
        ? { kind: 'key', key: a.apiKey }
        : { kind: 'keyVault', vaultUrl: settings.keyVaultUrl! };
  runtime = {
    config,
    model: {
      endpoint: a.endpoint ?? '',
      deployment: a.deployment,
      apiVersion: a.apiVersion,
      auth,
      attemptTimeoutMs: Math.ceil(a.turnBudgetMs / 2),
      maxRetries: 1,
    },
    table: a.table,
    source: settings.events.source,
  };
  runtimes.set(settings, runtime);
  return runtime;
}

/** The model for a runtime, kept so its client (connections, token) outlives the turn. Tests replace it. */
let modelFor: (options: ChatModelOptions) => TurnIo['complete'] = chatModel;
export function useModelForTests(model: ((options: ChatModelOptions) => TurnIo['complete']) | undefined): void {
  modelFor = model ?? chatModel;
}

/**
 * One turn: the call's conversation read, the turn taken, the conversation written back (conditionally: a retry
 * racing its original gets the answer the original wrote). Returns the TwiML and one log line's fields, which
 * carry counts and names, never the words.
 */
export async function answerTurn(
  runtime: AssistantRuntime,
  request: TurnRequest,
): Promise<{ twiml: string; log: TurnLog & { storage?: string; raced?: boolean } }> {
  const { config } = runtime;
  let stored;
  try {
    stored = await readConversation(runtime.table, request.callSid);
  } catch (error) {
    const outage = await storageOutage(error);
    if (!outage) throw error;
    // The caller is on the line: the fallback now beats Twilio's fallback URL after a 503.
    return {
      twiml: fallbackTwiml({ url: request.url, config }),
      log: { turn: request.turn, result: 'fallback', tools: [], storage: outage },
    };
  }
  const conversation = stored?.conversation ?? newConversation(request.callSid, request.now);
  const io: TurnIo = {
    complete: modelFor(runtime.model),
    send: (sms) => enqueueOutbound({ ...sms, correlationId: request.correlationId() }, { profile: 'request' }),
    messageTaken: (message) =>
      publishWebhookEvent(
        () =>
          assistantMessageEvent(
            { callSid: request.callSid, from: request.caller ?? null, ...message },
            { source: runtime.source, time: request.now, correlationId: request.correlationId() },
          ),
        () => undefined,
      ),
  };
  const result = await takeTurn(conversation, request, config, io);
  if (result.log.result === 'replayed') return { twiml: result.twiml, log: result.log };
  let written: boolean;
  try {
    written = await writeConversation(runtime.table, {
      conversation: result.conversation,
      completed: stored?.completed ?? false,
      etag: stored?.etag,
    });
  } catch (error) {
    const outage = await storageOutage(error);
    if (!outage) throw error;
    // What was said is answered; the next turn starts without this one's record.
    return { twiml: result.twiml, log: { ...result.log, storage: outage } };
  }
  if (!written) {
    const winner = await readConversation(runtime.table, request.callSid);
    if (winner?.conversation.lastTwiml && winner.conversation.turn >= request.turn)
      return { twiml: winner.conversation.lastTwiml, log: { ...result.log, result: 'replayed', raced: true } };
  }
  return { twiml: result.twiml, log: result.log };
}

/** Final call statuses: the call is over, whatever the assistant's conversation says. */
const FINAL_CALL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/**
 * At a call's final status callback, twilio.assistant.completed once, when the assistant spoke with the call: the
 * event's id is the CallSid's, and the row is marked once it is published (a retry after a failed mark publishes
 * the same id again, which consumers de-duplicate). Throws EventsUnavailableError when the event could not be
 * published: the status callback then answers 503 and Twilio's retry publishes it.
 */
export async function completeConversation(
  runtime: Pick<AssistantRuntime, 'table' | 'source'>,
  callback: { callSid: string; callStatus: string; from?: string; now: Date; correlationId: string },
): Promise<'published' | 'already' | 'none' | 'not-final'> {
  if (!FINAL_CALL_STATUSES.has(callback.callStatus)) return 'not-final';
  const stored = await readConversation(runtime.table, callback.callSid);
  if (!stored) return 'none';
  if (stored.completed) return 'already';
  const { conversation } = stored;
  const event = assistantCompletedEvent(
    {
      callSid: conversation.callSid,
      from: callback.from ?? null,
      outcome: conversation.outcome.kind,
      fallbackReason: conversation.outcome.kind === 'fallback' ? conversation.outcome.reason : null,
      turns: conversation.turn,
      transcript: conversation.transcript,
      tools: conversation.tools,
      startedAt: conversation.startedAt,
      callStatus: callback.callStatus,
    },
    { source: runtime.source, time: callback.now, correlationId: callback.correlationId },
  );
  const sink = liveEventSink();
  if (sink) await sink.publish([event], { abortSignal: AbortSignal.timeout(3000) });
  await writeConversation(runtime.table, { ...stored, completed: true });
  return 'published';
}

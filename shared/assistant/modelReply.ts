// What the turn needs of a chat completion: the text, the tool calls, or why there is neither. Pure (types only
// from the openai package; shared/assistant/chatModelApi.ts makes the request).
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { FailureKind } from './conversation';

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ModelReply {
  text: string;
  toolCalls: ToolCall[];
}

/** The model gave no usable answer; `kind` says why (the turn then ends in the fallback). */
export class ModelFailure extends Error {
  override name = 'ModelFailure';
  constructor(
    readonly kind: FailureKind,
    detail: string,
  ) {
    super(`${kind}: ${detail}`);
  }
}

/**
 * Azure OpenAI signals a filtered answer with finish_reason content_filter (a filtered prompt is a 400 with
 * error code content_filter, see chatModelApi.ts); a model that declines gives `refusal` instead of content.
 */
export function replyOf(completion: ChatCompletion): ModelReply {
  const choice = completion.choices?.[0];
  if (!choice) throw new ModelFailure('empty', 'no choices in the completion');
  if (choice.finish_reason === 'content_filter') throw new ModelFailure('content-filter', 'finish_reason content_filter');
  const message = choice.message;
  if (message?.refusal) throw new ModelFailure('refused', 'the model refused');
  const toolCalls = (message?.tool_calls ?? []).flatMap((call) =>
    call.type === 'function' ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments ?? '' }] : [],
  );
  const text = typeof message?.content === 'string' ? message.content : '';
  if (!text.trim() && !toolCalls.length)
    throw new ModelFailure('empty', `no content and no tool call (finish_reason ${choice.finish_reason})`);
  return { text, toolCalls };
}

// Talks to the Azure OpenAI chat completions API through the openai package's AzureOpenAI client.
// Authentication: the app's managed identity (Cognitive Services OpenAI User) through a bearer token provider; or
// an API key from Key Vault (secret azure-openai-api-key) or, in local development only, from a setting.
//
// The wait is bounded twice over: the client's own per-attempt timeout and retry count, and the turn's deadline
// signal, which also cuts a retry's back-off short (the client's sleep listens to it).
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, AzureOpenAI, RateLimitError } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { azureCredential } from '../platform/azureCredential';
import { readSecret } from '../platform/keyVault';
import type { TurnIo } from './assistantTurn';
import { ModelFailure, replyOf, type ModelReply } from './modelReply';
import { ASSISTANT_TOOLS } from './toolPolicy';

export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';
export const API_KEY_SECRET = 'azure-openai-api-key';
/** A spoken answer is a sentence or three; this caps a runaway one (and its cost). */
const MAX_COMPLETION_TOKENS = 300;

export type ModelAuth = { kind: 'identity' } | { kind: 'keyVault'; vaultUrl: string } | { kind: 'key'; key: string };

export interface ChatModelOptions {
  endpoint: string;
  deployment: string;
  apiVersion: string;
  auth: ModelAuth;
  /** Per HTTP attempt (the client's `timeout`). */
  attemptTimeoutMs: number;
  /** The client's `maxRetries`: further attempts after a timeout, a 408/409/429 or a 5xx. */
  maxRetries: number;
}

let cached: { key: string; client: Promise<AzureOpenAI> } | undefined;

async function createClient(options: ChatModelOptions): Promise<AzureOpenAI> {
  const common = {
    endpoint: options.endpoint,
    deployment: options.deployment,
    apiVersion: options.apiVersion,
    timeout: options.attemptTimeoutMs,
    maxRetries: options.maxRetries,
  };
  if (options.auth.kind === 'key') return new AzureOpenAI({ ...common, apiKey: options.auth.key });
  if (options.auth.kind === 'keyVault')
    return new AzureOpenAI({ ...common, apiKey: await readSecret(options.auth.vaultUrl, API_KEY_SECRET) });
  const { getBearerTokenProvider } = await import('@azure/identity');
  return new AzureOpenAI({ ...common, azureADTokenProvider: getBearerTokenProvider(await azureCredential(), COGNITIVE_SERVICES_SCOPE) });
}

/** One client per process (per options): it keeps its connections, and the token provider its token. */
export function chatModelClient(options: ChatModelOptions): Promise<AzureOpenAI> {
  const key = JSON.stringify({ ...options, auth: options.auth.kind === 'key' ? 'key' : options.auth });
  if (cached?.key !== key) {
    const client = createClient(options);
    // A failed creation (a vault not answering) is not kept: the next turn tries again.
    client.catch(() => {
      if (cached?.client === client) cached = undefined;
    });
    cached = { key, client };
  }
  return cached.client;
}

export function resetChatModelForTests(): void {
  cached = undefined;
}

/**
 * Why the request gave nothing: Azure OpenAI answers a filtered prompt with 400 and error code content_filter;
 * the turn's deadline aborting the request (or its retry's wait) is a timeout like the client's own.
 */
export function failureOf(error: unknown, elapsedMs = 0, attemptTimeoutMs = Infinity): ModelFailure {
  if (error instanceof ModelFailure) return error;
  // On Node 20 the client's own timeout surfaces as a plain connection error: known by how long it took.
  if (error instanceof APIConnectionError && !(error instanceof APIConnectionTimeoutError) && elapsedMs >= attemptTimeoutMs)
    return new ModelFailure('timeout', 'no answer within the attempt timeout');
  if (error instanceof APIUserAbortError || error instanceof APIConnectionTimeoutError)
    return new ModelFailure('timeout', 'no answer in time');
  if (error instanceof APIError && error.status === 400 && error.code === 'content_filter')
    return new ModelFailure('content-filter', 'the prompt was filtered (400 content_filter)');
  if (error instanceof RateLimitError) return new ModelFailure('throttled', '429 after the retries');
  if (error instanceof APIError) return new ModelFailure('unavailable', error.status ? `HTTP ${error.status}` : 'no connection');
  return new ModelFailure('unavailable', error instanceof Error ? error.name : 'error');
}

/** The turn's model: one chat completion with the four tools (tool_choice none for the words after a tool round). */
export function chatModel(options: ChatModelOptions): TurnIo['complete'] {
  return async (request: { messages: ChatCompletionMessageParam[]; tools: boolean }, signal: AbortSignal): Promise<ModelReply> => {
    const started = Date.now();
    try {
      const client = await chatModelClient(options);
      const completion = await client.chat.completions.create(
        {
          model: options.deployment,
          messages: request.messages,
          // Offered on the follow-up too (a conversation with tool messages must declare its tools), but not callable.
          tools: ASSISTANT_TOOLS,
          tool_choice: request.tools ? 'auto' : 'none',
          max_completion_tokens: MAX_COMPLETION_TOKENS,
        },
        { signal },
      );
      return replyOf(completion);
    } catch (error) {
      // A rotated key (401) is read again on the next turn.
      if (error instanceof APIError && error.status === 401) cached = undefined;
      throw failureOf(error, Date.now() - started, options.attemptTimeoutMs);
    }
  };
}

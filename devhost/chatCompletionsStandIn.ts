// A LOCAL STAND-IN for Azure OpenAI's chat completions API, for `npm start` with the assistant and no
// AZURE_OPENAI_ENDPOINT, and for tests. No model: scripted replies, picked by words in what the caller said, that
// exercise every tool and every way a model fails. The app talks to it with the real openai client, over HTTP,
// at the path the AzureOpenAI client uses (/openai/deployments/<deployment>/chat/completions?api-version=...).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRequest {
  deployment: string;
  apiVersion: string | null;
  /** The request's credential kind: api-key header or a bearer token. */
  auth: 'api-key' | 'bearer' | 'none';
  body: {
    messages: Array<{ role: string; content?: string | null; tool_call_id?: string; tool_calls?: unknown[] }>;
    tools?: Array<{ function: { name: string } }>;
    tool_choice?: unknown;
  };
}

/** A reply: a completion's message, or an HTTP error, optionally after a delay. */
export type StandInReply =
  | { kind: 'text'; text: string; finishReason?: 'stop' | 'content_filter' | 'length' }
  | { kind: 'tool'; name: string; arguments: Record<string, unknown>; text?: string }
  | { kind: 'refusal'; text: string }
  | { kind: 'error'; status: number; code?: string; message: string }
  | { kind: 'hang' };

export type Script = (request: StandInRequest) => StandInReply | Promise<StandInReply>;

export interface RunningStandIn {
  /** The endpoint to set as AZURE_OPENAI_ENDPOINT. */
  url: string;
  requests: StandInRequest[];
  stop(): Promise<void>;
}

export const STAND_IN_WORDS =
  "say 'take a message', 'text me', 'a person', 'goodbye'; or 'slow', 'fail', 'filter', 'refuse' to see the fallback";

const lastOf = (request: StandInRequest, role: string) => [...request.body.messages].reverse().find((m) => m.role === role);

/** The default script: words in the caller's last utterance pick a tool or a failure. */
export const defaultScript: Script = (request) => {
  const last = request.body.messages.at(-1);
  if (last?.role === 'tool') return { kind: 'text', text: `${String(last.content ?? '')} Is there anything else I can help you with?` };
  const said = String(lastOf(request, 'user')?.content ?? '');
  const words = said.toLowerCase();
  if (/\bslow\b/.test(words)) return { kind: 'hang' };
  if (/\bfail|\bdown\b/.test(words)) return { kind: 'error', status: 500, message: 'The stand-in was asked to fail.' };
  if (/\bfilter/.test(words))
    return { kind: 'error', status: 400, code: 'content_filter', message: 'The response was filtered (stand-in).' };
  if (/\brefuse/.test(words)) return { kind: 'refusal', text: 'I cannot help with that.' };
  if (/\bperson\b|\bhuman\b|\bsomeone\b|\btransfer\b|\boperator\b/.test(words))
    return { kind: 'tool', name: 'transfer_to_human', arguments: {}, text: 'Let me put you through.' };
  if (/\bmessage\b/.test(words)) {
    const name = /my name is ([\p{L}' -]{1,40})/iu.exec(said)?.[1]?.trim() ?? 'the caller';
    return { kind: 'tool', name: 'take_message', arguments: { name, message: said } };
  }
  if (/\btext me\b|\bsend me\b|\bsms\b/.test(words))
    return {
      kind: 'tool',
      name: 'send_sms_to_caller',
      arguments: { text: 'Hello from the stand-in assistant: here is the text you asked for.' },
    };
  if (/\bbye\b|\bthat's all\b|\bnothing else\b/.test(words))
    return { kind: 'tool', name: 'end_call', arguments: {}, text: 'Thank you for calling. Goodbye!' };
  return {
    kind: 'text',
    text: `This is the local stand-in, not a model. You said: ${said.slice(0, 200)}. To try the tools, ${STAND_IN_WORDS}.`,
  };
};

let sequence = 0;

function completion(deployment: string, reply: Exclude<StandInReply, { kind: 'error' } | { kind: 'hang' }>) {
  const id = `chatcmpl-standin-${++sequence}`;
  const message =
    reply.kind === 'tool'
      ? {
          role: 'assistant',
          content: reply.text ?? null,
          refusal: null,
          tool_calls: [
            { id: `call_${sequence}`, type: 'function', function: { name: reply.name, arguments: JSON.stringify(reply.arguments) } },
          ],
        }
      : reply.kind === 'refusal'
        ? { role: 'assistant', content: null, refusal: reply.text }
        : { role: 'assistant', content: reply.text, refusal: null };
  const finish = reply.kind === 'tool' ? 'tool_calls' : reply.kind === 'text' ? (reply.finishReason ?? 'stop') : 'stop';
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: deployment,
    choices: [{ index: 0, finish_reason: finish, message, logprobs: null }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

export async function startChatCompletionsStandIn(options: { port?: number; script?: Script } = {}): Promise<RunningStandIn> {
  const script = options.script ?? defaultScript;
  const requests: StandInRequest[] = [];
  const hanging = new Set<() => void>();
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const match = PATH.exec(url.pathname);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || !match) return send(404, { error: { code: '404', message: 'Resource not found' } });
      const auth = req.headers['api-key'] ? 'api-key' : /^Bearer /.test(req.headers.authorization ?? '') ? 'bearer' : 'none';
      if (auth === 'none') return send(401, { error: { code: '401', message: 'Access denied due to missing credentials.' } });
      let body: StandInRequest['body'];
      try {
        body = JSON.parse(await readBody(req)) as StandInRequest['body'];
      } catch {
        return send(400, { error: { code: 'invalid_request', message: 'The body is not JSON.' } });
      }
      const request: StandInRequest = {
        deployment: decodeURIComponent(match[1]),
        apiVersion: url.searchParams.get('api-version'),
        auth,
        body,
      };
      requests.push(request);
      const reply = await script(request);
      if (reply.kind === 'hang') {
        // Held until the client gives up (its timeout or the turn's deadline), or the stand-in stops.
        await new Promise<void>((resolve) => {
          const release = () => resolve();
          hanging.add(release);
          req.socket.once('close', () => {
            hanging.delete(release);
            resolve();
          });
        });
        if (!res.writableEnded && !res.destroyed) send(503, { error: { code: '503', message: 'The stand-in was stopped.' } });
        return;
      }
      if (reply.kind === 'error')
        return send(reply.status, {
          error: { code: reply.code ?? String(reply.status), message: reply.message, param: 'prompt', type: null, status: reply.status },
        });
      send(200, completion(request.deployment, reply));
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const release of hanging) release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

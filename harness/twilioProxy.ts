// A recording proxy in front of the Twilio mock. It records what the app sent and what came back, and can
// inject faults the OpenAPI spec cannot express (429, 5xx, resets, delays). Small on purpose: everything else
// (Prism's array parameters, a SID per create, lists answered from the creates, refusals in Twilio's error shape)
// is the offline mock's own layer, devhost/twilioMock.ts, which `npm start` runs too.
import type { MediaAnswer } from './twilioMedia';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { TwilioMock, type CreatedResource } from '../devhost/twilioMock';

export type { CreatedResource } from '../devhost/twilioMock';

export interface RecordedRequest {
  method: string;
  path: string;
  form: URLSearchParams;
  authorization?: string;
  status: number;
  responseBody: string;
  /** When the proxy received it (ms since the epoch). */
  at: number;
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  /** Forward to the mock, then drop the connection: Twilio did the work but the caller never hears. */
  | { kind: 'forward-then-reset' }
  /** Forward to the mock, then never answer: the caller is still waiting when it is killed. */
  | { kind: 'forward-then-hold' };

export interface TwilioProxy {
  url: string;
  requests: RecordedRequest[];
  created: CreatedResource[];
  /** Status a fetch of a created message or call answers with (a test playing the carrier). */
  statusOf: Map<string, string>;
  /** Decides a fault per request; undefined forwards normally. */
  fault?: (request: { method: string; path: string; form: URLSearchParams }) => Fault | undefined;
  /** True holds the request unanswered (recorded with status 0) until the caller gives up or is killed. */
  hold?: (request: { method: string; path: string }) => boolean;
  /** Answers a request itself (recording media, which Prism cannot serve); undefined forwards it. */
  serve?: (request: { method: string; path: string; authorization?: string }) => MediaAnswer | undefined;
  stop(): Promise<void>;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startTwilioProxy(targetUrl: string): Promise<TwilioProxy> {
  const mock = new TwilioMock(targetUrl);
  const proxy: TwilioProxy = { url: '', requests: [], created: mock.created, statusOf: mock.statusOf, stop: async () => undefined };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readAll(req);
    const form = new URLSearchParams(body.toString('utf8'));
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const at = Date.now();
    const record = (status: number, responseBody: string) =>
      proxy.requests.push({ method, path, form, authorization: req.headers.authorization, status, responseBody, at });
    // Decided before serving, so that a request the proxy would serve itself (recording media) can be held too.
    if (proxy.hold?.({ method, path })) {
      record(0, '');
      return;
    }
    const served = proxy.serve?.({ method, path, authorization: req.headers.authorization });
    if (served) {
      record(served.status, typeof served.body === 'string' ? served.body : '');
      res.writeHead(served.status, served.headers).end(served.body);
      return;
    }
    let fault = proxy.fault?.({ method, path, form });
    if (fault?.kind === 'delay') {
      await new Promise((r) => setTimeout(r, (fault as { ms: number }).ms));
      fault = undefined;
    }
    if (fault?.kind === 'reset') {
      record(0, '');
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      const responseBody = JSON.stringify(
        fault.body ?? { code: fault.status === 429 ? 20429 : 20500, message: 'injected fault', status: fault.status },
      );
      record(fault.status, responseBody);
      res.writeHead(fault.status, { 'content-type': 'application/json' }).end(responseBody);
      return;
    }
    let answer;
    try {
      answer = await mock.forward({ method, path, headers: req.headers, body });
    } catch {
      record(502, '');
      res.writeHead(502).end();
      return;
    }
    record(answer.status, answer.body);
    if (fault?.kind === 'forward-then-reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'forward-then-hold') return;
    res.writeHead(answer.status, answer.headers).end(answer.body);
  };
  // A caller killed halfway through sending its request leaves a stream that fails: drop that connection only.
  const server: Server = createServer((req, res) => void handle(req, res).catch(() => req.socket.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

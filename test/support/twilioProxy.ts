// A recording proxy in front of the Twilio mock (Prism). It records what the app sent and what came back,
// and can inject faults the OpenAPI spec cannot express (429, 5xx, resets, delays). Small on purpose.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  form: URLSearchParams;
  authorization?: string;
  status: number;
  responseBody: string;
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  /** Forward to the mock, then drop the connection: Twilio did the work but the caller never hears. */
  | { kind: 'forward-then-reset' };

export interface TwilioProxy {
  url: string;
  requests: RecordedRequest[];
  /** Decides a fault per request; undefined forwards normally. */
  fault?: (request: { method: string; path: string; form: URLSearchParams }) => Fault | undefined;
  stop(): Promise<void>;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startTwilioProxy(targetUrl: string): Promise<TwilioProxy> {
  const target = new URL(targetUrl);
  const proxy: TwilioProxy = { url: '', requests: [], stop: async () => undefined };

  const server: Server = createServer(async (req, res) => {
    const body = await readAll(req);
    const form = new URLSearchParams(body.toString('utf8'));
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const record = (status: number, responseBody: string) =>
      proxy.requests.push({ method, path, form, authorization: req.headers.authorization, status, responseBody });
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
      const responseBody = JSON.stringify(fault.body ?? { code: fault.status === 429 ? 20429 : 20500, message: 'injected fault', status: fault.status });
      record(fault.status, responseBody);
      res.writeHead(fault.status, { 'content-type': 'application/json' }).end(responseBody);
      return;
    }
    const upstream = httpRequest(
      { hostname: target.hostname, port: target.port, path, method, headers: { ...req.headers, host: target.host } },
      async (upstreamRes) => {
        const responseBody = (await readAll(upstreamRes)).toString('utf8');
        record(upstreamRes.statusCode ?? 0, responseBody);
        if (fault?.kind === 'forward-then-reset') {
          req.socket.destroy();
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers).end(responseBody);
      },
    );
    upstream.on('error', () => {
      record(502, '');
      res.writeHead(502).end();
    });
    upstream.end(body);
  });
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

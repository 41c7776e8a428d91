// A recording proxy in front of the Twilio mock (Prism). It records what the app sent and what came back,
// and can inject faults the OpenAPI spec cannot express (429, 5xx, resets, delays). Small on purpose.
// Prism has no state, so the proxy keeps the one piece the outbound sender relies on: each message or call
// created through it gets its own SID and echoes what was asked for, and list requests (Messages.json /
// Calls.json GETs, after Prism has validated them) are answered from those creates, newest first.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

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

export interface CreatedResource {
  kind: 'Messages' | 'Calls';
  sid: string;
  form: URLSearchParams;
  resource: Record<string, unknown>;
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
  /**
   * What a fetch of one created message or call (GET .../Messages/SM....json) answers as its status: set by a
   * test to play the carrier. Unset: the status it was created with.
   */
  statusOf: Map<string, string>;
  /** Decides a fault per request; undefined forwards normally. */
  fault?: (request: { method: string; path: string; form: URLSearchParams }) => Fault | undefined;
  stop(): Promise<void>;
}

// Prism reads a repeated form key as one value and then rejects array parameters ("must be array";
// stoplightio/prism#2473). Twilio and its SDK use repeated keys, so the proxy forwards array parameters
// as Prism understands them (Key[]=a&Key[]=b); what the app sent is recorded unchanged.
const ARRAY_PARAMS = ['MediaUrl', 'StatusCallbackEvent'];

function forPrism(form: URLSearchParams): string {
  const rewritten = new URLSearchParams();
  for (const [key, value] of form) rewritten.append(ARRAY_PARAMS.includes(key) ? `${key}[]` : key, value);
  return rewritten.toString();
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startTwilioProxy(targetUrl: string): Promise<TwilioProxy> {
  const target = new URL(targetUrl);
  const proxy: TwilioProxy = { url: '', requests: [], created: [], statusOf: new Map(), stop: async () => undefined };

  /** Gives a create Prism accepted its own SID and the fields it was asked for, and remembers it. */
  const remember = (kind: CreatedResource['kind'], form: URLSearchParams, upstreamBody: string): string => {
    const sid = `${kind === 'Messages' ? 'SM' : 'CA'}${(proxy.created.length + 1).toString(16).padStart(32, '0')}`;
    const resource = {
      ...(JSON.parse(upstreamBody) as Record<string, unknown>),
      sid,
      to: form.get('To'),
      from: form.get('From'),
      body: form.get('Body'),
      messaging_service_sid: form.get('MessagingServiceSid'),
      status: 'queued',
      date_created: new Date().toUTCString().replace('GMT', '+0000'),
    };
    proxy.created.push({ kind, sid, form, resource });
    return JSON.stringify(resource);
  };
  const listFromCreates = (kind: CreatedResource['kind'], query: URLSearchParams, upstreamBody: string): string => {
    const page = JSON.parse(upstreamBody) as Record<string, unknown>;
    page[kind.toLowerCase()] = proxy.created
      .filter(
        (c) =>
          c.kind === kind &&
          (!query.get('To') || c.form.get('To') === query.get('To')) &&
          (!query.get('From') || c.form.get('From') === query.get('From')),
      )
      .map((c) => c.resource)
      .reverse();
    page.next_page_uri = null;
    return JSON.stringify(page);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readAll(req);
    const form = new URLSearchParams(body.toString('utf8'));
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const at = Date.now();
    const record = (status: number, responseBody: string) =>
      proxy.requests.push({ method, path, form, authorization: req.headers.authorization, status, responseBody, at });
    const resourceKind = /\/(Messages|Calls)\.json(\?|$)/.exec(path)?.[1] as CreatedResource['kind'] | undefined;
    const fetchedSid = method === 'GET' ? /\/(?:Messages|Calls)\/((?:SM|CA)[0-9a-f]{32})\.json(\?|$)/.exec(path)?.[1] : undefined;
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
    const upstreamBody = method === 'POST' ? Buffer.from(forPrism(form)) : body;
    const upstream = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        path,
        method,
        headers: { ...req.headers, host: target.host, 'content-length': String(upstreamBody.length) },
      },
      async (upstreamRes) => {
        let responseBody = (await readAll(upstreamRes)).toString('utf8');
        if (resourceKind && method === 'POST' && upstreamRes.statusCode === 201) responseBody = remember(resourceKind, form, responseBody);
        if (resourceKind && method === 'GET' && upstreamRes.statusCode === 200)
          responseBody = listFromCreates(resourceKind, new URL(path, 'http://x').searchParams, responseBody);
        const fetched = fetchedSid && upstreamRes.statusCode === 200 ? proxy.created.find((c) => c.sid === fetchedSid) : undefined;
        if (fetched)
          responseBody = JSON.stringify({ ...fetched.resource, status: proxy.statusOf.get(fetched.sid) ?? fetched.resource.status });
        record(upstreamRes.statusCode ?? 0, responseBody);
        if (fault?.kind === 'forward-then-reset') {
          req.socket.destroy();
          return;
        }
        if (fault?.kind === 'forward-then-hold') return;
        const { 'content-length': _length, ...headers } = upstreamRes.headers;
        res.writeHead(upstreamRes.statusCode ?? 502, headers).end(responseBody);
      },
    );
    upstream.on('error', () => {
      record(502, '');
      res.writeHead(502).end();
    });
    upstream.end(upstreamBody);
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

// A loopback HTTPS stand-in for an Event Grid topic's publish endpoint, enough for @azure/eventgrid's
// EventGridPublisherClient in CloudEvent mode to run unmodified against it:
// - POST /api/events?api-version=... with Content-Type application/cloudevents-batch+json and a JSON array of
//   CloudEvents, answered 200 with an empty body, as Event Grid does;
// - a request without a bearer token the identity endpoint issued for https://eventgrid.azure.net gets 401
//   (the topic has local auth disabled: no aeg-sas-key), and a batch that is not CloudEvents gets 400;
// - it can be told to hold requests unanswered (a process killed mid-publish), to answer 503 or 500, to drop the
//   connection (a topic that is down), or to answer late (`delayMs`, a slow topic).
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export const EVENT_GRID_RESOURCE = 'https://eventgrid.azure.net';

export interface PublishRequest {
  status: number;
  identity?: string;
  contentType?: string;
  apiVersion: string | null;
  events: Array<Record<string, unknown>>;
}

export type TopicMode = 'up' | 'hold' | 'unavailable' | 'error' | 'reset';

export interface EventGridFake {
  /** The topic endpoint, as EVENT_GRID_TOPIC_ENDPOINT. */
  endpoint: string;
  mode: TopicMode;
  /** Every answer waits this long first (0: none). */
  delayMs: number;
  requests: PublishRequest[];
  /** Events of the requests answered 200, in order. */
  accepted(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startEventGridFake(options: {
  hostname: string;
  certificate: { key: string; cert: string };
  authorize(token: string): string | undefined;
}): Promise<EventGridFake> {
  const server = createServer({ key: options.certificate.key, cert: options.certificate.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', `https://${options.hostname}`);
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const record: PublishRequest = {
        status: 0,
        identity: token ? options.authorize(token) : undefined,
        contentType: req.headers['content-type'],
        apiVersion: url.searchParams.get('api-version'),
        events: [],
      };
      fake.requests.push(record);
      const answerNow = (status: number, body?: unknown) => {
        record.status = status;
        if (body === undefined) res.writeHead(status).end();
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const answer = (status: number, body?: unknown) => {
        if (fake.delayMs) setTimeout(() => !res.destroyed && answerNow(status, body), fake.delayMs);
        else answerNow(status, body);
      };
      try {
        record.events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<Record<string, unknown>>;
      } catch {
        return answer(400, { error: { code: 'BadRequest', message: 'The body is not JSON.' } });
      }
      if (fake.mode === 'hold') return;
      if (fake.mode === 'reset') {
        record.status = -1;
        return req.socket.destroy();
      }
      if (req.method !== 'POST' || url.pathname !== '/api/events')
        return answer(404, { error: { code: 'NotFound', message: url.pathname } });
      if (!record.identity)
        return answer(401, { error: { code: 'Unauthorized', message: 'The request authorization is missing or invalid.' } });
      if (!record.apiVersion) return answer(400, { error: { code: 'BadRequest', message: 'api-version is required.' } });
      if (fake.mode === 'unavailable') return answer(503, { error: { code: 'ServiceUnavailable', message: 'injected' } });
      if (fake.mode === 'error') return answer(500, { error: { code: 'InternalServerError', message: 'injected' } });
      const cloudEvents =
        /^application\/cloudevents-batch\+json/.test(record.contentType ?? '') &&
        Array.isArray(record.events) &&
        record.events.every(
          (e) => e.specversion === '1.0' && typeof e.id === 'string' && typeof e.type === 'string' && typeof e.source === 'string',
        );
      if (!cloudEvents) return answer(400, { error: { code: 'BadRequest', message: 'Expected a batch of CloudEvents 1.0.' } });
      answer(200);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: EventGridFake = {
    endpoint: `https://${options.hostname}:${port}/api/events`,
    mode: 'up',
    delayMs: 0,
    requests: [],
    accepted: () => fake.requests.filter((r) => r.status === 200).flatMap((r) => r.events),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}

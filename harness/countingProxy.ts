// A loopback HTTP proxy that forwards every request to one target and counts them by what they do, so a benchmark
// can say how many storage round trips a message costs (put in front of each Azurite service). It adds a hop, so
// it is for counting only, never for timing.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { azuriteConnectionString } from '../devhost/services';

export interface CountingProxy {
  url: string;
  port: number;
  /** Requests seen, by kind (see classify). */
  counts: Map<string, number>;
  /** TCP connections opened to the proxy (a client that keeps its connections alive opens few). */
  connections(): number;
  /** Each request's kind and when it arrived and was answered (performance.now()), in arrival order. */
  requests: Array<{ kind: string; start: number; end: number }>;
  stop(): Promise<void>;
}

/** A storage request's kind, e.g. `table insert`, `queue receive (empty)`. */
function classify(service: 'table' | 'queue' | 'blob', method: string, path: string, responseBody: string): string {
  const resource = path.split('?')[0].split('/').slice(2); // drop the leading '' and the account name
  if (service === 'table') {
    if (resource[0] === 'Tables') return 'table create';
    if (method === 'POST') return 'table insert';
    return `table ${method === 'PUT' ? 'replace' : method === 'GET' ? 'read' : method === 'MERGE' || method === 'PATCH' ? 'merge' : method.toLowerCase()}`;
  }
  if (service === 'queue' && resource[1] === 'messages') {
    if (method === 'GET') return `queue receive${responseBody.includes('<QueueMessage>') ? '' : ' (empty)'}`;
    if (method === 'POST') return 'queue send';
    if (method === 'DELETE') return 'queue delete';
    if (method === 'PUT') return 'queue update';
  }
  return `${service} ${method.toLowerCase()} ${resource.length > 1 ? '' : 'container'}`.trim();
}

export async function startCountingProxy(targetPort: number, service: 'table' | 'queue' | 'blob'): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const requests: CountingProxy['requests'] = [];
  const server: Server = createServer((req, res) => {
    const start = performance.now();
    const upstream = httpRequest(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          const kind = classify(service, req.method ?? 'GET', req.url ?? '/', body.toString('utf8'));
          counts.set(kind, (counts.get(kind) ?? 0) + 1);
          requests.push({ kind, start, end: performance.now() });
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(body);
        });
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    counts,
    connections: () => connections,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Counting proxies in front of Azurite's queue and table endpoints, and the connection string that sends the app
 * through them (blob traffic goes straight to Azurite).
 */
export async function startStorageCountingProxies(azuriteConnection: string): Promise<{
  queue: CountingProxy;
  table: CountingProxy;
  connectionString: string;
  stop(): Promise<void>;
}> {
  const ports =
    /BlobEndpoint=http:\/\/127\.0\.0\.1:(\d+).*QueueEndpoint=http:\/\/127\.0\.0\.1:(\d+).*TableEndpoint=http:\/\/127\.0\.0\.1:(\d+)/.exec(
      azuriteConnection,
    );
  if (!ports) throw new Error('not an Azurite connection string on 127.0.0.1');
  const [queue, table] = await Promise.all([startCountingProxy(Number(ports[2]), 'queue'), startCountingProxy(Number(ports[3]), 'table')]);
  return {
    queue,
    table,
    connectionString: azuriteConnectionString(Number(ports[1]), queue.port, table.port),
    stop: async () => void (await Promise.all([queue.stop(), table.stop()])),
  };
}

/** Whether a request is a message's own work: not start-up creation (tables, queues, containers) nor an empty poll. */
export function isMessageWork(kind: string): boolean {
  return !/create|container|\(empty\)/.test(kind);
}

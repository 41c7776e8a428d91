// A zero-latency stand-in for Twilio's Messages/Calls create endpoints (optionally with added latency), for
// throughput benchmarks where Prism's request validation would dominate. Records when each create arrived (and,
// when asked, each create's form body: the soak counts every message it sent). A fetch of one message
// (GET .../Messages/SM....json, the ledger's re-check) answers `delivered`.
import { createServer, type Server } from 'node:http';

export interface FakeTwilio {
  url: string;
  latencyMs: number;
  creates: number[];
  /** Each create's form body, with `recordBodies`. */
  bodies: string[];
  lists: number;
  stop(): Promise<void>;
}

export async function startFakeTwilio(options: { recordBodies?: boolean } = {}): Promise<FakeTwilio> {
  let counter = 0;
  const fake: FakeTwilio = { url: '', latencyMs: 0, creates: [], bodies: [], lists: 0, stop: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    if (options.recordBodies) req.on('data', (chunk: Buffer) => chunks.push(chunk));
    else req.resume();
    req.on('end', () => {
      const answer = () => {
        const isCall = req.url?.includes('/Calls');
        const fetched = req.method === 'GET' ? /\/Messages\/(SM[0-9a-f]{32})\.json/.exec(req.url ?? '') : null;
        if (fetched) {
          fake.lists++;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: fetched[1], status: 'delivered' }));
        } else if (req.method === 'POST') {
          fake.creates.push(performance.now());
          if (options.recordBodies) fake.bodies.push(Buffer.concat(chunks).toString());
          const sid = `${isCall ? 'CA' : 'SM'}${(++counter).toString(16).padStart(32, '0')}`;
          res
            .writeHead(201, { 'content-type': 'application/json' })
            .end(JSON.stringify({ sid, status: 'queued', date_created: new Date().toUTCString() }));
        } else {
          fake.lists++;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages: [], calls: [], next_page_uri: null }));
        }
      };
      if (fake.latencyMs) setTimeout(answer, fake.latencyMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  fake.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

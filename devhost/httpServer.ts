// Serves every HTTP-triggered function at http://<host>:<port>/<routePrefix>/<route>, handing the app
// the same RPC request shape the Functions host sends, and writing back the RPC response it returns.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FunctionRegistry, RegisteredFunction, RpcHttpData } from './core';
import { matchRoute, parseRoute, type RouteTemplate } from './routes';

interface HttpRoute {
  fn: RegisteredFunction;
  route: RouteTemplate;
  methods: string[];
}

export function httpRoutes(registry: FunctionRegistry): HttpRoute[] {
  return (
    registry.functions
      .filter((fn) => fn.trigger.type === 'httpTrigger')
      .map((fn) => ({
        fn,
        route: parseRoute(fn.trigger.route ?? fn.metadata.name),
        methods: (fn.trigger.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
      }))
      // Literal routes win over parameterised ones, as in ASP.NET routing.
      .sort((a, b) => countParams(a.route) - countParams(b.route))
  );
}

function countParams(route: RouteTemplate): number {
  return route.segments.filter((s) => s.param).length;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The host joins repeated query keys with commas and drops empty values (RpcHttp.query is a string map). */
function queryMap(search: URLSearchParams): Record<string, string> {
  const map: Record<string, string> = {};
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key).filter((v) => v !== '');
    if (values.length) map[key] = values.join(',');
  }
  return map;
}

function headerMap(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function requestUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
  } catch {
    return undefined;
  }
}

export function createHttpServer(registry: FunctionRegistry, routePrefix: string, log: (line: string) => void): Server {
  const routes = httpRoutes(registry);
  const prefix = routePrefix ? `/${routePrefix}` : '';

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request);
    if (!url) {
      // A Host header no URL can be made from: the Functions host (Kestrel) refuses it with 400 too.
      response.writeHead(400).end();
      return;
    }
    const method = (request.method ?? 'GET').toUpperCase();
    const lowerPath = url.pathname.toLowerCase();
    const path =
      prefix && (lowerPath === prefix || lowerPath.startsWith(`${prefix}/`))
        ? url.pathname.slice(prefix.length)
        : prefix
          ? undefined
          : url.pathname;
    const target =
      path === undefined
        ? undefined
        : routes.map((r) => ({ r, params: matchRoute(r.route, path) })).find((m) => m.params && m.r.methods.includes(method));
    if (!target) {
      response.writeHead(404).end();
      return;
    }
    const body = await readBody(request);
    const http: RpcHttpData = {
      method,
      url: url.toString(),
      headers: headerMap(request),
      query: queryMap(url.searchParams),
      params: target.params!,
      body: body.length ? { bytes: body } : null,
    };
    const started = performance.now();
    try {
      const traceparent = request.headers.traceparent;
      const result = await registry.invoke(target.r.fn, { http }, {}, typeof traceparent === 'string' ? traceparent : undefined);
      const rpc = result?.http;
      const status = Number(rpc?.statusCode ?? 204);
      const bytes = rpc?.body?.bytes ?? (rpc?.body?.string != null ? Buffer.from(rpc.body.string) : undefined);
      response.writeHead(status, rpc?.headers ?? {}).end(bytes ? Buffer.from(bytes) : undefined);
      // The route's template, not the path: a path can hold a phone number (/api/optouts/{address}), and logs hold none.
      const route = `${prefix}/${target.r.route.template.replace(/^\/+/, '')}`;
      log(`Executed '${target.r.fn.metadata.name}' (${method} ${route} -> ${status}, ${(performance.now() - started).toFixed(1)} ms)`);
    } catch (error) {
      // The real host answers 500 with an empty body; the error stays in the log, never in the response.
      log(`Executed '${target.r.fn.metadata.name}' (Failed): ${error instanceof Error ? error.stack : String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      log(`Request handling failed: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  // Node closes an idle keep-alive connection after 5 s, and a client that sends its next request at that moment gets
  // "other side closed". The Functions host (Kestrel) keeps them for 130 s; so does this host.
  server.keepAliveTimeout = 130_000;
  return server;
}

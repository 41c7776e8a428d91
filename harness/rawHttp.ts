// Sends bytes no HTTP client would send (bad escapes, invalid UTF-8, broken Host headers) and reads the answer.
import { connect } from 'node:net';

export interface RawResponse {
  /** 0 when the server closed the connection without an HTTP answer. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request on its own connection; `request` is the whole request head (and body), CRLFs included. */
export function rawRequest(baseUrl: string, request: string | Buffer): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.end(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(parse(Buffer.concat(chunks))));
  });
}

const CRLF = Buffer.from('\r\n');

function parse(bytes: Buffer): RawResponse {
  const headEnd = bytes.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = bytes
    .subarray(0, headEnd < 0 ? bytes.length : headEnd)
    .toString('latin1')
    .split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = headEnd < 0 ? Buffer.alloc(0) : bytes.subarray(headEnd + 4);
  return { status, headers, body: (headers['transfer-encoding'] === 'chunked' ? dechunk(body) : body).toString('utf8') };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; ;) {
    const lineEnd = body.indexOf(CRLF, at);
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (lineEnd < 0 || !(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** A GET request head for `target` (sent as is, not re-encoded), closing the connection afterwards. */
export function rawGet(target: string | Buffer, host = 'localhost'): Buffer {
  return Buffer.concat([Buffer.from('GET '), Buffer.from(target), Buffer.from(` HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)]);
}

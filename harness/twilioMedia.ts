// A loopback stand-in for Twilio's recording media on an account with media authentication: the audio answers only
// HTTP Basic auth with the account SID and auth token (anything else 401, as api.twilio.com does), and DELETE
// removes a recording (then 404). Small on purpose: Prism cannot serve audio, and nothing else plays Twilio here.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TwilioMedia {
  /** Base URL to use as TWILIO_API_BASE_URL. */
  url: string;
  /** Adds a recording's audio. */
  addRecording(sid: string, audio: Buffer): void;
  has(sid: string): boolean;
  /** Requests served, e.g. `GET RE... 200`, `GET RE... 401`, `DELETE RE... 204`. */
  log: string[];
  stop(): Promise<void>;
}

const PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Recordings\/(RE[0-9a-f]{32})(\.mp3|\.json)?$/;

export async function startTwilioMedia(credentials: { accountSid: string; authToken: string }): Promise<TwilioMedia> {
  const recordings = new Map<string, Buffer>();
  const log: string[] = [];
  const expected = `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}`;
  const authorised = (request: IncomingMessage) => request.headers.authorization === expected;
  const server: Server = createServer((request, response) => {
    const match = PATH.exec(new URL(request.url ?? '/', 'http://x').pathname);
    const answer = (status: number, sid = '-', headers: Record<string, string> = {}, body?: Buffer | string) => {
      log.push(`${request.method} ${sid} ${status}`);
      response.writeHead(status, headers).end(body);
    };
    if (!match || match[1] !== credentials.accountSid) return answer(404);
    const [, , sid, extension] = match;
    if (!authorised(request)) {
      return answer(401, sid, { 'WWW-Authenticate': 'Basic realm="Twilio API"', 'Content-Type': 'application/json' }, '{"code":20003}');
    }
    const audio = recordings.get(sid);
    if (!audio) return answer(404, sid, { 'Content-Type': 'application/json' }, '{"code":20404}');
    if (request.method === 'GET' && extension === '.mp3') return answer(200, sid, { 'Content-Type': 'audio/mpeg' }, audio);
    if (request.method === 'DELETE' && extension === '.json') {
      recordings.delete(sid);
      return answer(204, sid);
    }
    answer(405, sid);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    addRecording: (sid, audio) => void recordings.set(sid, audio),
    has: (sid) => recordings.has(sid),
    log,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

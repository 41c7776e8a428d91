// A loopback stand-in for Twilio's recording media on an account with media authentication: the audio answers only
// HTTP Basic auth with the account SID and auth token (anything else 401, as api.twilio.com does), and DELETE
// removes a recording (then 404). Small on purpose: Prism cannot serve audio, and nothing else plays Twilio here.
// The same answers are served on their own (startTwilioMedia) or inside the recording proxy (harness/twilioProxy.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MediaAnswer {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

export interface MediaAccount {
  accountSid: string;
  authToken: string;
  /** An API key of the account: the REST API (a DELETE) takes it as Twilio does; the media here only the auth token. */
  apiKey?: { sid: string; secret: string };
}

const PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Recordings\/(RE[0-9a-f]{32})(\.mp3|\.json)$/;

/**
 * Twilio's answer to a recording media or delete request, or undefined when the path is no recording of this account.
 * `recordings` holds the audio per SID; with `anyAudio`, every SID not deleted has that audio.
 */
export function mediaAnswer(
  account: MediaAccount,
  store: { recordings: Map<string, Buffer>; deleted: Set<string>; anyAudio?: Buffer },
  request: { method: string; path: string; authorization?: string },
): (MediaAnswer & { sid: string }) | undefined {
  const match = PATH.exec(new URL(request.path, 'http://x').pathname);
  if (!match || match[1] !== account.accountSid) return undefined;
  const [, , sid, extension] = match;
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const accepted = [basic(account.accountSid, account.authToken)];
  if (account.apiKey && request.method === 'DELETE') accepted.push(basic(account.apiKey.sid, account.apiKey.secret));
  if (!accepted.includes(request.authorization ?? '')) {
    return {
      sid,
      status: 401,
      headers: { 'WWW-Authenticate': 'Basic realm="Twilio API"', 'Content-Type': 'application/json' },
      // Twilio's 401 body, message included (twilio-node's error then says what happened).
      body: JSON.stringify({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 }),
    };
  }
  const audio = store.deleted.has(sid) ? undefined : (store.recordings.get(sid) ?? store.anyAudio);
  if (!audio) return { sid, status: 404, headers: { 'Content-Type': 'application/json' }, body: '{"code":20404}' };
  if (request.method === 'GET' && extension === '.mp3') return { sid, status: 200, headers: { 'Content-Type': 'audio/mpeg' }, body: audio };
  if (request.method === 'DELETE' && extension === '.json') {
    store.deleted.add(sid);
    return { sid, status: 204, headers: {} };
  }
  return { sid, status: 405, headers: {} };
}

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

export async function startTwilioMedia(account: MediaAccount): Promise<TwilioMedia> {
  const store = { recordings: new Map<string, Buffer>(), deleted: new Set<string>() };
  const log: string[] = [];
  const server: Server = createServer((request, response) => {
    const answer = mediaAnswer(account, store, {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      authorization: request.headers.authorization,
    }) ?? { sid: '-', status: 404, headers: {} };
    log.push(`${request.method} ${answer.sid} ${answer.status}`);
    response.writeHead(answer.status, answer.headers).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    addRecording: (sid, audio) => void store.recordings.set(sid, audio),
    has: (sid) => !store.deleted.has(sid) && store.recordings.has(sid),
    log,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

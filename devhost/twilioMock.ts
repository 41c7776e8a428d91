// The offline Twilio mock's own layer, in front of Stoplight Prism (which serves Twilio's OpenAPI spec). `npm start`
// runs it, and the test proxy (harness/twilioProxy.ts) forwards through the same code, so both meet one mock:
// - Prism reads a repeated form key as one value and then refuses array parameters ("must be array";
//   stoplightio/prism#2473). Twilio and its SDK repeat the key (StatusCallbackEvent=initiated&StatusCallbackEvent=
//   ringing), and real Twilio takes that, so array parameters go to Prism as it understands them (Key[]=a&Key[]=b).
// - Prism has no state: each message or call created gets its own SID and echoes what was asked for, and list
//   requests (Messages.json / Calls.json GETs, once Prism has validated them) are answered from those creates.
//   Event Streams' sinks and subscriptions (Events v1) are kept the same way (devhost/eventStreamsMock.ts).
// - Prism's refusal (422 with a `validation` list) becomes a Twilio-shaped error whose message names each problem,
//   so the twilio SDK, the ledger's errorMessage and the log say what was refused instead of "Error".
// - Twilio's magic test numbers are refused with the error Twilio's test credentials give them (+15005550002 as To:
//   21612, cannot route), so a local user can see a message fail.
// - Under `npm start` (statusCallbacks), a created message or call then moves on as on a live account: its
//   StatusCallback gets what Twilio would post (a message: sent, then delivered; a call: the StatusCallbackEvent
//   steps, completed by default), signed with the mock's auth token. Twilio's own test credentials post no callbacks;
//   this stands in for a live account, so a message's whole life (ledger row, events) can be seen offline.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { EventStreamsState } from './eventStreamsMock';

const ARRAY_PARAMS = ['MediaUrl', 'StatusCallbackEvent'];
/** Events v1's array parameters, which the offline spec declares comma-joined (devhost/services.ts, offlineTwilioSpec). */
const COMMA_JOINED_PARAMS = ['Types'];

/** The form as Prism reads array parameters; everything else unchanged. */
export function formForPrism(form: URLSearchParams): string {
  const rewritten = new URLSearchParams();
  for (const [key, value] of form) {
    if (!COMMA_JOINED_PARAMS.includes(key)) rewritten.append(ARRAY_PARAMS.includes(key) ? `${key}[]` : key, value);
    else if (!rewritten.has(key)) rewritten.append(key, form.getAll(key).join(','));
  }
  return rewritten.toString();
}

export interface CreatedResource {
  kind: 'Messages' | 'Calls';
  sid: string;
  form: URLSearchParams;
  resource: Record<string, unknown>;
}

interface PrismProblem {
  title?: string;
  detail?: string;
  validation?: Array<{ location?: string[]; message?: string }>;
}

/** Prism's 422 in Twilio's error shape ({code, message, more_info, status}), naming every problem it listed. */
export function twilioErrorForPrismRefusal(status: number, body: string): string | undefined {
  let problem: PrismProblem;
  try {
    problem = JSON.parse(body) as PrismProblem;
  } catch {
    return undefined;
  }
  if (!problem || typeof problem !== 'object' || (!problem.validation && !problem.title)) return undefined;
  const details = (problem.validation ?? []).map((v) => v.message ?? `${(v.location ?? []).join('.')} is not valid`);
  const message = `The offline Twilio mock (Prism, on Twilio's OpenAPI spec) refused the request: ${
    details.length ? details.join('; ') : (problem.detail ?? problem.title)
  }`;
  return JSON.stringify({ code: null, message, more_info: 'https://github.com/stoplightio/prism', status });
}

type Refusals = Record<string, [code: number, message: string]>;

/** Twilio's magic numbers for test credentials (twilio.com/docs/iam/test-credentials) that make a create fail. */
const TEST_NUMBER_REFUSALS: Record<CreatedResource['kind'], { From: Refusals; To: Refusals }> = {
  Messages: {
    From: {
      '+15005550001': [21212, 'This phone number is invalid.'],
      '+15005550007': [21606, 'This phone number is not owned by your account or is not SMS-capable.'],
      '+15005550008': [21611, 'This number has an SMS message queue that is full.'],
    },
    To: {
      '+15005550001': [21211, 'This phone number is invalid.'],
      '+15005550002': [21612, 'Twilio cannot route to this number.'],
      '+15005550003': [21408, "Your account doesn't have the international permissions necessary to SMS this number."],
      '+15005550004': [21610, 'This number is blocked for your account.'],
      '+15005550009': [21614, 'This number is incapable of receiving SMS messages.'],
    },
  },
  Calls: {
    From: { '+15005550001': [21212, 'This phone number is invalid.'] },
    To: {
      '+15005550001': [21217, 'This phone number is invalid.'],
      '+15005550002': [21214, 'Twilio cannot route to this number.'],
      '+15005550003': [21215, "Your account doesn't have the international permissions necessary to call this number."],
      '+15005550004': [21216, 'This number is blocked for your account.'],
    },
  },
};

/** The 400 Twilio answers a create to or from one of its magic test numbers, in its error shape; undefined otherwise. */
export function testNumberRefusal(kind: CreatedResource['kind'], form: URLSearchParams): string | undefined {
  for (const field of ['From', 'To'] as const) {
    const refusal = TEST_NUMBER_REFUSALS[kind][field][form.get(field) ?? ''];
    if (refusal) {
      const [code, message] = refusal;
      return JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 });
    }
  }
  return undefined;
}

/**
 * What Twilio posts to a create's StatusCallback, in order. None for the initial status (a message's queued, or
 * accepted with a Messaging Service, then queued). A call posts the StatusCallbackEvent steps asked for, completed
 * when none are.
 */
export function statusCallbacks(created: CreatedResource, accountSid: string): Array<Record<string, string>> {
  const { form, sid } = created;
  if (!form.get('StatusCallback')) return [];
  const common = { AccountSid: accountSid, ApiVersion: '2010-04-01', From: form.get('From') ?? '', To: form.get('To') ?? '' };
  if (created.kind === 'Messages') {
    const service = form.get('MessagingServiceSid');
    const steps = [...(service ? ['queued'] : []), 'sent', 'delivered'];
    return steps.map((status) => ({
      ...common,
      ...(service ? { MessagingServiceSid: service } : {}),
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus: status,
      SmsStatus: status,
    }));
  }
  const asked = form
    .getAll('StatusCallbackEvent')
    .flatMap((e) => e.split(' '))
    .filter(Boolean);
  const events = asked.length ? asked : ['completed'];
  const callStatus: Record<string, string> = {
    initiated: 'initiated',
    ringing: 'ringing',
    answered: 'in-progress',
    completed: 'completed',
  };
  return ['initiated', 'ringing', 'answered', 'completed']
    .filter((event) => events.includes(event))
    .map((event, index) => ({
      ...common,
      CallSid: sid,
      Direction: 'outbound-api',
      CallStatus: callStatus[event],
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(index),
      Timestamp: new Date().toUTCString().replace('GMT', '+0000'),
      ...(event === 'completed' ? { CallDuration: '12', Duration: '1' } : {}),
    }));
}

export interface MockAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Set when Prism refused the request: what it said, in one line. */
  refusal?: string;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The mock's state (the creates) and how one request goes through it to Prism. */
export class TwilioMock {
  readonly created: CreatedResource[] = [];
  /** What a fetch of a created message or call (GET .../Messages/SM....json) answers as its status; unset: as created. */
  readonly statusOf = new Map<string, string>();
  readonly eventStreams = new EventStreamsState();
  readonly #target: URL;

  constructor(prismUrl: string) {
    this.#target = new URL(prismUrl);
  }

  /** Gives a create Prism accepted its own SID and the fields it was asked for, and remembers it. */
  #remember(kind: CreatedResource['kind'], form: URLSearchParams, upstreamBody: string): string {
    const sid = `${kind === 'Messages' ? 'SM' : 'CA'}${(this.created.length + 1).toString(16).padStart(32, '0')}`;
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
    this.created.push({ kind, sid, form, resource });
    return JSON.stringify(resource);
  }

  #listFromCreates(kind: CreatedResource['kind'], query: URLSearchParams, upstreamBody: string): string {
    const page = JSON.parse(upstreamBody) as Record<string, unknown>;
    page[kind.toLowerCase()] = this.created
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
  }

  /** Sends one request through the mock to Prism. Rejects when Prism cannot be reached. */
  forward(request: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer }): Promise<MockAnswer> {
    const { method, path, headers } = request;
    const form = new URLSearchParams(request.body.toString('utf8'));
    const resourceKind = /\/(Messages|Calls)\.json(\?|$)/.exec(path)?.[1] as CreatedResource['kind'] | undefined;
    const fetchedSid = method === 'GET' ? /\/(?:Messages|Calls)\/((?:SM|CA)[0-9a-f]{32})\.json(\?|$)/.exec(path)?.[1] : undefined;
    const upstreamBody = method === 'POST' ? Buffer.from(formForPrism(form)) : request.body;
    const refused = resourceKind && method === 'POST' ? testNumberRefusal(resourceKind, form) : undefined;
    if (refused)
      return Promise.resolve({
        status: 400,
        headers: { 'content-type': 'application/json' },
        body: refused,
        refusal: `${(JSON.parse(refused) as { message: string }).message} (a Twilio test number)`,
      });
    return new Promise<MockAnswer>((resolve, reject) => {
      const upstream = httpRequest(
        {
          hostname: this.#target.hostname,
          port: this.#target.port,
          path,
          method,
          headers: { ...headers, host: this.#target.host, 'content-length': String(upstreamBody.length) },
        },
        (upstreamRes) => {
          readAll(upstreamRes).then((raw) => {
            const status = upstreamRes.statusCode ?? 502;
            let body = raw.toString('utf8');
            const { 'content-length': _length, ...answerHeaders } = upstreamRes.headers;
            let refusal: string | undefined;
            const eventStreamsAnswer = path.startsWith('/v1/') ? this.eventStreams.answer(method, path, form, status, body) : undefined;
            if (eventStreamsAnswer !== undefined) body = eventStreamsAnswer;
            else if (resourceKind && method === 'POST' && status === 201) body = this.#remember(resourceKind, form, body);
            else if (resourceKind && method === 'GET' && status === 200)
              body = this.#listFromCreates(resourceKind, new URL(path, 'http://x').searchParams, body);
            else if (fetchedSid && status === 200) {
              const fetched = this.created.find((c) => c.sid === fetchedSid);
              if (fetched)
                body = JSON.stringify({ ...fetched.resource, status: this.statusOf.get(fetched.sid) ?? fetched.resource.status });
            } else if (status === 422) {
              const twilioError = twilioErrorForPrismRefusal(status, body);
              if (twilioError) {
                refusal = (JSON.parse(twilioError) as { message: string }).message;
                body = twilioError;
                answerHeaders['content-type'] = 'application/json';
              }
            }
            resolve({ status, headers: answerHeaders, body, refusal });
          }, reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(upstreamBody);
    });
  }
}

export interface RunningTwilioMock {
  url: string;
  mock: TwilioMock;
  stop(): Promise<void>;
}

export interface MockStatusCallbacks {
  /** The auth token the mock signs callbacks with: the app's (the offline mock's test token). */
  authToken: string;
  /** Between a create and its first callback, and between callbacks (default 1 s: the app records the send first). */
  stepMs?: number;
}

/** Posts a create's status callbacks one after another, signed as Twilio signs them; says in the log what failed. */
function postStatusCallbacks(created: CreatedResource, accountSid: string, options: MockStatusCallbacks, log: (line: string) => void) {
  // Twilio reads connection overrides (#rc=5&rp=all) from the fragment, then calls and signs the URL without it.
  const url = created.form.get('StatusCallback')?.split('#')[0];
  const steps = statusCallbacks(created, accountSid);
  if (!url || !steps.length) return;
  const post = async (params: Record<string, string>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
        'User-Agent': 'TwilioProxy/1.1',
        'X-Twilio-Signature': getExpectedTwilioSignature(options.authToken, url, params),
      },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
    if (!response.ok) log(`status callback ${params.MessageStatus ?? params.CallStatus} for ${created.sid} -> ${response.status}`);
  };
  const step = options.stepMs ?? 1000;
  void steps
    .reduce(
      (previous, params) =>
        previous.then(async () => {
          await new Promise((resolve) => setTimeout(resolve, step).unref());
          await post(params);
        }),
      Promise.resolve(),
    )
    .catch((error: unknown) => log(`status callback for ${created.sid} not delivered: ${(error as Error).message}`));
}

/** The mock layer as a server on loopback, for `npm start`: every refusal is logged with its reason. */
export async function startTwilioMock(
  prismUrl: string,
  options: { port?: number; log?: (line: string) => void; statusCallbacks?: MockStatusCallbacks } = {},
): Promise<RunningTwilioMock> {
  const mock = new TwilioMock(prismUrl);
  const log = options.log ?? (() => undefined);
  // The path without its query and account SID: the log names the resource, never a number or a credential.
  const where = (path: string) => path.split('?')[0].replace(/\/Accounts\/[^/]+/, '/Accounts/{AccountSid}');
  const accountOf = (path: string) => /\/Accounts\/(AC[0-9a-fA-F]{32})\//.exec(path)?.[1] ?? '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      try {
        const answer = await mock.forward({ method, path, headers: req.headers, body });
        if (answer.refusal) log(`${method} ${where(path)} -> ${answer.status}: ${answer.refusal}`);
        res.writeHead(answer.status, answer.headers).end(answer.body);
        if (options.statusCallbacks && method === 'POST' && answer.status === 201) {
          const sid = (JSON.parse(answer.body) as { sid?: string }).sid;
          const created = mock.created.find((c) => c.sid === sid);
          if (created) postStatusCallbacks(created, accountOf(path), options.statusCallbacks, log);
        }
      } catch (error) {
        log(`${method} ${where(path)} -> 502: Prism did not answer (${(error as { code?: string }).code ?? String(error)})`);
        res
          .writeHead(502, { 'content-type': 'application/json' })
          .end(JSON.stringify({ code: null, message: 'The offline Twilio mock could not reach Prism', status: 502 }));
      }
    })().catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    mock,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// npm run simulate: sends the app a request exactly as Twilio would, signed with the app's own auth token, and
// prints the status and the answer (TwiML). Locally or against a deployment.
//   npm run simulate -- call
//   npm run simulate -- sms --body STOP
//   npm run simulate -- digits --digits 2
//   npm run simulate -- speech --speech "What are your opening hours?" --turn 1
//   npm run simulate -- dial-result --path "/api/forward?PhoneNumber=%2B14155550100&FailUrl=/api/voicemail" --dial-status busy
//   npm run simulate -- call --url https://calls.example.com
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { useLocalSettings } from '../devhost/localSettings';
import { MOCK_TWILIO_CREDENTIALS } from '../devhost/services';
import { readLedgerRow } from '../shared/outbound/ledgerTable';
import { SIMULATION_KINDS, simulatedRequest, type SimulationKind } from '../shared/operations/simulatedRequests';
import { exampleStreamEvent, urlWithBodyHash } from '../shared/eventStreams/exampleEvents';
import { simulationHints } from '../shared/operations/simulationHints';
import { settings } from '../shared/platform/settings';
import { twilioCredentials } from '../shared/platform/twilioCredentials';
import { errorLine, parseToolArgs, runTool, UsageError } from './toolCli';

const USAGE = `Usage:
  npm run simulate -- <${SIMULATION_KINDS.join('|')}> [options]

Kinds:
  call          an incoming call to /api/voice
  sms           an incoming SMS to /api/sms (--body STOP, START, HELP, ...)
  digits        keys pressed on a menu (--digits 1), to /api/voice unless --path
  speech        what the caller said to a speech Gather (--speech TEXT): the assistant's turn --turn N
                (default 1: the number in the last answer's Gather action), to /api/assistant unless --path
  dial-result   the Dial action after a forward (--dial-status completed|busy|no-answer|failed)
  recording     a voicemail Record action (--recording-url)
  status        a status callback for the message sent under --key KEY (its ledger row gives the SID), with
                --message-status delivered|undelivered|failed (default delivered) or --call-status completed
  alert         a Debugger event to /api/twilio-alerts (--error-code 11200)
  stream        an Event Streams batch to /api/event-streams (--events 3 message status events, JSON, bodySHA256)

Options:
  --url BASE          the app's base URL as configured in Twilio, which is what gets signed
                      (default: WEBHOOK_BASE_URL, else localhost at local.settings.json's Host.LocalHttpPort or 7071)
  --send-to BASE      where to send the request, when it is not --url (a proxy, or the local host behind a tunnel)
  --path PATH         path and query under BASE (default: the kind's route)
  --from NUMBER       caller or sender (default +14155550111)
  --to NUMBER         the app's number (default: TWILIO_FROM_NUMBER)
  --set NAME=VALUE    set or override any Twilio parameter (repeatable)
  --body, --digits, --speech, --turn, --dial-status, --recording-url, --key, --message-status, --call-status, --error-code
  --get               send GET with the parameters in the query, as Twilio does for a number set to HTTP GET
The auth token comes from the app's settings (local.settings.json, the environment) or, with KEY_VAULT_URL, from
Key Vault through your own login (az login). Without either, the offline mock's test token is used.`;

async function authToken(): Promise<string> {
  const { keyVaultUrl, twilio } = settings();
  if (!keyVaultUrl && !twilio.authToken && !twilio.apiBaseUrl) return MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN;
  return (await twilioCredentials()).authToken;
}

const OPTIONS = {
  url: { type: 'string' },
  'send-to': { type: 'string' },
  path: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  set: { type: 'string', multiple: true },
  body: { type: 'string' },
  digits: { type: 'string' },
  speech: { type: 'string' },
  turn: { type: 'string' },
  'dial-status': { type: 'string' },
  'recording-url': { type: 'string' },
  key: { type: 'string' },
  'message-status': { type: 'string' },
  'call-status': { type: 'string' },
  'error-code': { type: 'string' },
  get: { type: 'boolean' },
  events: { type: 'string' },
} as const;

/**
 * The SID a status callback for --key carries: the one Twilio gave the message (its ledger row's), as a real callback
 * would. A made-up SID would be recorded as a second send under the key. Undefined when --set gives one.
 */
/** How long `status --key` waits for a message that is due to get its SID. */
const SEND_WAIT_MS = 30_000;

async function rowSid(key: string, set: string[]): Promise<{ sid?: string; isCall?: boolean }> {
  if (set.some((pair) => /^(MessageSid|CallSid)=/.test(pair))) return {};
  let row;
  try {
    row = await readLedgerRow(key);
  } catch (error) {
    console.error(`Could not read the ledger row of ${key} (${errorLine(error)}); the status carries a made-up SID.`);
    return {};
  }
  if (!row) throw new UsageError(`No outbound message with key ${key} in the ledger (npm run send prints the key it used).`);
  // Just sent with npm run send: the queue trigger takes it within seconds, so wait for its SID rather than refuse.
  const due = !row.sendAt || Date.parse(row.sendAt) <= Date.now();
  if (!row.sid && due && (row.status === 'accepted' || row.status === 'sending')) {
    console.error(`Waiting up to ${SEND_WAIT_MS / 1000} s for ${key} to be sent ...`);
    for (const until = Date.now() + SEND_WAIT_MS; !row?.sid && Date.now() < until;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      row = (await readLedgerRow(key)) ?? row;
    }
  }
  if (!row.sid)
    throw new UsageError(`The message under key ${key} is ${row.status} and has no SID yet; a status callback comes only after the send.`);
  return { sid: row.sid, isCall: row.sid.startsWith('CA') };
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(args, OPTIONS, true);
  const kind = positionals[0] as SimulationKind | 'stream' | undefined;
  if (kind === 'stream') return stream(values);
  if (!kind) throw new UsageError(`Give the kind of request: ${SIMULATION_KINDS.join(', ')}.`);
  if (!SIMULATION_KINDS.includes(kind)) throw new UsageError(`Unknown kind "${kind}": use one of ${SIMULATION_KINDS.join(', ')}.`);
  if (positionals.length > 1) throw new UsageError(`Unexpected argument: ${positionals.slice(1).join(' ')}`);
  const local = useLocalSettings(process.cwd());
  const config = settings();
  const token = await authToken();
  const status = kind === 'status' && values.key ? await rowSid(values.key, values.set ?? []) : {};
  const base = (values.url ?? config.webhookBaseUrl ?? `http://localhost:${local.localHttpPort ?? 7071}`).replace(/\/+$/, '');
  const request = simulatedRequest(
    kind,
    {
      from: values.from ?? '+14155550111',
      to: values.to ?? config.twilio.fromNumber ?? MOCK_TWILIO_CREDENTIALS.TWILIO_FROM_NUMBER,
      accountSid: config.twilio.accountSid ?? MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID,
      body: values.body,
      digits: values.digits,
      speech: values.speech,
      turn: values.turn,
      dialStatus: values['dial-status'],
      recordingUrl: values['recording-url'],
      key: values.key,
      messageStatus: values['message-status'],
      callStatus: values['call-status'] ?? (status.isCall && !values['message-status'] ? 'completed' : undefined),
      errorCode: values['error-code'],
      sid: status.sid,
    },
    values.path,
  );
  for (const pair of values.set ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--set takes NAME=VALUE, got "${pair}"`);
    request.params[pair.slice(0, at)] = pair.slice(at + 1);
  }
  let url = `${base}${request.path}`;
  const target = (signed: string) => (values['send-to'] ? values['send-to'].replace(/\/+$/, '') + signed.slice(base.length) : signed);
  let init: RequestInit;
  if (values.get) {
    url += `${url.includes('?') ? '&' : '?'}${new URLSearchParams(request.params)}`;
    init = { method: 'GET', headers: { 'X-Twilio-Signature': getExpectedTwilioSignature(token, url, {}) } };
  } else {
    init = {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
        'User-Agent': 'TwilioProxy/1.1',
        'X-Twilio-Signature': getExpectedTwilioSignature(token, url, request.params),
      },
      body: new URLSearchParams(request.params).toString(),
    };
  }
  let response: Response;
  try {
    response = await fetch(target(url), { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    console.error(
      `No answer from ${new URL(target(url)).origin}: ${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}. Is the app running (npm start)?`,
    );
    return 1;
  }
  const text = await response.text();
  console.log(
    `${init.method} ${new URL(url).pathname} -> ${response.status} ${response.statusText}${response.headers.get('content-type') ? ` (${response.headers.get('content-type')})` : ''}`,
  );
  if (text) console.log(text);
  const hints = simulationHints({
    kind,
    status: response.status,
    body: text,
    pathGiven: values.path !== undefined,
    voiceMode: config.voice.mode,
    smsAutoReply: config.sms.autoReply,
    smsForwardTo: config.sms.forwardTo,
    signedBase: base,
    sentTo: values['send-to'] && new URL(values['send-to']).origin !== new URL(base).origin ? values['send-to'] : undefined,
  });
  for (const hint of hints) console.error(`Hint: ${hint}`);
  return response.ok ? 0 : 1;
}

/** An Event Streams batch, signed as Event Streams signs it: HMAC-SHA1 with the auth token over the URL with bodySHA256. */
async function stream(values: { url?: string; 'send-to'?: string; path?: string; events?: string }): Promise<number> {
  const count = Number(values.events ?? '3');
  if (!Number.isInteger(count) || count < 1 || count > 1000)
    throw new UsageError(`--events takes a whole number from 1 to 1000, got "${values.events}"`);
  const local = useLocalSettings(process.cwd());
  const config = settings();
  const token = await authToken();
  const base = (values.url ?? config.webhookBaseUrl ?? `http://localhost:${local.localHttpPort ?? 7071}`).replace(/\/+$/, '');
  const accountSid = config.twilio.accountSid ?? MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID;
  // Ids from the clock, so that each run is new events rather than a redelivery of the last run's.
  const first = Date.now() * 1000;
  const body = JSON.stringify(Array.from({ length: count }, (_, i) => exampleStreamEvent(first + i, accountSid)));
  const url = urlWithBodyHash(`${base}${values.path ?? '/api/event-streams'}`, body);
  const target = values['send-to'] ? values['send-to'].replace(/\/+$/, '') + url.slice(base.length) : url;
  const basic = config.twilio.eventStreamsCredentials;
  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Twilio-Signature': getExpectedTwilioSignature(token, url, {}),
        ...(basic && { Authorization: `Basic ${Buffer.from(basic).toString('base64')}` }),
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    console.error(`No answer from ${new URL(target).origin}: ${errorLine(error)}. Is the app running (npm start)?`);
    return 1;
  }
  console.log(`POST ${new URL(url).pathname} (${count} event(s)) -> ${response.status} ${response.statusText}`);
  const text = await response.text();
  if (text) console.log(text.trimEnd());
  return response.ok ? 0 : 1;
}

void runTool({ usage: USAGE, main });

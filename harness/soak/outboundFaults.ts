// The outbound fault soak: a few hundred outbound messages from every producer, while Twilio answers 429/500/503,
// times out, resets connections or resets after doing the work, and, one per turn, Azurite is stopped and
// restarted, the host is killed (SIGKILL) and restarted, or Key Vault cannot be reached. Then, once the queue
// has drained, every message is looked for in the ledger, the poison queue and Twilio's record (faultAudit.ts).
// `npm run soak` runs it as a phase (bench/soak.ts); test/reliability/outboundFaults.test.ts runs it CI-sized.
import { writeFileSync } from 'node:fs';
import { readDelivery } from '../../shared/outbound/envelope';
import { TWILIO_REQUEST_TIMEOUT_MS } from '../../shared/platform/twilioClient';
import { leakedSecrets, SENTINEL_CREDENTIALS } from '../secrets';
import {
  drainTexts,
  FROM_NUMBER,
  ledgerRows,
  rigVault,
  startOutboundRig,
  WEBHOOK_BASE_URL,
  type OutboundRig,
  type OutboundRigOptions,
} from '../outboundRig';
import type { Fault } from '../twilioProxy';
import { auditOutbound, auditProblems, type Audit, type AuditCreate } from './faultAudit';
import {
  planWorkload,
  twilioFaultPicker,
  TWILIO_FAULT_KINDS,
  type PlannedMessage,
  type TurnFault,
  type TwilioFaultKind,
} from './faultPlan';
import { sign, smsParams } from '../twilioRequests';

/** The rig's settings the fault phase chooses (the rest is fixed: Key Vault credentials, a restartable Azurite). */
type FaultRigSettings = Required<
  Pick<OutboundRigOptions, 'sendLeaseSeconds' | 'hostLeaseSeconds' | 'visibilityTimeout' | 'maxDequeueCount' | 'secretsCacheTtlSeconds'>
>;

export interface FaultRunOptions extends FaultRigSettings {
  messages: number;
  seed: number;
  /** Share of Twilio requests that get a random fault. */
  twilioFaultRate: number;
  /** One storage, process or vault fault per turn; the messages are enqueued in as many waves. */
  turns: TurnFault[];
  /** How long Azurite and Key Vault stay down. */
  outageMs: number;
  /** Each wave's messages are spread over this long, so producers meet the turn's fault too. */
  waveMs: number;
  /** The longest wait for the queue to drain after the last turn. */
  drainTimeoutMs: number;
  log?: (line: string) => void;
  /** Where to write every line the hosts printed, for a closer look. */
  hostLogFile?: string;
}

export interface TurnRecord {
  fault: TurnFault;
  /** Seconds since the first message was enqueued. */
  atSeconds: number;
  downSeconds: number;
}

export interface FaultRunResult {
  seed: number;
  messages: number;
  /** Queue messages written and POSTs accepted, deliberate duplicates included. */
  deliveries: number;
  /** Producer tries repeated because storage or the app was down. */
  producerRetries: number;
  byProducer: Record<string, number>;
  faults: {
    twilio: Record<TwilioFaultKind, number>;
    /** Creates Twilio refused for good (error 21211): scripted, not random. */
    twilioRefusals: number;
    azuriteRestarts: number;
    appKills: number;
    vaultOutages: number;
    vaultConnectionsDropped: number;
    turns: TurnRecord[];
  };
  outcomes: Record<string, number>;
  lost: number;
  duplicated: number;
  audit: Audit;
  /** Twilio requests the proxy saw, by kind. */
  twilioRequests: { creates: number; lookups: number };
  /** What the app's and the host's log lines say happened. */
  log: LogFigures;
  seconds: { run: number; drain: number };
  drained: boolean;
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The Twilio faults as the proxy injects them. A timeout is a delay just past the app's client timeout, after which the
 * request still reaches Twilio.
 */
function proxyFault(kind: TwilioFaultKind): Fault {
  switch (kind) {
    case '429':
      return { kind: 'status', status: 429 };
    case '500':
      return { kind: 'status', status: 500 };
    case '503':
      return { kind: 'status', status: 503 };
    case 'timeout':
      return { kind: 'delay', ms: TWILIO_REQUEST_TIMEOUT_MS + 300 };
    case 'reset':
      return { kind: 'reset' };
    case 'forward-then-reset':
      return { kind: 'forward-then-reset' };
  }
}

const REFUSAL: Fault = {
  kind: 'status',
  status: 400,
  body: {
    code: 21211,
    message: "The 'To' number is not a valid phone number.",
    more_info: 'https://www.twilio.com/docs/errors/21211',
    status: 400,
  },
};

/** Retries `attempt` until it returns true: a producer that keeps trying while storage or the app is down. */
async function persist(what: string, attempt: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 240; tries++) {
    try {
      if (await attempt()) return;
    } catch {
      // Storage or the app is down for now: try again.
    }
    await sleep(250);
  }
  throw new Error(`${what}: still failing after a minute of retries`);
}

/** `npm run soak`'s fault phase: production queue settings except the waits, shortened to keep the run in minutes. */
export const SOAK_FAULT_SETTINGS: Omit<FaultRunOptions, 'messages' | 'seed' | 'turns' | 'log' | 'hostLogFile'> = {
  twilioFaultRate: 0.2,
  outageMs: 5000,
  waveMs: 6000,
  drainTimeoutMs: 240_000,
  sendLeaseSeconds: 30,
  hostLeaseSeconds: 10,
  visibilityTimeout: '00:00:02',
  maxDequeueCount: 5,
  secretsCacheTtlSeconds: 3,
};

export async function runOutboundFaults(options: FaultRunOptions): Promise<FaultRunResult> {
  const log = options.log ?? (() => undefined);
  const rig = await startOutboundRig({
    queueName: 'soak-faults',
    ledgerTable: 'soakledger',
    optOutTable: 'soakoptouts',
    credentials: 'keyVault',
    restartableAzurite: true,
    sendLeaseSeconds: options.sendLeaseSeconds,
    hostLeaseSeconds: options.hostLeaseSeconds,
    visibilityTimeout: options.visibilityTimeout,
    maxDequeueCount: options.maxDequeueCount,
    secretsCacheTtlSeconds: options.secretsCacheTtlSeconds,
  });
  try {
    return await run(rig, options, log);
  } finally {
    await rig.stop();
  }
}

type FaultCounts = Omit<FaultRunResult['faults'], 'turns' | 'vaultConnectionsDropped'>;

/** Twilio's misbehaviour, request by request: the scripted refusals first, then the seeded random faults. */
function injectTwilioFaults(rig: OutboundRig, refusedRecipients: string[], options: FaultRunOptions, counts: FaultCounts): void {
  const refused = new Set(refusedRecipients);
  const pick = twilioFaultPicker({ seed: options.seed, rate: options.twilioFaultRate });
  rig.twilio.fault = ({ method, path, form }) => {
    if (!/\/(Messages|Calls)\.json(\?|$)/.test(path)) return undefined;
    const create = method === 'POST';
    // Twilio refuses these recipients whatever else happens, so no fault may make it create one.
    if (create && refused.has(form.get('To') ?? '')) {
      counts.twilioRefusals++;
      return REFUSAL;
    }
    const kind = pick({ create });
    if (!kind) return undefined;
    counts.twilio[kind]++;
    return proxyFault(kind);
  };
}

/** One turn's fault, while the wave's messages are being sent. */
async function strike(rig: OutboundRig, fault: TurnFault, options: FaultRunOptions, counts: FaultCounts): Promise<void> {
  if (fault === 'app-kill') {
    await rig.killHost();
    counts.appKills++;
    await rig.startHost();
  } else if (fault === 'azurite-restart') {
    await rig.restartAzurite(options.outageMs);
    counts.azuriteRestarts++;
  } else {
    // The running host holds credentials and serves them stale when a re-read fails; a host started during the
    // outage has none. Both happen: first the cache expires, then the host is replaced.
    rigVault(rig).vault.mode = 'drop-connections';
    counts.vaultOutages++;
    await sleep(options.secretsCacheTtlSeconds * 1000 + 500);
    await rig.killHost();
    counts.appKills++;
    await rig.startHost();
    await sleep(options.outageMs);
    rigVault(rig).vault.mode = 'up';
  }
}

/** Where every message ended up, read once nothing runs any more. */
async function auditRun(rig: OutboundRig, messages: PlannedMessage[], keys: Map<PlannedMessage, string>): Promise<Audit> {
  const textKeys = new Map(messages.map((m) => [m.text, keys.get(m)!]));
  const poison = new Map<string, number>();
  for (const text of await drainTexts(rig.poison)) {
    // A message the app put back on the queue (deferred, scheduled) has new text with its key made explicit.
    const key = textKeys.get(text) ?? readDelivery(text, undefined).key;
    poison.set(key, (poison.get(key) ?? 0) + 1);
  }
  const creates: AuditCreate[] = successfulCreates(rig).map((r) => ({
    key: statusCallbackKey(r.form),
    sid: (JSON.parse(r.responseBody) as { sid: string }).sid,
  }));
  return auditOutbound({
    messages: messages.map((m) => ({ key: keys.get(m)!, expect: m.expect })),
    rows: await ledgerRows(rig),
    poison,
    creates,
    lineIds: lineCorrelationIds(rig.output()),
  });
}

/**
 * Per key, the message's correlationId as each structured log line names it. An acceptance refused or failed took
 * no effect (the producer tries again), so its line, under its own id, names no message.
 */
export function lineCorrelationIds(output: string): Map<string, string[]> {
  const ids = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const at = line.indexOf('{"event":');
    if (at < 0) continue;
    const entry = JSON.parse(line.slice(at)) as Record<string, unknown>;
    if (typeof entry.key !== 'string') continue;
    if (entry.event === 'outbound-accept' && /^(refused|failed)/.test(String(entry.outcome))) continue;
    const id = entry.event === 'outbound-accept' ? (entry.messageCorrelationId ?? entry.correlationId) : entry.correlationId;
    if (typeof id === 'string') ids.set(entry.key, [...(ids.get(entry.key) ?? []), id]);
  }
  return ids;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

async function run(rig: OutboundRig, options: FaultRunOptions, log: (line: string) => void): Promise<FaultRunResult> {
  const workload = planWorkload({ count: options.messages, seed: options.seed, fromNumber: FROM_NUMBER, now: new Date() });
  const counts: FaultCounts = {
    twilio: Object.fromEntries(TWILIO_FAULT_KINDS.map((k) => [k, 0])) as Record<TwilioFaultKind, number>,
    twilioRefusals: 0,
    azuriteRestarts: 0,
    appKills: 0,
    vaultOutages: 0,
  };
  injectTwilioFaults(rig, workload.refused, options, counts);
  await optOut(rig, workload.optedOut);
  log(`  ${workload.optedOut.length} recipients opted out; ${options.messages} messages in ${options.turns.length} turns`);

  const started = Date.now();
  const producers: ProducerStats = { deliveries: 0, retries: 0, byProducer: {}, refusedByHttp: [] };
  const keys = new Map<PlannedMessage, string>();
  const turns: TurnRecord[] = [];
  const waveSize = Math.ceil(options.messages / options.turns.length);
  for (const [turn, fault] of options.turns.entries()) {
    const wave = workload.messages.slice(turn * waveSize, (turn + 1) * waveSize);
    const createsBefore = successfulCreates(rig).length;
    const producing = produceWave(rig, wave, { keys, stats: producers, spreadMs: options.waveMs });
    // Strike in the middle of the batch: once part of this wave has reached Twilio.
    const enough = Math.max(1, Math.floor(wave.filter((m) => m.expect === 'send').length / 4));
    const deadline = Date.now() + 8000;
    while (successfulCreates(rig).length - createsBefore < enough && Date.now() < deadline) await sleep(50);
    const struckAt = Date.now();
    await strike(rig, fault, options, counts);
    turns.push({ fault, atSeconds: seconds(struckAt - started), downSeconds: seconds(Date.now() - struckAt) });
    log(`  turn ${turn + 1}: ${fault} at ${turns.at(-1)!.atSeconds} s (${turns.at(-1)!.downSeconds} s)`);
    await producing;
  }

  const drainStarted = Date.now();
  const drained = await waitForDrain(rig, options.drainTimeoutMs);
  const drainSeconds = seconds(Date.now() - drainStarted);
  const runSeconds = seconds(Date.now() - started);
  log(`  ${drained ? 'drained' : 'NOT drained'} ${drainSeconds} s after the last turn`);
  // Freeze the state: no host, nothing changes any more.
  await rig.stopHost();
  if (options.hostLogFile) writeFileSync(options.hostLogFile, rig.output());
  const audit = await auditRun(rig, workload.messages, keys);

  const problems = auditProblems(audit);
  if (!drained) problems.push(`the queue did not drain within ${options.drainTimeoutMs / 1000} s of the last turn`);
  const leaked = leakedSecrets(rig.output());
  if (leaked.length) problems.push(`secrets in the host output: ${leaked.join(', ')}`);
  if (rig.unexpectedExits.length) problems.push(`the host exited on its own: ${rig.unexpectedExits.join('; ')}`);
  for (const refusal of producers.refusedByHttp) problems.push(`POST /api/outbound refused a valid message: ${refusal}`);
  const twilioRequests = rig.twilio.requests.filter((r) => /\/(Messages|Calls)\.json/.test(r.path));
  return {
    seed: options.seed,
    messages: options.messages,
    deliveries: producers.deliveries,
    producerRetries: producers.retries,
    byProducer: producers.byProducer,
    faults: { ...counts, vaultConnectionsDropped: rigVault(rig).vault.droppedConnections, turns },
    outcomes: audit.outcomes,
    lost: audit.lost,
    duplicated: audit.duplicated,
    audit,
    log: logFigures(rig.output()),
    twilioRequests: {
      creates: twilioRequests.filter((r) => r.method === 'POST').length,
      lookups: twilioRequests.filter((r) => r.method === 'GET').length,
    },
    seconds: { run: runSeconds, drain: drainSeconds },
    drained,
    problems,
  };
}

export interface LogFigures {
  /** The outbound function's outcome per delivery ({"event":"outbound",...,"outcome"}). */
  deliveries: Record<string, number>;
  /** Invocations the host recorded as failed (to be retried), by cause. */
  failedInvocations: Record<string, number>;
  /** A credentials re-read failed and the cached ones were used. */
  staleCredentialsServed: number;
  /** Renewals of the host's lease on a running message that failed (storage down): it may come back early. */
  queueLeaseRenewalsFailed: number;
  /** Messages the host could not delete or put back (storage down): they came back after the lease. */
  unsettled: number;
}

const OUTCOME_NAMES: Array<[RegExp, string]> = [
  [/^reconciled/, 'reconciled'],
  [/^rejected, row kept/, 'rejected (row kept)'],
];

/** The cause of a failed invocation without what varies from one to the next (ports, ids, counts). */
function failureCause(message: string): string {
  return message
    .replace(/https?:\/\/[^\s]+/g, '<url>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f-]{27}\b/g, '<id>')
    .replace(/\d+/g, 'N')
    .slice(0, 90);
}

export function logFigures(output: string): LogFigures {
  const figures: LogFigures = {
    deliveries: {},
    failedInvocations: {},
    staleCredentialsServed: 0,
    queueLeaseRenewalsFailed: 0,
    unsettled: 0,
  };
  const add = (tally: Record<string, number>, name: string) => (tally[name] = (tally[name] ?? 0) + 1);
  for (const line of output.split('\n')) {
    // The comma: not {"event":"outbound-accept"}, the accepting request's line.
    const json = line.indexOf('{"event":"outbound",');
    if (json >= 0) {
      const outcome = String((JSON.parse(line.slice(json)) as { outcome?: unknown }).outcome);
      add(figures.deliveries, OUTCOME_NAMES.find(([pattern]) => pattern.test(outcome))?.[1] ?? outcome);
      continue;
    }
    const failed = /^Executed 'outbound' \(Failed, [^)]*\): (.*)$/.exec(line);
    if (failed) add(figures.failedInvocations, failureCause(failed[1]));
    if (line.startsWith('[secrets] Re-reading the Twilio credentials failed')) figures.staleCredentialsServed++;
    if (/could not renew the lease on message/.test(line)) figures.queueLeaseRenewalsFailed++;
    if (/could not settle message/.test(line)) figures.unsettled++;
  }
  return figures;
}

/** Creates Twilio answered 201 to (the proxy records the answer even when it then drops the connection). */
function successfulCreates(rig: OutboundRig) {
  return rig.twilio.requests.filter((r) => r.method === 'POST' && /\/(Messages|Calls)\.json$/.test(r.path) && r.status === 201);
}

function statusCallbackKey(form: URLSearchParams): string | undefined {
  const callback = form.get('StatusCallback');
  return callback ? (new URL(callback).searchParams.get('key') ?? undefined) : undefined;
}

/**
 * Recipients reply STOP through the app's own SMS webhook, signed as Twilio would sign it, to the number the
 * workload sends from (opt-outs are scoped to the sender that received the STOP: see README, Opt-outs).
 */
async function optOut(rig: OutboundRig, numbers: string[]): Promise<void> {
  for (const from of numbers) {
    const params = { ...smsParams(), AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID, From: from, To: FROM_NUMBER, Body: 'STOP' };
    const signature = sign(SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN, `${WEBHOOK_BASE_URL}/api/sms`, params);
    await persist(`STOP from ${from}`, async () => {
      const response = await fetch(`${rig.host.baseUrl}/api/sms`, {
        method: 'POST',
        body: new URLSearchParams(params),
        headers: { 'x-twilio-signature': signature },
      });
      return response.status === 200;
    });
  }
}

interface ProducerStats {
  /** Queue messages written and POSTs accepted. */
  deliveries: number;
  /** Tries that failed because storage or the app was down, and were repeated. */
  retries: number;
  byProducer: Record<string, number>;
  /** A valid message POST /api/outbound refused: a bug, reported as a problem. */
  refusedByHttp: string[];
}

/** Enqueues a wave through each message's producer, spread over `spreadMs`, each producer retrying until it succeeds. */
async function produceWave(
  rig: OutboundRig,
  wave: PlannedMessage[],
  into: { keys: Map<PlannedMessage, string>; stats: ProducerStats; spreadMs: number },
): Promise<void> {
  const { keys, stats } = into;
  const deliver = async (message: PlannedMessage) => {
    let tries = 0;
    await persist(`enqueueing message ${message.index} (${message.producer})`, async () => {
      tries++;
      if (message.producer === 'http') {
        const response = await fetch(`${rig.host.baseUrl}/api/outbound`, {
          method: 'POST',
          body: message.text,
          headers: { 'content-type': 'application/json' },
        });
        // 400 invalid, 409 key reused for other content, 422 a setting missing: final answers (a valid message getting
        // one is a bug, reported); 503 and the rest are retried like any outage.
        const refused = [400, 409, 422].includes(response.status);
        if (refused) stats.refusedByHttp.push(`${message.key}: ${response.status} ${await response.text()}`);
        return response.status === 202 || refused;
      }
      const { messageId } = await rig.queue.sendMessage(message.text);
      // An undecodable message has no key of its own: the queue message id is its key.
      if (!keys.has(message)) keys.set(message, message.key ?? messageId);
      return true;
    });
    if (!keys.has(message)) keys.set(message, message.key!);
    stats.deliveries++;
    stats.retries += tries - 1;
    stats.byProducer[message.producer] = (stats.byProducer[message.producer] ?? 0) + 1;
  };
  // A retried producer's second copy comes later in the wave.
  const deliveries = [...wave, ...wave.filter((m) => m.duplicate)];
  const spacing = into.spreadMs / deliveries.length;
  await Promise.all(
    deliveries.map(async (message, i) => {
      await sleep(i * spacing);
      await deliver(message);
    }),
  );
}

/**
 * Waits until nothing is left to be done, twice in a row: no visible message on the outbound queue, and no ledger row
 * still `accepted` or `sending` (a message waiting for its sendAt, or for its retry after a failure). The queue's own
 * count cannot tell: the delayed status re-checks of sent messages sit invisible on it for minutes.
 */
async function waitForDrain(rig: OutboundRig, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let emptyReads = 0;
  while (Date.now() < deadline) {
    try {
      const { peekedMessageItems } = await rig.queue.peekMessages({ numberOfMessages: 1 });
      const pending = [...(await ledgerRows(rig)).values()].some((r) => r.status === 'accepted' || r.status === 'sending');
      emptyReads = peekedMessageItems.length === 0 && !pending ? emptyReads + 1 : 0;
      if (emptyReads >= 2) return true;
    } catch {
      emptyReads = 0;
    }
    await sleep(1000);
  }
  return false;
}

const row = (label: string, value: string | number) => `  ${label.padEnd(26)} ${value}`;
const tally = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');

/** The phase's lines in the soak's table. */
export function faultTable(result: FaultRunResult): string[] {
  const { faults, audit } = result;
  const duringOutage = faults.vaultOutages;
  return [
    row('messages', `${result.messages} (${result.deliveries} deliveries with duplicates; ${result.producerRetries} producer retries)`),
    row('producers', tally(result.byProducer)),
    row('Twilio faults', `${tally(faults.twilio)}; refusals (21211) ${faults.twilioRefusals}`),
    row('Azurite restarts', faults.azuriteRestarts),
    row('host kills (SIGKILL)', `${faults.appKills} (${duringOutage} during a Key Vault outage)`),
    row('Key Vault outages', `${faults.vaultOutages} (${faults.vaultConnectionsDropped} connections dropped)`),
    row('Twilio requests', `${result.twilioRequests.creates} creates, ${result.twilioRequests.lookups} lookups`),
    row('outcomes', tally(result.outcomes)),
    row('lost', result.lost),
    row('duplicated', result.duplicated),
    row('reconciled', `${audit.reconciled} (found on Twilio after a lost answer, not sent again)`),
    row('poisoned, Twilio had it', audit.poisonedAfterTwilioCreated),
    row('deliveries by outcome', tally(result.log.deliveries)),
    row('failed invocations', tally(result.log.failedInvocations)),
    row('stale credentials served', `${result.log.staleCredentialsServed} (a re-read failed during a Key Vault outage)`),
    row('time', `${result.seconds.run} s (drained ${result.seconds.drain} s after the last fault)`),
    ...audit.examples.slice(0, 5).map((e) => row(`  ${e.key}`, e.detail)),
  ];
}

// The outbound fault soak: a few hundred outbound messages from every producer, while Twilio answers 429/500/503,
// times out, resets connections or resets after doing the work, and, one per turn, Azurite is stopped and
// restarted, the host is killed (SIGKILL) and restarted, or Key Vault cannot be reached. Then, once the queue
// has drained, every message is looked for in the ledger, the poison queue and Twilio's record (faultAudit.ts).
// The rest of the outbound surface runs in the same waves (./surfaceFaults.ts: cancels, batches, voicemail recordings,
// long schedules, status re-checks) and is audited with the events queue. `npm run soak` runs it as a phase
// (bench/soak.ts); test/reliability/outboundFaults.test.ts runs it CI-sized.
import { auditAmd, startCallbackStorm, type AmdAudit, type CallbackFigures } from './callbackFaults';
import { writeFileSync } from 'node:fs';
import { OUTBOUND_EVENT_STATUSES } from '../../shared/events/cloudEvent';
import { readDelivery } from '../../shared/outbound/envelope';
import { MAX_STATUS_CHECKS } from '../../shared/outbound/statusCheck';
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
import {
  auditActivity,
  auditBatches,
  auditCancels,
  auditEvents,
  auditOutbound,
  auditProblems,
  auditRechecks,
  auditRecordings,
  auditSchedules,
  type ActivityAudit,
  type Audit,
  type AuditCreate,
  type AuditMessage,
  type BatchesAudit,
  type CancelsAudit,
  type EventsAudit,
  type RechecksAudit,
  type RecordingsAudit,
  type SchedulesAudit,
} from './faultAudit';
import {
  fetchedStatus,
  planSurface,
  planWorkload,
  twilioFaultPicker,
  TWILIO_FAULT_KINDS,
  type PlannedMessage,
  type SurfacePlan,
  type TurnFault,
  type TwilioFaultKind,
} from './faultPlan';
import {
  checkEntries,
  hopsPerKey,
  killBetweenCopyAndEnqueue,
  newSurfaceRecords,
  openedLinks,
  persist,
  produceBatches,
  produceCancels,
  produceRecordings,
  produceSchedules,
  readSurface,
  serveRecordings,
  sleep,
  surfaceEnv,
  type SurfaceRecords,
} from './surfaceFaults';
import { sign, smsParams } from '../twilioRequests';
import {
  auditCalls,
  auditStreams,
  callMessages,
  newCallsAndStreamsRecords,
  planCallsAndStreams,
  produceCalls,
  produceStreams,
  startAssistantModel,
  type CallsAndStreamsRecords,
  type CallsAudit,
  type StreamsAudit,
} from './callsAndStreamsFaults';

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
  /** OUTBOUND_TEST_QUEUE_HOP_SECONDS: the queue's 7-day hop, shortened so that long schedules hop during the run. */
  hopSeconds: number;
  /** OUTBOUND_RECONCILE_AFTER_SECONDS: sent rows (no callbacks here) have their status re-checked this soon. */
  reconcileAfterSeconds: number;
  /** OUTBOUND_POISON_SWEEP_SCHEDULE: a host kill can poison a message unrun; the sweep marks its row within the drain. */
  poisonSweepSchedule: string;
  /** The longest schedule: due this long after the run starts, across the turns' faults. */
  longestScheduleMs: number;
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
    /** Host kills between a recording's copy and its notification's enqueue (counted in appKills too). */
    killsMidRecording: number;
    turns: TurnRecord[];
  };
  outcomes: Record<string, number>;
  lost: number;
  duplicated: number;
  audit: Audit;
  /** The rest of the surface, under the same faults. */
  surface: {
    events: EventsAudit;
    cancels: CancelsAudit;
    batches: BatchesAudit;
    recordings: RecordingsAudit;
    activity: ActivityAudit;
    rechecks: RechecksAudit;
    schedules: SchedulesAudit;
    /** Calls answered by the assistant: its message and text sent once, one activity row per call. */
    calls: CallsAudit;
    /** Event Streams batches to /api/event-streams: each event on the events queue once. */
    streams: StreamsAudit;
    /** AMD results posted with the status callbacks: each row ends with its result, a machine gets machineSay once. */
    amd: AmdAudit;
  };
  /** Twilio requests the proxy saw, by kind. */
  twilioRequests: { creates: number; lookups: number; statusFetches: number };
  /** What the app's and the host's log lines say happened. */
  log: LogFigures;
  seconds: { run: number; drain: number };
  /** Status and AMD callbacks posted during the turns (harness/soak/callbackFaults.ts). */
  callbacks: CallbackFigures;
  drained: boolean;
  problems: string[];
}

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
  hopSeconds: 4,
  reconcileAfterSeconds: 1,
  poisonSweepSchedule: '*/2 * * * * *',
  longestScheduleMs: 90_000,
};

export async function runOutboundFaults(options: FaultRunOptions): Promise<FaultRunResult> {
  const log = options.log ?? (() => undefined);
  const assistant = await startAssistantModel();
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
    hostEnv: { ...surfaceEnv(options), OUTBOUND_POISON_SWEEP_SCHEDULE: options.poisonSweepSchedule, ...assistant.env },
  }).catch(async (error: unknown) => {
    await assistant.model.stop();
    throw error;
  });
  try {
    return await run(rig, options, log);
  } finally {
    await rig.stop();
    await assistant.model.stop();
  }
}

type FaultCounts = Omit<FaultRunResult['faults'], 'turns' | 'vaultConnectionsDropped'>;

const CREATE_OR_LOOKUP = /\/(Messages|Calls)\.json(\?|$)/;
const STATUS_FETCH = /\/(Messages|Calls)\/((?:SM|CA)[0-9a-f]{32})\.json(\?|$)/;

/** Twilio's misbehaviour, request by request: the scripted refusals first, then the seeded random faults. */
function injectTwilioFaults(rig: OutboundRig, refusedRecipients: string[], options: FaultRunOptions, counts: FaultCounts): void {
  const refused = new Set(refusedRecipients);
  const pick = twilioFaultPicker({ seed: options.seed, rate: options.twilioFaultRate });
  rig.twilio.fault = ({ method, path, form }) => {
    const fetched = method === 'GET' ? STATUS_FETCH.exec(path) : null;
    if (fetched) {
      // What the carrier reported, as a status re-check finds it: decided per SID from the seed.
      const [, resource, sid] = fetched;
      const status = fetchedStatus(options.seed, sid, resource === 'Messages' ? 'sms' : 'call');
      if (status) rig.twilio.statusOf.set(sid, status);
    } else if (!CREATE_OR_LOOKUP.test(path)) return undefined;
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

/** The surface's keys, as messages of the main audit: each must be sent once (or canceled, for the cancels). */
function surfaceMessages(surface: SurfaceRecords): AuditMessage[] {
  return [
    ...surface.cancels.map((c) => ({ key: c.key, expect: 'send-or-cancel' as const })),
    ...surface.batches.flatMap((b) => b.recipientKeys.map((key) => ({ key, expect: 'send' as const }))),
    ...surface.recordings.map((r) => ({ key: r.notificationKey, expect: 'send' as const })),
    ...surface.schedules.map((s) => ({ key: s.key, expect: 'send' as const })),
  ];
}

/** Creates Twilio answered 201 to, with their key, SID, time and body. */
function auditCreates(rig: OutboundRig): AuditCreate[] {
  return successfulCreates(rig).map((r) => ({
    key: statusCallbackKey(r.form),
    sid: (JSON.parse(r.responseBody) as { sid: string }).sid,
    at: r.at,
    body: r.form.get('Body') ?? undefined,
  }));
}

/** Where every message ended up, read once nothing runs any more. */
async function auditRun(
  rig: OutboundRig,
  messages: PlannedMessage[],
  keys: Map<PlannedMessage, string>,
  surface: SurfaceRecords,
  opened: Set<string>,
  options: FaultRunOptions,
  callsAndStreams: CallsAndStreamsRecords,
  callbacks: CallbackFigures,
): Promise<{ audit: Audit; surface: FaultRunResult['surface'] }> {
  const textKeys = new Map(messages.map((m) => [m.text, keys.get(m)!]));
  const poison = new Map<string, number>();
  for (const text of await drainTexts(rig.poison)) {
    // A message the app put back on the queue (deferred, scheduled) has new text with its key made explicit.
    const key = textKeys.get(text) ?? readDelivery(text, undefined).key;
    poison.set(key, (poison.get(key) ?? 0) + 1);
  }
  const creates = auditCreates(rig);
  const rows = await ledgerRows(rig);
  const audit = auditOutbound({
    messages: [
      ...messages.map((m) => ({ key: keys.get(m)!, expect: m.expect })),
      ...surfaceMessages(surface),
      ...callMessages(callsAndStreams, rows),
    ],
    rows,
    poison,
    creates,
    lineIds: lineCorrelationIds(rig.output()),
  });
  const { events, copies, activity } = await readSurface(rig);
  const output = rig.output();
  return {
    audit,
    surface: {
      events: auditEvents({ rows, events, eventStatuses: OUTBOUND_EVENT_STATUSES }),
      cancels: auditCancels({ cancels: surface.cancels, rows, creates }),
      batches: auditBatches({ batches: surface.batches, rows, creates }),
      recordings: auditRecordings({ recordings: surface.recordings, copies, creates, opened, rows }),
      activity: auditActivity({ recordings: surface.recordings, rows: activity }),
      rechecks: auditRechecks({
        rows,
        checks: checkEntries(output),
        twilioStatus: (sid, kind) => fetchedStatus(options.seed, sid, kind),
        maxChecks: MAX_STATUS_CHECKS,
        maxChains: options.maxDequeueCount,
      }),
      schedules: auditSchedules({ schedules: surface.schedules, rows, creates, hops: hopsPerKey(output), slackMs: 1000 }),
      calls: auditCalls({ calls: callsAndStreams.calls, creates, rows, activity }),
      streams: auditStreams({ streams: callsAndStreams.streams, events, hostOutput: rig.output() }),
      amd: auditAmd({ given: callbacks.amdResults, rows, callUpdates: callUpdates(rig) }),
    },
  };
}

/** Call updates (the app switching a live call to other TwiML) Twilio received, per call SID. */
function callUpdates(rig: OutboundRig): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rig.twilio.requests) {
    const sid = r.method === 'POST' && r.status < 300 ? /\/Calls\/(CA[0-9a-f]{32})\.json$/.exec(r.path)?.[1] : undefined;
    if (sid) counts.set(sid, (counts.get(sid) ?? 0) + 1);
  }
  return counts;
}

/** What makes the surface's part of the phase fail. */
function surfaceProblems(surface: FaultRunResult['surface']): string[] {
  const problems: string[] = [];
  const check = (count: number, what: string) => {
    if (count > 0) problems.push(`${count} ${what}`);
  };
  check(surface.events.lost, 'status changes without their twilio.outbound.status event');
  check(surface.events.duplicated, 'status changes published under more than one event id');
  check(surface.events.orphans, 'keys with events and no ledger row');
  check(surface.cancels.violations, 'cancels with other than exactly one outcome');
  check(surface.batches.violations, 'batch recipients not sent exactly once (or a batch not answered in full)');
  check(surface.recordings.violations, 'recordings not copied and texted exactly once with a link that opens');
  check(surface.activity.missing, 'inbound events answered 200 without their activity row');
  check(surface.activity.duplicated, 'inbound events with more than one activity row');
  check(surface.rechecks.violations, 'sent rows whose status re-checks did not converge or were not bounded');
  check(surface.schedules.violations, 'long schedules not sent exactly once on time');
  check(surface.calls.lost, 'assistant messages or texts the caller was told about that never reached Twilio');
  check(surface.calls.duplicated, 'assistant messages or texts sent more than once for one call');
  check(surface.calls.activityMissing + surface.calls.activityDuplicated, 'calls answered 200 without exactly one activity row');
  check(surface.streams.lost, 'Event Streams events answered 200 and not on the events queue');
  check(surface.streams.duplicated, 'Event Streams events on the events queue more than once, not from a kill or a dropped send');
  check(surface.amd.calls - surface.amd.recorded, 'AMD results posted that the ledger row does not end with');
  check(surface.amd.switchMissing, 'machines at their beep on a machineSay call never given the message');
  check(surface.amd.switchedTwice, 'calls switched to the message for machines more than once, or without a machine');
  for (const part of Object.values(surface)) for (const e of part.examples.slice(0, 3)) problems.push(`  ${e.key}: ${e.detail}`);
  return problems;
}

/**
 * Per key, the message's correlationId as each structured log line names it. An acceptance refused or failed took
 * no effect (the producer tries again), so its line, under its own id, names no message. Two more cases are the
 * design (docs/outbound.md, One id through the path), not a split path:
 * - a second producer of the key (a retried recording job, a message queued twice) logs its own work under its own
 *   id, and the send path names that id as `producerCorrelationId` when it meets it: its lines count as the id
 *   that recognised it;
 * - an acceptance that ended rejected leaves the key free for a new one, which takes its own id: the rejected
 *   acceptance's lines, all before the next id appears and none after, are a finished path of their own.
 */
export function lineCorrelationIds(output: string): Map<string, string[]> {
  const lines = new Map<string, Array<{ id: string; outcome: string; producer?: string }>>();
  for (const line of output.split('\n')) {
    const at = line.indexOf('{"event":');
    if (at < 0) continue;
    const entry = JSON.parse(line.slice(at)) as Record<string, unknown>;
    if (typeof entry.key !== 'string') continue;
    if (entry.event === 'outbound-accept' && (entry.outcome === 'refused' || entry.outcome === 'failed')) continue;
    const id = entry.event === 'outbound-accept' ? (entry.messageCorrelationId ?? entry.correlationId) : entry.correlationId;
    if (typeof id !== 'string') continue;
    const producer = typeof entry.producerCorrelationId === 'string' ? entry.producerCorrelationId : undefined;
    lines.set(entry.key, [...(lines.get(entry.key) ?? []), { id, outcome: String(entry.outcome ?? ''), producer }]);
  }
  const ids = new Map<string, string[]>();
  for (const [key, entries] of lines) {
    const recognisedBy = new Map(entries.filter((e) => e.producer).map((e) => [e.producer!, e.id]));
    const resolved = entries.map((e) => ({ ...e, id: recognisedBy.get(e.id) ?? e.id }));
    const finished = new Set<string>();
    resolved.forEach((e, i) => {
      const later = resolved.slice(i + 1);
      if (/^rejected/.test(e.outcome) && later.length && later.every((l) => l.id !== e.id)) finished.add(e.id);
    });
    ids.set(
      key,
      resolved.filter((e) => !finished.has(e.id)).map((e) => e.id),
    );
  }
  return ids;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** The share of a list for wave `turn` of `turns`. */
const slice = <T>(items: T[], turn: number, turns: number) => {
  const size = Math.ceil(items.length / turns);
  return items.slice(turn * size, (turn + 1) * size);
};

async function run(rig: OutboundRig, options: FaultRunOptions, log: (line: string) => void): Promise<FaultRunResult> {
  const workload = planWorkload({ count: options.messages, seed: options.seed, fromNumber: FROM_NUMBER, now: new Date() });
  const plan: SurfacePlan = planSurface({ count: options.messages, seed: options.seed, longestScheduleMs: options.longestScheduleMs });
  const callsAndStreamsPlan = planCallsAndStreams({ count: options.messages, seed: options.seed });
  const callsAndStreams = newCallsAndStreamsRecords();
  const counts: FaultCounts = {
    twilio: Object.fromEntries(TWILIO_FAULT_KINDS.map((k) => [k, 0])) as Record<TwilioFaultKind, number>,
    twilioRefusals: 0,
    azuriteRestarts: 0,
    appKills: 0,
    vaultOutages: 0,
    killsMidRecording: 0,
  };
  injectTwilioFaults(rig, workload.refused, options, counts);
  const recordings = serveRecordings(rig);
  await optOut(rig, workload.optedOut);
  log(`  ${workload.optedOut.length} recipients opted out; ${options.messages} messages in ${options.turns.length} turns`);
  log(
    `  and ${plan.cancels.length} cancels, ${plan.batches.length} batches, ${plan.recordings.length} recordings, ${plan.longSchedules.length} long schedules`,
  );
  log(`  and ${callsAndStreamsPlan.calls.length} calls to the assistant, ${callsAndStreamsPlan.streams.length} Event Streams batches`);

  const started = Date.now();
  const producers: ProducerStats = { deliveries: 0, retries: 0, byProducer: {}, refusedByHttp: [] };
  const keys = new Map<PlannedMessage, string>();
  const surface = newSurfaceRecords();
  // The long schedules first, so that their hops span every turn's fault.
  const scheduling = produceSchedules(rig, plan.longSchedules, surface, started);
  // The first recording is kept for the kill between its copy and its notification, after the turns.
  const [killed, ...waved] = plan.recordings;
  const callbacks = startCallbackStorm(rig, options.seed, () => successfulCreates(rig));
  const turns: TurnRecord[] = [];
  const waveSize = Math.ceil(options.messages / options.turns.length);
  for (const [turn, fault] of options.turns.entries()) {
    const wave = workload.messages.slice(turn * waveSize, (turn + 1) * waveSize);
    const createsBefore = successfulCreates(rig).length;
    const count = options.turns.length;
    const producing = Promise.all([
      produceWave(rig, wave, { keys, stats: producers, spreadMs: options.waveMs }),
      produceCancels(rig, slice(plan.cancels, turn, count), surface),
      produceBatches(rig, slice(plan.batches, turn, count), surface),
      produceRecordings(rig, slice(waved, turn, count), surface),
      produceCalls(rig, slice(callsAndStreamsPlan.calls, turn, count), callsAndStreams),
      produceStreams(rig, slice(callsAndStreamsPlan.streams, turn, count), callsAndStreams),
    ]);
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
  await scheduling;
  const callbackFigures = await callbacks.stop();
  log(`  status and AMD callbacks: ${callbackLine(callbackFigures)}`);
  if (await killBetweenCopyAndEnqueue(rig, killed, recordings, surface)) counts.killsMidRecording++;
  counts.appKills++;
  log(
    `  host killed between a recording's copy and its notification: ${counts.killsMidRecording ? 'yes' : 'NO (the step was not reached)'}`,
  );

  const drainStarted = Date.now();
  const drained = await waitForDrain(rig, options.drainTimeoutMs, surface, log);
  const drainSeconds = seconds(Date.now() - drainStarted);
  const runSeconds = seconds(Date.now() - started);
  log(`  ${drained ? 'drained' : 'NOT drained'} ${drainSeconds} s after the last turn`);
  // The links the notifications carry, opened as the person texted would (the host is still up for it).
  const bodies = new Map(
    surface.recordings.map((r) => [r.sid, auditCreates(rig).find((c) => c.key === r.notificationKey)?.body ?? ''] as const),
  );
  const opened = await openedLinks(rig, bodies);
  // Freeze the state: no host, nothing changes any more.
  await rig.stopHost();
  if (options.hostLogFile) writeFileSync(options.hostLogFile, rig.output());
  const { audit, surface: surfaceAudit } = await auditRun(
    rig,
    workload.messages,
    keys,
    surface,
    opened,
    options,
    callsAndStreams,
    callbackFigures,
  );

  const problems = [...auditProblems(audit), ...surfaceProblems(surfaceAudit)];
  if (!drained) problems.push(`the queue did not drain within ${options.drainTimeoutMs / 1000} s of the last turn`);
  if (!counts.killsMidRecording) problems.push("the host was never killed between a recording's copy and its notification");
  const leaked = leakedSecrets(rig.output());
  if (leaked.length) problems.push(`secrets in the host output: ${leaked.join(', ')}`);
  if (rig.unexpectedExits.length) problems.push(`the host exited on its own: ${rig.unexpectedExits.join('; ')}`);
  for (const refusal of producers.refusedByHttp) problems.push(`POST /api/outbound refused a valid message: ${refusal}`);
  const twilioRequests = rig.twilio.requests.filter((r) => CREATE_OR_LOOKUP.test(r.path));
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
    surface: surfaceAudit,
    log: logFigures(rig.output()),
    twilioRequests: {
      creates: twilioRequests.filter((r) => r.method === 'POST').length,
      lookups: twilioRequests.filter((r) => r.method === 'GET').length,
      statusFetches: rig.twilio.requests.filter((r) => r.method === 'GET' && STATUS_FETCH.test(r.path)).length,
    },
    seconds: { run: runSeconds, drain: drainSeconds },
    callbacks: callbackFigures,
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
  [/^rejected-row-kept$/, 'rejected (row kept)'],
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
 * workload sends from (opt-outs are scoped to the sender that received the STOP: see docs/outbound.md, Opt-outs).
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

/** What is still to be done, or undefined when nothing is: read from the queues and the ledger. */
async function pendingWork(rig: OutboundRig, surface: SurfaceRecords): Promise<string | undefined> {
  const { peekedMessageItems } = await rig.queue.peekMessages({ numberOfMessages: 1 });
  if (peekedMessageItems.length) return 'messages visible on the outbound queue';
  const rows = await ledgerRows(rig);
  const waiting = [...rows.values()].filter((r) => r.status === 'accepted' || r.status === 'sending');
  if (waiting.length) return `${waiting.length} rows accepted or sending`;
  const checking = [...rows.values()].filter((r) => r.status === 'sent' && r.statusChecks !== MAX_STATUS_CHECKS);
  if (checking.length) return `${checking.length} sent rows whose status checks are not over`;
  const outbox = [...rows.values()].filter((r) => Array.isArray(r.pendingEvents) && r.pendingEvents.length > 0);
  if (outbox.length) return `${outbox.length} rows with events in their outbox`;
  const unnotified = surface.recordings.filter((r) => !rows.has(r.notificationKey));
  if (unnotified.length) return `${unnotified.length} recordings not yet notified`;
  return undefined;
}

/**
 * Waits until nothing is left to be done, twice in a row (see pendingWork): no visible message on the outbound queue,
 * no ledger row still `accepted` or `sending` (a message waiting for its sendAt, or for its retry after a failure), no
 * sent row still being re-checked, no event left in an outbox, every recording notified. The queue's own count cannot
 * tell: the delayed status re-checks sit invisible on it.
 */
async function waitForDrain(
  rig: OutboundRig,
  timeoutMs: number,
  surface: SurfaceRecords,
  log: (line: string) => void = () => undefined,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let emptyReads = 0;
  let last: string | undefined;
  while (Date.now() < deadline) {
    try {
      last = await pendingWork(rig, surface);
      emptyReads = last === undefined ? emptyReads + 1 : 0;
      if (emptyReads >= 2) return true;
    } catch {
      emptyReads = 0;
    }
    await sleep(1000);
  }
  log(`  still pending: ${last ?? 'storage unreachable'}`);
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
    ...surfaceTable(result),
    row('time', `${result.seconds.run} s (drained ${result.seconds.drain} s after the last fault)`),
    ...audit.examples.slice(0, 5).map((e) => row(`  ${e.key}`, e.detail)),
  ];
}

function surfaceTable(result: FaultRunResult): string[] {
  const { events, cancels, batches, recordings, activity, rechecks, schedules, calls, streams, amd } = result.surface;
  return [
    row(
      'events',
      `${events.changes} status changes, ${events.published} published (${events.redeliveredCopies} redelivered copies, same id)`,
    ),
    row('events lost', events.lost),
    row('events duplicated', `${events.duplicated} (changes under more than one id)`),
    row('cancels', `${cancels.cancels}: ${cancels.canceled} canceled, ${cancels.refused} refused (sent); ${cancels.violations} wrong`),
    row(
      'batches',
      `${batches.batches} (${batches.posts} POSTs answered): ${batches.sentOnce}/${batches.recipients} recipients sent once, ${batches.poisoned} poisoned`,
    ),
    row(
      'recordings',
      `${recordings.recordings}: ${recordings.copied} copied, ${recordings.notifiedOnce} texted once, ${recordings.linksOpened} links opened, ` +
        `${recordings.notificationsUnsent} notifications poisoned or refused, ${recordings.survivedKill} killed between copy and enqueue`,
    ),
    row(
      'inbound activity',
      `${activity.answered} voicemail events answered 200: ${activity.recordedOnce} with one row, ${activity.missing} without, ${activity.duplicated} with more`,
    ),
    row(
      'status re-checks',
      `${rechecks.rows} rows, ${rechecks.checks} checks (at most ${rechecks.maxChecksPerRow} for one): ${rechecks.final} final, ` +
        `${rechecks.checksEnded} ended without one; ${rechecks.violations} wrong`,
    ),
    row(
      'long schedules',
      `${schedules.schedules}: ${schedules.sentOnTime} sent once on time, ${schedules.hops} hops (fewest ${schedules.fewestHops})`,
    ),
    row('Twilio status fetches', result.twilioRequests.statusFetches),
    row('status and AMD callbacks', callbackLine(result.callbacks)),
    row(
      'AMD results',
      `${amd.calls} calls: ${amd.recorded} rows end with theirs; machines at the beep ${amd.machineMessages}: ` +
        `${amd.switchedOnce} given the message once, ${amd.switchMissing} never, ${amd.switchedTwice} switched twice`,
    ),
    row(
      'assistant calls',
      `${calls.calls}: messages ${calls.messagesSentOnce}/${calls.messagesConfirmed} sent once, texts ${calls.textsSentOnce}/${calls.textsConfirmed}; ` +
        `lost ${calls.lost}, duplicated ${calls.duplicated}; activity rows ${calls.activityOnce} once, ${calls.activityMissing} missing, ${calls.activityDuplicated} twice`,
    ),
    row(
      'Event Streams',
      `${streams.batches} batches, ${streams.events} events (${streams.accepted} POSTs answered 200, ${streams.retried} retried): ` +
        `${streams.publishedOnce} published once, lost ${streams.lost}, duplicated ${streams.duplicated}; ` +
        `${streams.duplicatedUnknowable} published again where the sink could not know the first publish landed ` +
        `(host killed mid-publish, queue send dropped) (${streams.copies} extra copies in all)`,
    ),
  ];
}

function callbackLine(c: CallbackFigures): string {
  const orders = Object.entries(c.sids)
    .map(([order, n]) => `${n} ${order}`)
    .join(', ');
  return `${orders} (SIDs); ${c.posted} posted (${c.retried} retried after a refusal), ${c.amd} AMD results`;
}

/** The phase's row in the table of docs/reliability.md (Faults in the outbound path). */
export function faultMarkdownRow(result: FaultRunResult): string {
  const { faults, surface } = result;
  const cells = [
    result.seed,
    result.messages,
    TWILIO_FAULT_KINDS.map((k) => faults.twilio[k]).join(' / '),
    faults.azuriteRestarts,
    `${faults.appKills} (${faults.killsMidRecording} mid-recording)`,
    faults.vaultOutages,
    `**${result.lost}**`,
    `**${result.duplicated}**`,
    `**${surface.events.lost}** of ${surface.events.changes}`,
    `**${surface.events.duplicated}**`,
    `${surface.recordings.notifiedOnce}/${surface.recordings.recordings}`,
    `${surface.cancels.canceled} + ${surface.cancels.refused} of ${surface.cancels.cancels}`,
    `${surface.batches.sentOnce}/${surface.batches.recipients} (${surface.batches.posts} POSTs)`,
    `${surface.rechecks.final} + ${surface.rechecks.checksEnded} of ${surface.rechecks.rows} (max ${surface.rechecks.maxChecksPerRow})`,
    `${surface.schedules.sentOnTime}/${surface.schedules.schedules} (${surface.schedules.hops} hops)`,
    `${result.seconds.run} s`,
  ];
  return `| ${cells.join(' | ')} |`;
}

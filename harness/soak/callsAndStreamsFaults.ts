// The fault phase's producers for the newer ways in, and their audits. Calls answered by the assistant: the greeting,
// a turn asking it to take a message, a turn asking for a text, each turn posted again when Twilio retries it and
// until it is answered while the app or storage is down; each call's message and text must reach Twilio at most
// once, and exactly once when the caller was told so, and each call gets one inbound activity row. Event Streams
// batches to /api/event-streams, redelivered as Twilio redelivers them and retried after a 503: every event ends
// on the events queue exactly once. They run in the waves of harness/soak/outboundFaults.ts, under its faults.
import { startChatCompletionsStandIn, type RunningStandIn } from '../../devhost/chatCompletionsStandIn';
import { streamDelivery, streamEvent } from '../eventStreamsBatch';
import { WEBHOOK_BASE_URL, type OutboundRig } from '../outboundRig';
import { assistantWithStandIn } from '../assistantStandIn';
import { SENTINEL_CREDENTIALS } from '../secrets';
import { twilioPost, voiceCallParams } from '../twilioRequests';
import type { AuditCreate, AuditMessage, AuditRow, KeyDetail } from './faultAudit';
import { seededRandom } from './faultPlan';
import { persist, sleep } from './surfaceFaults';

/** Where the assistant texts the messages it takes (VOICEMAIL_NOTIFY). */
const MESSAGES_TO = '+14155550189';

/** The chat-completions stand-in, and the settings that make the fault rig's calls answered by the assistant with it. */
export async function startAssistantModel(): Promise<{ model: RunningStandIn; env: Record<string, string> }> {
  const model = await startChatCompletionsStandIn();
  return {
    model,
    env: { ...assistantWithStandIn(model, 'soakassistant'), VOICEMAIL_NOTIFY: MESSAGES_TO },
  };
}

export interface PlannedCall {
  callSid: string;
  /**
   * Three calls in a row come from one number, and each is texted the same words: after a lost answer the send path's
   * lookup (by To, From and Body) finds the other calls' texts too and must take only its own.
   */
  caller: string;
  /** Twilio posts the message turn, and the text turn, a second time (its retry after a slow answer). */
  retryMessage: boolean;
  retryText: boolean;
}

export interface PlannedStreamBatch {
  events: Array<{ id: string }>;
  /** Event Streams delivers the batch again after it was answered 200. */
  redelivered: boolean;
}

export interface CallsAndStreamsPlan {
  calls: PlannedCall[];
  streams: PlannedStreamBatch[];
}

const CALLS_PER_CALLER = 3;

/** About one call per 25 messages and one batch (1-4 events) per 20, at least three of each; seeded. */
export function planCallsAndStreams(options: { count: number; seed: number }): CallsAndStreamsPlan {
  const random = seededRandom(options.seed ^ 0xca11);
  const calls = Array.from({ length: Math.max(3, Math.round(options.count / 25)) }, (_, i) => ({
    callSid: `CA${(options.seed >>> 0).toString(16).padStart(8, '0')}${String(i).padStart(24, '0')}`,
    caller: `+1415557${String(Math.floor(i / CALLS_PER_CALLER)).padStart(4, '0')}`,
    retryMessage: random() < 0.5,
    retryText: random() < 0.5,
  }));
  let n = (options.seed % 1000) * 100_000;
  const streams = Array.from({ length: Math.max(3, Math.round(options.count / 20)) }, () => ({
    events: Array.from({ length: 1 + Math.floor(random() * 4) }, () => streamEvent(n++)),
    redelivered: random() < 0.3,
  }));
  return { calls, streams };
}

export interface CallRecord {
  callSid: string;
  /** The greeting (the voice webhook) answered 200. */
  greeted: boolean;
  /** What the caller was told at the last answer of each turn: the message passed on, the text sent. */
  messageConfirmed: boolean;
  textConfirmed: boolean;
  /** Turn requests answered 200, Twilio's retries included. */
  turnPosts: number;
}

export interface StreamRecord {
  ids: string[];
  /** Requests answered 200 (a redelivery included) and the 503s before them. */
  accepted: number;
  retried: number;
  /** Requests the host took and never answered: killed while it handled them (not refused while it was down). */
  cutOff: number;
}

export interface CallsAndStreamsRecords {
  calls: CallRecord[];
  streams: StreamRecord[];
}

export const newCallsAndStreamsRecords = (): CallsAndStreamsRecords => ({ calls: [], streams: [] });

/** A webhook as Twilio posts it, retried until answered 200 (the app or storage may be down); the last answer's text. */
async function postUntilAnswered(rig: OutboundRig, path: string, params: Record<string, string>): Promise<string> {
  let text = '';
  await persist(`POST ${path}`, async () => {
    const response = await fetch(
      `${rig.host.baseUrl}${path}`,
      twilioPost(SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN, `${WEBHOOK_BASE_URL}${path}`, params),
    );
    text = await response.text();
    return response.status === 200;
  });
  return text;
}

/** Each call: the greeting, then the message turn and the text turn, each posted once or (Twilio retrying) twice. */
export async function produceCalls(rig: OutboundRig, calls: PlannedCall[], records: CallsAndStreamsRecords): Promise<void> {
  await Promise.all(
    calls.map(async (call) => {
      const params = (extra: Record<string, string>) =>
        voiceCallParams({
          AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID,
          CallSid: call.callSid,
          From: call.caller,
          Caller: call.caller,
          ...extra,
        });
      await postUntilAnswered(rig, '/api/voice', params({}));
      const turn = async (n: number, said: string, twice: boolean) => {
        let answer = '';
        for (let time = 0; time < (twice ? 2 : 1); time++) {
          answer = await postUntilAnswered(rig, `/api/assistant?turn=${n}`, params({ CallStatus: 'in-progress', SpeechResult: said }));
        }
        return answer;
      };
      const message = await turn(1, `Please take a message, my name is Ann. Call ${call.callSid} about the leak.`, call.retryMessage);
      const text = await turn(2, 'Can you text me your address?', call.retryText);
      records.calls.push({
        callSid: call.callSid,
        greeted: true,
        messageConfirmed: /passed on/.test(message),
        textConfirmed: /sent to the caller/.test(text),
        turnPosts: 2 + Number(call.retryMessage) + Number(call.retryText),
      });
    }),
  );
}

/** Each batch as Event Streams sends it, retried after anything but 200 (its 503s included), then redelivered or not. */
export async function produceStreams(rig: OutboundRig, batches: PlannedStreamBatch[], records: CallsAndStreamsRecords): Promise<void> {
  await Promise.all(
    batches.map(async (batch) => {
      const delivery = streamDelivery(SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN, `${WEBHOOK_BASE_URL}/api/event-streams`, batch.events);
      const record: StreamRecord = { ids: batch.events.map((e) => e.id), accepted: 0, retried: 0, cutOff: 0 };
      for (let time = 0; time < (batch.redelivered ? 2 : 1); time++) {
        if (time > 0) await sleep(500);
        // Twilio retries for four hours; a host killed mid-publish holds its events for the lease (90 s).
        await persist(
          `streaming ${record.ids.join(',')}`,
          async () => {
            const url = `${rig.host.baseUrl}${new URL(delivery.url).pathname}${new URL(delivery.url).search}`;
            const response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body }).catch((error: Error) => {
              if ((error.cause as { code?: string } | undefined)?.code !== 'ECONNREFUSED') record.cutOff++;
              throw error;
            });
            if (response.status === 200) record.accepted++;
            else record.retried++;
            return response.status === 200;
          },
          3,
        );
      }
      records.streams.push(record);
    }),
  );
}

export const assistantKeys = (callSid: string) => ({ message: `assistant-message-${callSid}`, text: `assistant-sms-${callSid}` });

/**
 * The calls' sends as messages of the main audit (each must be sent once): the ones the caller was told about and
 * any other that reached the ledger. A confirmed one that never did is then lost there too.
 */
export function callMessages(records: CallsAndStreamsRecords, rows: ReadonlyMap<string, AuditRow>): AuditMessage[] {
  return records.calls.flatMap((call) => {
    const keys = assistantKeys(call.callSid);
    return [
      ...(call.messageConfirmed || rows.has(keys.message) ? [{ key: keys.message, expect: 'send' as const }] : []),
      ...(call.textConfirmed || rows.has(keys.text) ? [{ key: keys.text, expect: 'send' as const }] : []),
    ];
  });
}

export interface CallsAudit {
  calls: number;
  /** Messages and texts the caller was told about, and of those the ones Twilio created exactly once. */
  messagesConfirmed: number;
  messagesSentOnce: number;
  textsConfirmed: number;
  textsSentOnce: number;
  /** Confirmed, never created, and the ledger does not say why (poisoned by the faults, refused by Twilio). */
  lost: number;
  /** A message or text created more than once for one call. */
  duplicated: number;
  /** Calls whose greeting answered 200, with exactly one activity row, none, more than one. */
  activityOnce: number;
  activityMissing: number;
  activityDuplicated: number;
  violations: number;
  examples: KeyDetail[];
}

const ACCOUNTED = new Set(['poisoned', 'failed']);

export function auditCalls(input: {
  calls: CallRecord[];
  creates: AuditCreate[];
  rows: ReadonlyMap<string, AuditRow>;
  activity: Array<{ kind: string; sid?: string }>;
}): CallsAudit {
  const audit: CallsAudit = {
    calls: input.calls.length,
    messagesConfirmed: 0,
    messagesSentOnce: 0,
    textsConfirmed: 0,
    textsSentOnce: 0,
    lost: 0,
    duplicated: 0,
    activityOnce: 0,
    activityMissing: 0,
    activityDuplicated: 0,
    violations: 0,
    examples: [],
  };
  const note = (key: string, detail: string) => {
    if (audit.examples.length < 20) audit.examples.push({ key, detail });
  };
  for (const call of input.calls) {
    const keys = assistantKeys(call.callSid);
    for (const [kind, key, confirmed] of [
      ['message', keys.message, call.messageConfirmed],
      ['text', keys.text, call.textConfirmed],
    ] as const) {
      const created = input.creates.filter((c) => c.key === key).length;
      const status = input.rows.get(key)?.status;
      if (confirmed) audit[kind === 'message' ? 'messagesConfirmed' : 'textsConfirmed']++;
      if (created === 1 && confirmed) audit[kind === 'message' ? 'messagesSentOnce' : 'textsSentOnce']++;
      if (created > 1) {
        audit.duplicated++;
        note(key, `${kind} created ${created} times`);
      } else if (confirmed && created === 0 && !ACCOUNTED.has(String(status))) {
        audit.lost++;
        note(key, `the caller was told the ${kind} was sent; no create at Twilio, ledger ${String(status ?? 'none')}`);
      }
    }
    if (!call.greeted) continue;
    const rows = input.activity.filter((r) => r.kind === 'call' && r.sid === call.callSid).length;
    if (rows === 1) audit.activityOnce++;
    else if (rows === 0) {
      audit.activityMissing++;
      note(call.callSid, 'its voice webhook answered 200 and no activity row exists');
    } else {
      audit.activityDuplicated++;
      note(call.callSid, `${rows} activity rows for one call`);
    }
  }
  audit.violations = audit.lost + audit.duplicated + audit.activityMissing + audit.activityDuplicated;
  return audit;
}

export interface StreamsAudit {
  batches: number;
  /** Requests answered 200 (redeliveries included) and retried after another answer. */
  accepted: number;
  retried: number;
  events: number;
  /** Events on the events queue: exactly once, or not at all (lost). */
  publishedOnce: number;
  lost: number;
  /** Events on the queue more than once (the sink publishes each id once), and the copies beyond the first. */
  duplicated: number;
  copies: number;
  /**
   * Events on the queue more than once where the sink could not know whether its first publish landed
   * (docs/event-streams.md, the remaining duplicates): the host was killed mid-publish (a request of the batch taken
   * and never answered, or a publish that outlived its answer and never logged how it ended), or a send to the events
   * queue failed on a dropped or refused connection while storage restarted (a dropped try may have landed, and the
   * storage SDK's second try or Twilio's retry sends it again). Counted apart from `duplicated`, not explained so.
   */
  duplicatedUnknowable: number;
  /** Of those, the ids whose copies differ: a consumer dropping copies by id would lose one of them. */
  differing: number;
  examples: KeyDetail[];
}

/**
 * The event ids whose publish may have landed unknown to the sink: publishes that outlived their answer and never
 * logged how they ended (the host died first), and events-queue sends that failed on a connection error.
 */
export function unknowableStreamIds(hostOutput: string): Set<string> {
  const lines = hostOutput
    .split('\n')
    .filter((line) => line.includes('{"event":"event-streams",'))
    .map(
      (line) =>
        JSON.parse(line.slice(line.indexOf('{"event":'))) as { correlationId?: string; outcome?: string; reason?: string; ids?: string[] },
    );
  const settled = new Set(
    lines
      .filter((l) => l.outcome?.endsWith(' after the deadline') && l.outcome !== 'publishing after the deadline')
      .map((l) => l.correlationId),
  );
  const unsettled = (l: (typeof lines)[number]) => l.outcome === 'publishing after the deadline' && !settled.has(l.correlationId);
  const droppedSend = (l: (typeof lines)[number]) =>
    /events queue: .*(ECONNREFUSED|ECONNRESET|socket hang up|other side closed)/.test(l.reason ?? '');
  return new Set(lines.filter((l) => unsettled(l) || droppedSend(l)).flatMap((l) => l.ids ?? []));
}

export function auditStreams(input: {
  streams: StreamRecord[];
  events: Array<{ id: string; type?: string; data?: unknown }>;
  /** Every line the host printed, across restarts. */
  hostOutput: string;
}): StreamsAudit {
  const unknowable = unknowableStreamIds(input.hostOutput);
  const copies = new Map<string, Set<string>>();
  const count = new Map<string, number>();
  for (const event of input.events) {
    count.set(event.id, (count.get(event.id) ?? 0) + 1);
    copies.set(event.id, (copies.get(event.id) ?? new Set()).add(JSON.stringify({ type: event.type, data: event.data })));
  }
  const audit: StreamsAudit = {
    batches: input.streams.length,
    accepted: 0,
    retried: 0,
    events: 0,
    publishedOnce: 0,
    lost: 0,
    duplicated: 0,
    copies: 0,
    duplicatedUnknowable: 0,
    differing: 0,
    examples: [],
  };
  for (const batch of input.streams) {
    audit.accepted += batch.accepted;
    audit.retried += batch.retried;
    const unknown = batch.cutOff > 0 || batch.ids.some((id) => unknowable.has(id));
    for (const id of batch.ids) {
      audit.events++;
      const onQueue = count.get(id) ?? 0;
      if (onQueue === 1) audit.publishedOnce++;
      if (onQueue === 0) audit.lost++;
      const differ = (copies.get(id)?.size ?? 0) > 1;
      if (onQueue > 1) {
        audit.copies += onQueue - 1;
        if (unknown && !differ) audit.duplicatedUnknowable++;
        else audit.duplicated++;
      }
      if (differ) audit.differing++;
      if ((onQueue === 0 || (onQueue > 1 && (differ || !unknown))) && audit.examples.length < 20)
        audit.examples.push({
          key: id,
          detail: onQueue === 0 ? 'not on the events queue' : `on the events queue ${onQueue} times${differ ? ', copies that differ' : ''}`,
        });
    }
  }
  return audit;
}

// Twilio's status and AMD callbacks in the fault phase: for about half the messages and calls Twilio created (and
// every call placed with machine detection), the callbacks a carrier would cause, posted signed to the statusCallback
// URL the app gave, while the turns' faults strike: in order, reordered (the final status first), replayed (each
// twice, then the whole sequence again) or dropped (none: the status re-check must find the status instead), chosen
// per SID from the seed. A callback refused (the host killed, storage down) is retried as Twilio would. Each reports
// the final status the re-checks report for that SID (faultPlan.ts fetchedStatus), so the re-check audit's "the row
// ends with Twilio's status" holds the ledger's convergence, and the events audit holds "each status change published
// once". A call placed with machine detection that is answered gets its AMD result after `in-progress`, in the same
// order, replay or drop as its status callbacks; auditAmd holds that the row ends with that result and that a machine
// gets the machineSay message once.
import { SENTINEL_CREDENTIALS } from '../secrets';
import { twilioPost } from '../twilioRequests';
import type { OutboundRig } from '../outboundRig';
import { fetchedStatus, seededRandom, sidRoll } from './faultPlan';
import { persist, sleep } from './surfaceFaults';

export type CallbackOrder = 'in order' | 'reordered' | 'replayed' | 'dropped';

export interface CallbackFigures {
  /** SIDs given callbacks, by order. */
  sids: Record<CallbackOrder, number>;
  /** Callbacks posted (each retry counted once) and how many were refused at first and retried. */
  posted: number;
  retried: number;
  /** AMD results posted (calls placed with machine detection), replays counted. */
  amd: number;
  /** Each call given an AMD result (not dropped): its key (from the callback URL), SID and AnsweredBy. */
  amdResults: AmdGiven[];
}

export interface AmdGiven {
  key: string;
  sid: string;
  answeredBy: string;
  /** DetectMessageEnd (machineSay) or Enable. */
  mode: string;
}

export interface Created {
  sid: string;
  kind: 'sms' | 'call';
  callback: string;
  /** AsyncAmdStatusCallback and MachineDetection, for a call placed with machine detection. */
  amdCallback?: string;
  amdMode?: string;
}

export type Callback = { status: string } | { answeredBy: string };

const ORDERS: CallbackOrder[] = ['in order', 'reordered', 'replayed', 'dropped'];

/** The statuses a carrier reports for this SID, ending with the one a re-check finds (none final: only the first). */
function statusesOf(seed: number, created: Created): string[] {
  const final = fetchedStatus(seed, created.sid, created.kind);
  if (created.kind === 'sms') return final ? ['sent', final] : ['sent'];
  if (final === 'completed') return ['ringing', 'in-progress', 'completed'];
  return final ? ['ringing', final] : ['ringing'];
}

/**
 * What answered a call placed with machine detection, per SID from the seed: for DetectMessageEnd (machineSay) mostly a
 * machine at its beep, the moment the app switches the call to the message for machines; for Enable a person or not.
 */
export function amdResultOf(seed: number, sid: string, mode: string): string {
  const roll = sidRoll(seed * 31 + 7, sid);
  if (mode === 'DetectMessageEnd') return roll < 0.7 ? 'machine_end_beep' : 'human';
  return roll < 0.6 ? 'human' : 'machine_start';
}

/** The callbacks a carrier causes for this SID, in order: an answered call with machine detection has its AMD result after in-progress. */
function callbacksOf(seed: number, created: Created): Callback[] {
  const callbacks: Callback[] = [];
  for (const status of statusesOf(seed, created)) {
    callbacks.push({ status });
    if (status === 'in-progress' && created.amdCallback)
      callbacks.push({ answeredBy: amdResultOf(seed, created.sid, created.amdMode ?? '') });
  }
  return callbacks;
}

/** What is posted for this SID in this order. */
export function callbackSequence(seed: number, created: Created, order: CallbackOrder): Callback[] {
  return sequence(order, callbacksOf(seed, created));
}

function sequence<T>(order: CallbackOrder, callbacks: T[]): T[] {
  if (order === 'dropped') return [];
  if (order === 'reordered') return [...callbacks].reverse();
  if (order === 'replayed') return [...callbacks.flatMap((c) => [c, c]), ...callbacks];
  return callbacks;
}

/** Starts watching Twilio's creates; stop() waits for every callback to be accepted and returns the figures. */
export function startCallbackStorm(
  rig: OutboundRig,
  seed: number,
  creates: () => Array<{ form: URLSearchParams; responseBody: string; path: string }>,
): { stop(): Promise<CallbackFigures> } {
  const figures: CallbackFigures = {
    sids: { 'in order': 0, reordered: 0, replayed: 0, dropped: 0 },
    posted: 0,
    retried: 0,
    amd: 0,
    amdResults: [],
  };
  const seen = new Set<string>();
  const sending: Array<Promise<void>> = [];
  const random = seededRandom(seed * 7919 + 13);
  let stopped = false;

  const post = async (url: string, params: Record<string, string>) => {
    const signedUrl = url.replace(/#.*$/, '');
    const { pathname, search } = new URL(signedUrl);
    let tries = 0;
    await persist(`status callback ${params.MessageSid ?? params.CallSid}`, async () => {
      tries++;
      const response = await fetch(
        `${rig.host.baseUrl}${pathname}${search}`,
        twilioPost(SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN, signedUrl, params),
      );
      await response.arrayBuffer();
      return response.status < 300;
    });
    figures.posted++;
    if (tries > 1) figures.retried++;
  };

  const deliver = async (created: Created, order: CallbackOrder) => {
    const account = { AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID };
    const callbacks = callbackSequence(seed, created, order);
    const amd = callbacks.find((c): c is { answeredBy: string } => 'answeredBy' in c);
    if (amd && created.amdCallback) {
      const key = new URL(created.amdCallback).searchParams.get('key') ?? '';
      figures.amdResults.push({ key, sid: created.sid, answeredBy: amd.answeredBy, mode: created.amdMode ?? '' });
    }
    for (const callback of callbacks) {
      if ('answeredBy' in callback) {
        await post(created.amdCallback!, {
          ...account,
          CallSid: created.sid,
          AnsweredBy: callback.answeredBy,
          MachineDetectionDuration: '1200',
        });
        figures.amd++;
      } else {
        const { status } = callback;
        const params =
          created.kind === 'sms'
            ? { ...account, MessageSid: created.sid, MessageStatus: status }
            : { ...account, CallSid: created.sid, CallStatus: status };
        await post(created.callback, params);
      }
      await sleep(random() * 300);
    }
  };

  const watch = (async () => {
    while (!stopped) {
      for (const request of creates()) {
        const sid = (JSON.parse(request.responseBody) as { sid?: string }).sid;
        const callback = request.form.get('StatusCallback');
        if (!sid || !callback || seen.has(sid)) continue;
        seen.add(sid);
        const amdCallback = request.form.get('AsyncAmdStatusCallback') ?? undefined;
        // Half the SIDs; every call placed with machine detection, so that AMD results are posted in every order.
        if (random() >= 0.5 && !amdCallback) continue;
        const order = ORDERS[Math.floor(random() * ORDERS.length)];
        figures.sids[order]++;
        const created: Created = {
          sid,
          kind: request.path.includes('/Calls') ? 'call' : 'sms',
          callback,
          amdCallback,
          amdMode: request.form.get('MachineDetection') ?? undefined,
        };
        sending.push(deliver(created, order));
      }
      await sleep(300);
    }
  })();

  return {
    async stop() {
      stopped = true;
      await watch;
      await Promise.all(sending);
      return figures;
    },
  };
}

export interface AmdAudit {
  /** Calls given an AMD result, and of those the ones whose ledger row ends with it. */
  calls: number;
  recorded: number;
  /** Results for a machine at its beep on a call with machineSay: the call switched once, never, more than once. */
  machineMessages: number;
  switchedOnce: number;
  switchMissing: number;
  switchedTwice: number;
  violations: number;
  examples: Array<{ key: string; detail: string }>;
}

/** Every AMD result given lands in its row, and a machine at its beep on a machineSay call gets the message once. */
export function auditAmd(input: {
  given: AmdGiven[];
  rows: ReadonlyMap<string, Record<string, unknown>>;
  /** Call updates (POST Calls/{sid}.json) Twilio received, by SID. */
  callUpdates: ReadonlyMap<string, number>;
}): AmdAudit {
  const audit: AmdAudit = {
    calls: input.given.length,
    recorded: 0,
    machineMessages: 0,
    switchedOnce: 0,
    switchMissing: 0,
    switchedTwice: 0,
    violations: 0,
    examples: [],
  };
  const note = (key: string, detail: string) => {
    if (audit.examples.length < 20) audit.examples.push({ key, detail });
  };
  for (const given of input.given) {
    const row = input.rows.get(given.key);
    if (row?.answeredBy === given.answeredBy) audit.recorded++;
    else note(given.key, `AMD ${given.answeredBy} for ${given.sid} posted; the row says ${String(row?.answeredBy ?? 'nothing')}`);
    const updates = input.callUpdates.get(given.sid) ?? 0;
    const machineMessage = given.mode === 'DetectMessageEnd' && given.answeredBy.startsWith('machine_end_');
    if (machineMessage) audit.machineMessages++;
    if (machineMessage && updates === 1) audit.switchedOnce++;
    else if (machineMessage && updates === 0) {
      audit.switchMissing++;
      note(given.key, `a machine at its beep on ${given.sid}: the call was never switched to the message for machines`);
    }
    if (updates > 1 || (!machineMessage && updates > 0)) {
      audit.switchedTwice++;
      note(given.key, `${given.sid} switched ${updates} times for ${given.answeredBy}`);
    }
  }
  audit.violations = audit.calls - audit.recorded + audit.switchMissing + audit.switchedTwice;
  return audit;
}

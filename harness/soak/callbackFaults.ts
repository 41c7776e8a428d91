// Twilio's status and AMD callbacks in the fault phase: for about half the messages and calls Twilio created, the
// callbacks a carrier would cause, posted signed to the statusCallback URL the app gave, while the turns' faults
// strike: in order, reordered (the final status first), replayed (each twice, then the whole sequence again) or
// dropped (none: the status re-check must find the status instead), chosen per SID from the seed. A callback refused
// (the host killed, storage down) is retried as Twilio would. Each reports the final status the re-checks report for
// that SID (faultPlan.ts fetchedStatus), so the re-check audit's "the row ends with Twilio's status" holds the
// ledger's convergence, and the events audit holds "each status change published once".
import { SENTINEL_CREDENTIALS } from '../secrets';
import { twilioPost } from '../twilioRequests';
import type { OutboundRig } from '../outboundRig';
import { fetchedStatus, seededRandom } from './faultPlan';
import { persist, sleep } from './surfaceFaults';

export type CallbackOrder = 'in order' | 'reordered' | 'replayed' | 'dropped';

export interface CallbackFigures {
  /** SIDs given callbacks, by order. */
  sids: Record<CallbackOrder, number>;
  /** Callbacks posted (each retry counted once) and how many were refused at first and retried. */
  posted: number;
  retried: number;
  /** AMD results posted (calls placed with machine detection). */
  amd: number;
}

interface Created {
  sid: string;
  kind: 'sms' | 'call';
  callback: string;
  /** AsyncAmdStatusCallback, for a call placed with machine detection. */
  amdCallback?: string;
}

const ORDERS: CallbackOrder[] = ['in order', 'reordered', 'replayed', 'dropped'];

/** The statuses a carrier reports for this SID, ending with the one a re-check finds (none final: only the first). */
function statusesOf(seed: number, created: Created): string[] {
  const final = fetchedStatus(seed, created.sid, created.kind);
  if (created.kind === 'sms') return final ? ['sent', final] : ['sent'];
  if (final === 'completed') return ['ringing', 'in-progress', 'completed'];
  return final ? ['ringing', final] : ['ringing'];
}

function sequence(order: CallbackOrder, statuses: string[]): string[] {
  if (order === 'dropped') return [];
  if (order === 'reordered') return [...statuses].reverse();
  if (order === 'replayed') return [...statuses.flatMap((s) => [s, s]), ...statuses];
  return statuses;
}

/** Starts watching Twilio's creates; stop() waits for every callback to be accepted and returns the figures. */
export function startCallbackStorm(
  rig: OutboundRig,
  seed: number,
  creates: () => Array<{ form: URLSearchParams; responseBody: string; path: string }>,
): { stop(): Promise<CallbackFigures> } {
  const figures: CallbackFigures = { sids: { 'in order': 0, reordered: 0, replayed: 0, dropped: 0 }, posted: 0, retried: 0, amd: 0 };
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
    for (const status of sequence(order, statusesOf(seed, created))) {
      const params =
        created.kind === 'sms'
          ? { ...account, MessageSid: created.sid, MessageStatus: status }
          : { ...account, CallSid: created.sid, CallStatus: status };
      await post(created.callback, params);
      await sleep(random() * 300);
    }
    if (created.amdCallback && order !== 'dropped') {
      await post(created.amdCallback, { ...account, CallSid: created.sid, AnsweredBy: 'human', MachineDetectionDuration: '1200' });
      figures.amd++;
    }
  };

  const watch = (async () => {
    while (!stopped) {
      for (const request of creates()) {
        const sid = (JSON.parse(request.responseBody) as { sid?: string }).sid;
        const callback = request.form.get('StatusCallback');
        if (!sid || !callback || seen.has(sid)) continue;
        seen.add(sid);
        if (random() >= 0.5) continue;
        const order = ORDERS[Math.floor(random() * ORDERS.length)];
        figures.sids[order]++;
        const created: Created = {
          sid,
          kind: request.path.includes('/Calls') ? 'call' : 'sms',
          callback,
          amdCallback: request.form.get('AsyncAmdStatusCallback') ?? undefined,
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

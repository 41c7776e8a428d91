// The soak's steady outbound stream: beside the webhook load, one SMS every 1/rate seconds through
// POST /api/outbound, each with its own idempotency key and body, sent by the app to the Twilio fake. When stopped,
// it waits for the queue to drain and counts each message's creates at the fake: an answer other than 202, a message
// never sent, or one sent twice is a wrong answer.
import type { FakeTwilio } from '../fakeTwilio';
import { waitFor } from '../waitFor';

export interface OutboundStreamResult {
  ratePerSecond: number;
  posted: number;
  accepted: number;
  /** Answers other than 202, by status (0: no answer). */
  refused: Record<string, number>;
  sentOnce: number;
  lost: number;
  duplicated: number;
  /** Accepted but not at the fake when the drain wait ended, e.g. `soak-...-12`. */
  examples: string[];
}

export interface OutboundStream {
  stop(drainTimeoutMs?: number): Promise<OutboundStreamResult>;
}

/** `to` numbers the webhook mix never texts STOP from (see webhookLoad.ts). */
const recipient = (n: number) => `+1415557${String(n % 10_000).padStart(4, '0')}`;

export function startOutboundStream(baseUrl: string, fake: FakeTwilio, ratePerSecond: number): OutboundStream {
  const run = Date.now().toString(36);
  const accepted: string[] = [];
  const refused: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  let posted = 0;
  const post = async (n: number) => {
    const key = `soak-${run}-${n}`;
    let status: number;
    try {
      const response = await fetch(`${baseUrl}/api/outbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'sms', to: recipient(n), body: key, idempotencyKey: key }),
        signal: AbortSignal.timeout(30_000),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 0;
    }
    if (status === 202) accepted.push(key);
    else refused[status] = (refused[status] ?? 0) + 1;
  };
  const timer = setInterval(() => {
    const sending = post(posted++).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  }, 1000 / ratePerSecond);
  return {
    async stop(drainTimeoutMs = 60_000) {
      clearInterval(timer);
      await Promise.all(inFlight);
      const counts = () => {
        const seen = new Map<string, number>();
        for (const body of fake.bodies) {
          const key = new URLSearchParams(body).get('Body');
          if (key) seen.set(key, (seen.get(key) ?? 0) + 1);
        }
        return seen;
      };
      await waitFor(() => accepted.every((key) => counts().has(key)), { timeoutMs: drainTimeoutMs }).catch(() => undefined);
      const seen = counts();
      const missing = accepted.filter((key) => !seen.has(key));
      return {
        ratePerSecond,
        posted,
        accepted: accepted.length,
        refused,
        sentOnce: accepted.filter((key) => seen.get(key) === 1).length,
        lost: missing.length,
        duplicated: [...seen.values()].filter((count) => count > 1).length,
        examples: missing.slice(0, 3),
      };
    },
  };
}

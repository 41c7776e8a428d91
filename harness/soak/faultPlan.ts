// What the outbound fault soak sends and which Twilio faults it injects, decided up front from a seed so that a
// run can be repeated. Pure: no I/O. Used by harness/soak/outboundFaults.ts (npm run soak, and CI-sized in npm test).

/** mulberry32: a small seeded PRNG, good enough to pick test cases. Returns numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** How a message reaches the outbound queue: the producers docs/outbound.md documents. */
export type Producer = 'queue-json' | 'queue-base64' | 'event-grid' | 'cloud-event' | 'http';

/**
 * What the soak expects of a message: sent (or in the poison queue if the faults outlast its retries), rejected
 * before Twilio (invalid, opted out), or refused by Twilio for good (failed; or poisoned, likewise).
 */
export type Expectation = 'send' | 'reject' | 'refuse' | 'send-or-cancel';

export type InvalidKind = 'no body' | 'not E.164' | 'unknown field' | 'undecodable' | 'reserved field' | 'sendAt too far';

export interface PlannedMessage {
  index: number;
  expect: Expectation;
  producer: Producer;
  type: 'sms' | 'call';
  to: string;
  /** The idempotency key, or undefined when it is the queue message id (known once enqueued). */
  key?: string;
  /** The text the producer writes to the queue (http: the JSON body it posts). */
  text: string;
  invalid?: InvalidKind;
  /** The producer delivers it a second time (a retried producer): still one send. */
  duplicate: boolean;
}

export interface WorkloadOptions {
  count: number;
  seed: number;
  /** The app's default sender, for the few messages that name it explicitly. */
  fromNumber: string;
  /** sendAt for scheduled messages, relative to when the plan is made. */
  now: Date;
}

export interface Workload {
  messages: PlannedMessage[];
  /** Recipients who replied STOP before the run. */
  optedOut: string[];
  /** Recipients Twilio refuses (error 21211, invalid To) whenever a create reaches it. */
  refused: string[];
}

const INVALID_KINDS: InvalidKind[] = ['no body', 'not E.164', 'unknown field', 'undecodable', 'reserved field', 'sendAt too far'];
const PRODUCERS: Producer[] = ['queue-json', 'queue-base64', 'event-grid', 'cloud-event', 'http'];
const MESSAGING_SERVICE = 'MG0123456789abcdef0123456789abcdef';

/** 7 digits after +1555: unique per message within a run. */
const number = (n: number) => `+1555${String(n).padStart(7, '0')}`;

function invalidPayload(kind: InvalidKind, base: { to: string; idempotencyKey: string }, now: Date): Record<string, unknown> | string {
  switch (kind) {
    case 'no body':
      return { type: 'sms', ...base };
    case 'not E.164':
      return { type: 'sms', ...base, to: '555-0100', body: 'to a number that is not E.164' };
    case 'unknown field':
      return { type: 'sms', ...base, body: 'with a typo', mediaUrl: 'https://example.com/a.png' };
    case 'undecodable':
      return `%% neither JSON nor base64 %% ${base.idempotencyKey}`;
    case 'reserved field':
      return { type: 'sms', ...base, body: 'hides the queue message id', id: 'payload-id' };
    case 'sendAt too far':
      // Beyond the 35 days sendAt may be ahead (MAX_SCHEDULE_DAYS).
      return { type: 'call', ...base, say: 'too late', sendAt: new Date(now.getTime() + 40 * 86_400_000).toISOString() };
  }
}

function validPayload(
  type: 'sms' | 'call',
  base: { to: string; idempotencyKey: string },
  index: number,
  random: () => number,
  options: WorkloadOptions,
): Record<string, unknown> {
  const variant = random();
  if (type === 'sms') {
    // Every body is distinct, so a lookup after a lost answer can only find this message (see docs/outbound.md, The guarantee, precisely).
    const body = `Order ${base.idempotencyKey} has shipped`;
    if (variant < 0.1) return { type, ...base, body, messagingServiceSid: MESSAGING_SERVICE };
    if (variant < 0.2) return { type, ...base, body, from: options.fromNumber };
    // Due a little after the message is likely enqueued (about 3 per second), so it waits in the queue first.
    if (variant < 0.3) return { type, ...base, body, sendAt: new Date(options.now.getTime() + 5000 + index * 300).toISOString() };
    if (variant < 0.4) return { type, ...base, body, metadata: { orderId: base.idempotencyKey } };
    return { type, ...base, body };
  }
  if (variant < 0.2) return { type, ...base, url: `/api/message?Message=${encodeURIComponent(`Call ${base.idempotencyKey}`)}` };
  if (variant < 0.3) return { type, ...base, twiml: `<Response><Say>Call ${base.idempotencyKey}</Say></Response>` };
  const say = `Your table is ready, ${base.idempotencyKey}`;
  // Answering-machine detection on more than half the calls, so that the fault phase's AMD results have calls to go to.
  if (variant < 0.6) return { type, ...base, say, machineDetection: 'Enable' };
  if (variant < 0.85) return { type, ...base, say, machineSay: `Please call us back about ${base.idempotencyKey}` };
  return { type, ...base, say };
}

/** How the producer writes the message; an event without data.idempotencyKey is keyed by its event id. */
function produce(
  producer: Producer,
  payload: Record<string, unknown> | string,
  key: string,
  random: () => number,
  now: Date,
): { text: string; key?: string } {
  if (typeof payload === 'string') return { text: payload, key: undefined };
  const json = JSON.stringify(payload);
  switch (producer) {
    case 'queue-json':
    case 'http':
      return { text: json, key };
    case 'queue-base64':
      return { text: Buffer.from(json).toString('base64'), key };
    case 'event-grid':
    case 'cloud-event': {
      const eventId = `ev-${key}`;
      const keyed = random() < 0.5;
      const { idempotencyKey: _key, ...data } = payload;
      const envelope =
        producer === 'event-grid'
          ? {
              id: eventId,
              eventType: 'Contoso.Orders.Shipped',
              subject: `orders/${key}`,
              eventTime: now.toISOString(),
              dataVersion: '1.0',
              data: keyed ? payload : data,
            }
          : { id: eventId, specversion: '1.0', type: 'Contoso.Orders.Shipped', source: '/orders', data: keyed ? payload : data };
      return { text: JSON.stringify(envelope), key: keyed ? key : `event-${eventId}` };
    }
  }
}

/**
 * `count` messages: mostly valid SMS and calls from every producer, plus invalid ones, ones to recipients who
 * opted out, and ones Twilio refuses. The first few cover each case once, so even a small run has them all.
 * Recipients are unique per message (a few SMS share one, with distinct bodies), so lookups are unambiguous.
 */
export function planWorkload(options: WorkloadOptions): Workload {
  const random = seededRandom(options.seed);
  const optedOut: string[] = [];
  const refused: string[] = [];
  const messages: PlannedMessage[] = [];
  const required: Array<{ expect: Expectation; invalid?: InvalidKind; producer?: Producer }> = [
    ...PRODUCERS.map((producer) => ({ expect: 'send' as const, producer })),
    ...INVALID_KINDS.map((invalid) => ({ expect: 'reject' as const, invalid })),
    { expect: 'reject' },
    { expect: 'refuse' },
  ];
  let lastSmsTo: string | undefined;
  for (let index = 0; index < options.count; index++) {
    const forced = required[index];
    const roll = random();
    // About 6% invalid, 6% to opted-out recipients, 4% refused by Twilio, the rest valid.
    const expect: Expectation = forced?.expect ?? (roll < 0.12 ? 'reject' : roll < 0.16 ? 'refuse' : 'send');
    const invalid = forced ? forced.invalid : roll < 0.06 ? INVALID_KINDS[Math.floor(random() * INVALID_KINDS.length)] : undefined;
    const type: 'sms' | 'call' = random() < 0.7 ? 'sms' : 'call';
    let to = number(index);
    if (type === 'sms' && expect === 'send' && lastSmsTo && random() < 0.1) to = lastSmsTo;
    if (type === 'sms' && expect === 'send') lastSmsTo = to;
    if (expect === 'reject' && !invalid) optedOut.push(to);
    if (expect === 'refuse') refused.push(to);
    const key = `soak-${options.seed}-${index}`;
    const base = { to, idempotencyKey: key };
    const planned = invalid ? invalidPayload(invalid, base, options.now) : validPayload(type, base, index, random, options);
    // A STOP applies to the sender that received it (OPTOUT_SCOPE=sender): the recipients reply STOP to the number,
    // so a message to them through the Messaging Service is not blocked. Theirs go from the number.
    const optedOutRecipient = expect === 'reject' && !invalid;
    const payload =
      optedOutRecipient && typeof planned === 'object' && 'messagingServiceSid' in planned
        ? Object.fromEntries(Object.entries(planned).filter(([name]) => name !== 'messagingServiceSid'))
        : planned;
    // Invalid messages come straight off the queue: POST /api/outbound would answer 400 and enqueue nothing.
    const producer = forced?.producer ?? (invalid ? 'queue-json' : PRODUCERS[Math.floor(random() * PRODUCERS.length)]);
    const produced = produce(producer, payload, key, random, options.now);
    messages.push({
      index,
      expect,
      producer,
      type,
      to,
      key: produced.key,
      text: produced.text,
      invalid,
      duplicate: !invalid && random() < 0.05,
    });
  }
  return { messages, optedOut, refused };
}

/** The Twilio faults, as harness/twilioProxy.ts injects them. */
export const TWILIO_FAULT_KINDS = ['429', '500', '503', 'timeout', 'reset', 'forward-then-reset'] as const;
export type TwilioFaultKind = (typeof TWILIO_FAULT_KINDS)[number];

export interface TwilioFaultPlanOptions {
  seed: number;
  /** Share of Twilio requests (creates and lookups) that get a fault. */
  rate: number;
}

/**
 * Decides, request by request, whether Twilio misbehaves and how. The first creates get each kind once, in a
 * seeded order, so every kind occurs however short the run; after that, each request gets a fault at `rate`.
 */
export function twilioFaultPicker(options: TwilioFaultPlanOptions): (request: { create: boolean }) => TwilioFaultKind | undefined {
  const random = seededRandom(options.seed ^ 0x5eed);
  const firstCreates = shuffled(TWILIO_FAULT_KINDS, random);
  return ({ create }) => {
    if (create && firstCreates.length) return firstCreates.shift();
    if (random() >= options.rate) return undefined;
    return TWILIO_FAULT_KINDS[Math.floor(random() * TWILIO_FAULT_KINDS.length)];
  };
}

/** The storage, process and Key Vault faults, one per turn. */
export type TurnFault = 'app-kill' | 'azurite-restart' | 'vault-outage';
const TURN_FAULTS: TurnFault[] = ['app-kill', 'vault-outage', 'azurite-restart'];

/** `turns` faults, each kind once per round of three, in a seeded order within the round. */
export function planTurns(turns: number, seed: number): TurnFault[] {
  const random = seededRandom(seed ^ 0x7e57);
  const plan: TurnFault[] = [];
  while (plan.length < turns) plan.push(...shuffled(TURN_FAULTS, random));
  return plan.slice(0, turns);
}

// The rest of the outbound surface, under the same faults: cancels racing sends, batches their producer retries,
// voicemail recordings, schedules longer than the queue's hop, and what Twilio answers the status re-checks.

export interface PlannedCancel {
  key: string;
  to: string;
  /** How far ahead the message is due (0: now, so the cancel races the send). */
  dueInMs: number;
  /** How long after the POST's 202 the DELETE goes out. */
  cancelAfterMs: number;
}

export interface PlannedBatch {
  batchKey: string;
  recipients: string[];
  /** How many times the producer posts it: the first time, then again as after a lost answer. */
  posts: number;
}

export interface PlannedRecording {
  sid: string;
  /** Who is texted (the Notify parameter): one number per recording, so the notification's lookup is unambiguous. */
  notify: string;
  /** Twilio retries the Record action: the webhook gets it twice. */
  twice: boolean;
}

export interface PlannedLongSchedule {
  key: string;
  to: string;
  /** Due this long after the plan is made: several hops of the (shortened) queue delay. */
  dueInMs: number;
}

export interface SurfacePlan {
  cancels: PlannedCancel[];
  batches: PlannedBatch[];
  recordings: PlannedRecording[];
  longSchedules: PlannedLongSchedule[];
}

export interface SurfaceOptions {
  count: number;
  seed: number;
  /** The longest a long schedule waits; they are spread from a third of it to all of it. */
  longestScheduleMs: number;
}

/** Numbers of their own for each part of the surface, apart from the workload's (+1555 and 7 digits from 0). */
const surfaceNumber = (part: number, n: number) => `+15559${part}${String(n).padStart(5, '0')}`;
const hex32 = (n: number, seed: number) => (seed.toString(16).padStart(8, '0') + n.toString(16).padStart(24, '0')).slice(-32);

/** Sized from the message count: at least one of each, about a cancel per 15 messages, a batch of 5 per 75. */
export function planSurface(options: SurfaceOptions): SurfacePlan {
  const random = seededRandom(options.seed ^ 0x5afe);
  const { count, seed } = options;
  const cancels = Array.from({ length: Math.max(2, Math.ceil(count / 15)) }, (_, i) => ({
    key: `soak-${seed}-cancel-${i}`,
    to: surfaceNumber(1, i),
    // Half due now (the cancel races the claim), half a little later (the cancel should win, faults permitting).
    dueInMs: i % 2 === 0 ? 0 : 2000 + Math.floor(random() * 2000),
    cancelAfterMs: Math.floor(random() * 600),
  }));
  const batches = Array.from({ length: Math.max(1, Math.ceil(count / 75)) }, (_, i) => ({
    batchKey: `soak-${seed}-batch-${i}`,
    recipients: Array.from({ length: 5 }, (_, r) => surfaceNumber(2, i * 5 + r)),
    posts: 2 + Math.floor(random() * 2),
  }));
  const recordings = Array.from({ length: Math.max(2, Math.ceil(count / 50)) }, (_, i) => ({
    sid: `RE${hex32(i, seed)}`,
    notify: surfaceNumber(3, i),
    twice: random() < 0.3,
  }));
  const longCount = Math.max(2, Math.ceil(count / 30));
  const longSchedules = Array.from({ length: longCount }, (_, i) => ({
    key: `soak-${seed}-long-${i}`,
    to: surfaceNumber(4, i),
    dueInMs: Math.round(options.longestScheduleMs * (1 / 3 + ((2 / 3) * (i + 1)) / longCount)),
  }));
  return { cancels, batches, recordings, longSchedules };
}

/**
 * What Twilio answers a status fetch of a message or call, decided per SID from the seed: a final status for most
 * (delivered, or undelivered), none for about a third (the carrier sends no report: the row must still stop checking).
 */
export function fetchedStatus(seed: number, sid: string, kind: 'sms' | 'call'): string | undefined {
  const roll = sidRoll(seed, sid);
  if (roll < 0.55) return kind === 'sms' ? 'delivered' : 'completed';
  if (roll < 0.65) return kind === 'sms' ? 'undelivered' : 'no-answer';
  return undefined;
}

/** A number in [0, 1) fixed by the seed and the SID: what happens to one message or call, decided alike wherever asked. */
export function sidRoll(seed: number, sid: string): number {
  let hash = seed >>> 0;
  for (const char of sid) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return seededRandom(hash)();
}

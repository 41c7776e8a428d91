// In-memory stand-ins for everything the outbound orchestrator reads or changes (its OutboundIo), for the unit
// tests of every outcome. The ledger runs the same ETag loop as shared/outbound/ledgerTable.ts, over a Map.
import {
  applyTransition,
  type LedgerExpectation,
  type LedgerRow,
  type LedgerStore,
  type LedgerUpdate,
  type Transition,
} from '../../../shared/outbound/ledger';
import type { OutboundIo } from '../../../shared/outbound/orchestrator';
import type { OptOut } from '../../../shared/outbound/optOuts';
import { matchingRecords, type TwilioRecord, type TwilioRequest } from '../../../shared/outbound/outboundRequest';
import type { OutboundMessage } from '../../../shared/outbound/schema';
import type { TwilioCandidate, TwilioResource, TwilioStatus } from '../../../shared/outbound/twilioApi';
import type { StatusCheckMessage } from '../../../shared/outbound/statusCheck';
import type { CloudEvent, OutboundStatusData } from '../../../shared/events/cloudEvent';
import { EventsUnavailableError, type EventSink } from '../../../shared/events/outbox';

/**
 * The ledger's rows with ETags, as Table storage keeps them, under the real ETag loop (applyTransition): a create
 * is refused when the row exists (409), a replace when its ETag is not the caller's (412).
 */
export class InMemoryLedger {
  readonly #rows = new Map<string, { row: LedgerRow; etag: string }>();
  #nextEtag = 1;
  /** 409/412 refusals seen, i.e. how often an update had to read again. */
  conflicts = 0;
  /** Runs before each write (after the transition was computed): lets a test play a concurrent writer or hold the write back. */
  beforeWrite?: (key: string, row: LedgerRow) => void | Promise<void>;

  readonly #store: LedgerStore = {
    read: async (key) => {
      await Promise.resolve();
      const stored = this.#rows.get(key);
      return stored && { row: structuredClone(stored.row), etag: stored.etag };
    },
    create: async (row) => {
      await this.beforeWrite?.(row.key, row);
      if (this.#rows.has(row.key)) return this.#refused();
      return { etag: this.put(row) };
    },
    replace: async (row, etag) => {
      await this.beforeWrite?.(row.key, row);
      if (this.#rows.get(row.key)?.etag !== etag) return this.#refused();
      return { etag: this.put(row) };
    },
  };

  #refused(): undefined {
    this.conflicts++;
    return undefined;
  }

  get size(): number {
    return this.#rows.size;
  }

  row(key: string): LedgerRow | undefined {
    const stored = this.#rows.get(key);
    return stored && structuredClone(stored.row);
  }

  /** Writes a row as another writer would, bypassing any caller's expectation; answers its new ETag. */
  put(row: LedgerRow): string {
    const etag = String(this.#nextEtag++);
    this.#rows.set(row.key, { row: structuredClone(row), etag });
    return etag;
  }

  update(key: string, transition: Transition, options: { expect?: LedgerExpectation } = {}): Promise<LedgerUpdate> {
    return applyTransition(this.#store, key, transition, options);
  }

  /** The SIDs of `sids` that other rows to `to` hold, as shared/outbound/ledgerTable.ts answers it. */
  async sidsHeldElsewhere(key: string, to: string, sids: string[]): Promise<Set<string>> {
    await Promise.resolve();
    const held = new Set<string>();
    for (const { row } of this.#rows.values()) {
      if (row.key === key || row.to !== to) continue;
      for (const sid of [row.sid, ...(row.duplicateSids?.split(',') ?? [])]) if (sid && sids.includes(sid)) held.add(sid);
    }
    return held;
  }
}

export class InMemoryOptOuts {
  /** Opt-outs from every sender: address → keyword. */
  readonly numbers = new Map<string, string>();
  /** Opt-outs from one sender: `${sender} ${address}` → keyword. */
  readonly scoped = new Map<string, string>();
  /** Every record() call, in order. */
  readonly recorded: Array<{ address: string; keyword: string; sender?: string }> = [];
  /** When set, record() fails with it (the table is down). */
  recordFails?: Error;

  async isOptedOut(address: string, senders: string[] = []): Promise<boolean> {
    await Promise.resolve();
    return this.numbers.has(address) || senders.some((sender) => this.scoped.has(`${sender} ${address}`));
  }

  async record(address: string, keyword: string, sender?: string, source?: OptOut['source']): Promise<void> {
    await Promise.resolve();
    if (this.recordFails) throw this.recordFails;
    this.recorded.push({ address, keyword, sender });
    this.#sources.set(`${sender ?? '*'} ${address}`, source);
    if (sender === undefined) this.numbers.set(address, keyword);
    else this.scoped.set(`${sender} ${address}`, keyword);
  }

  readonly #sources = new Map<string, OptOut['source']>();

  #all(): OptOut[] {
    const row = (address: string, keyword: string, sender?: string): OptOut => ({
      address,
      sender,
      keyword,
      source: this.#sources.get(`${sender ?? '*'} ${address}`),
      optedOutAt: OPTED_OUT_AT,
    });
    return [
      ...[...this.numbers].map(([address, keyword]) => row(address, keyword)),
      ...[...this.scoped].map(([senderAndAddress, keyword]) => {
        const [sender, address] = senderAndAddress.split(' ');
        return row(address, keyword, sender);
      }),
    ];
  }

  /** The management API's reads and removal (shared/outbound/optOutAnswer.ts' OptOutIo). */
  async optOutsOf(address: string): Promise<OptOut[]> {
    await Promise.resolve();
    return this.#all().filter((o) => o.address === address);
  }

  async remove(address: string, sender: string | undefined): Promise<boolean> {
    await Promise.resolve();
    return sender === undefined ? this.numbers.delete(address) : this.scoped.delete(`${sender} ${address}`);
  }

  /** Pages of the whole table; a continuation token is the next row's index, as text. */
  async list(options: { pageSize: number; continuationToken?: string }): Promise<{ items: OptOut[]; next?: string }> {
    await Promise.resolve();
    const start = options.continuationToken === undefined ? 0 : Number(options.continuationToken);
    if (!Number.isInteger(start)) throw new TypeError('the table SDK cannot read this continuation token');
    const all = this.#all();
    const end = start + options.pageSize;
    return { items: all.slice(start, end), next: end < all.length ? String(end) : undefined };
  }

  /** The fake's own errors are the SDK's (before any request); a test's planned error is the storage service's. */
  async fromStorage(error: unknown): Promise<boolean> {
    await Promise.resolve();
    return !(error instanceof TypeError);
  }
}

const OPTED_OUT_AT = '2030-01-01T09:00:00.000Z';

export class RecordingQueue {
  readonly sent: Array<{ message: OutboundMessage; visibilityTimeoutSeconds?: number }> = [];
  readonly statusChecks: Array<{ check: StatusCheckMessage; visibilityTimeoutSeconds?: number }> = [];

  async enqueueStatusCheck(check: StatusCheckMessage, options: { visibilityTimeoutSeconds?: number }): Promise<void> {
    await Promise.resolve();
    this.statusChecks.push({ check: structuredClone(check), visibilityTimeoutSeconds: options.visibilityTimeoutSeconds });
  }

  async enqueue(message: OutboundMessage, options: { visibilityTimeoutSeconds?: number } = {}): Promise<void> {
    await Promise.resolve();
    this.sent.push({ message: structuredClone(message), visibilityTimeoutSeconds: options.visibilityTimeoutSeconds });
  }
}

/**
 * Twilio's REST API as far as the orchestrator uses it: create answers with a new SID (or the next planned
 * error, as shared/outbound/twilioApi.ts would have classified it), and find looks through what was created
 * with the same matching rules as the real lookup (matchingRecords).
 */
export class FakeTwilio {
  readonly records: Array<TwilioRecord & { status: string }> = [];
  readonly creates: TwilioRequest[] = [];
  readonly finds: Array<{ request: TwilioRequest; since: Date }> = [];
  /** Errors for the next creates, in order. */
  readonly createErrors: Error[] = [];
  /** When set, a create waits for this before answering (to hold an attempt mid-send). */
  createGate?: Promise<void>;
  /** Called as each create arrives, before it is answered. */
  onCreate?: (request: TwilioRequest) => void;
  /** What a status fetch answers for a SID, when a test has said (otherwise the record's status). */
  readonly statuses = new Map<string, TwilioStatus>();
  /** Status fetches so far. */
  fetches = 0;
  /** When set, status fetches fail with it (Twilio is down). */
  fetchFails?: Error;

  constructor(private readonly clock: FakeClock) {}

  /** A record as an earlier attempt left it on Twilio. */
  recordCreated(request: TwilioRequest, at: Date): TwilioResource {
    const record = {
      sid: `SM${String(this.records.length + 1).padStart(32, '0')}`,
      to: request.to,
      from: request.from,
      body: request.kind === 'sms' ? request.body : undefined,
      messagingServiceSid: request.kind === 'sms' ? request.messagingServiceSid : undefined,
      dateCreated: at,
      status: 'queued',
    };
    this.records.push(record);
    return { sid: record.sid, status: record.status };
  }

  async create(request: TwilioRequest): Promise<TwilioResource> {
    this.creates.push(request);
    this.onCreate?.(request);
    await this.createGate;
    const error = this.createErrors.shift();
    if (error) throw error;
    return this.recordCreated(request, this.clock.now());
  }

  async fetch(_kind: 'sms' | 'call', sid: string): Promise<TwilioStatus> {
    await Promise.resolve();
    this.fetches++;
    if (this.fetchFails) throw this.fetchFails;
    const record = this.records.find((r) => r.sid === sid);
    if (!record) throw new Error(`no record ${sid}`);
    return this.statuses.get(sid) ?? { sid, status: record.status };
  }

  async find(request: TwilioRequest, since: Date): Promise<TwilioCandidate[]> {
    await Promise.resolve();
    this.finds.push({ request, since });
    return matchingRecords(request, this.records, since).map(({ sid, status, dateCreated }) => ({ sid, status, dateCreated }));
  }
}

export class ProcessDied extends Error {}

/** The events queue and topic as one sink: records what it was given, and can die like the process publishing. */
export class RecordingEventSink implements EventSink {
  readonly source = 'https://calls.example.test';
  readonly published: CloudEvent[] = [];
  /** When set, the next publish throws ProcessDied instead (the process dies as it publishes). */
  dieOnNextPublish = false;
  /** When set, every publish fails as the real sink does when the queue or topic is down. */
  unavailable = false;

  async publish(events: CloudEvent[]): Promise<void> {
    await Promise.resolve();
    if (this.unavailable) throw new EventsUnavailableError('events queue unavailable (fake)');
    if (this.dieOnNextPublish) {
      this.dieOnNextPublish = false;
      throw new ProcessDied('killed while publishing');
    }
    this.published.push(...structuredClone(events));
  }

  statusEvents(): Array<CloudEvent<OutboundStatusData>> {
    return this.published.filter((e) => e.type === 'twilio.outbound.status') as Array<CloudEvent<OutboundStatusData>>;
  }
}

export class FakeClock {
  #at: number;
  constructor(start: string) {
    this.#at = Date.parse(start);
  }
  now(): Date {
    return new Date(this.#at);
  }
  advance(ms: number): void {
    this.#at += ms;
  }
}

export interface FakeOutbound {
  io: OutboundIo;
  ledger: InMemoryLedger;
  optOuts: InMemoryOptOuts;
  queue: RecordingQueue;
  twilio: FakeTwilio;
  clock: FakeClock;
  events: RecordingEventSink;
  log: Array<Record<string, unknown>>;
}

/** The orchestrator's I/O in memory; with `events`, status changes go through the outbox to a recording sink. */
export function fakeOutbound(
  overrides: Partial<Pick<OutboundIo, 'maxDequeueCount' | 'sendLeaseMs' | 'defaults' | 'optOutScope'>> = {},
  options: { events?: boolean } = {},
): FakeOutbound {
  const clock = new FakeClock('2030-01-01T09:00:00.000Z');
  const ledger = new InMemoryLedger();
  const optOuts = new InMemoryOptOuts();
  const queue = new RecordingQueue();
  const twilio = new FakeTwilio(clock);
  const events = new RecordingEventSink();
  let claims = 0;
  const io: OutboundIo = {
    ledger,
    optOuts,
    queue,
    twilio,
    now: () => clock.now(),
    newClaimId: () => `claim-${++claims}`,
    maxDequeueCount: 5,
    sendLeaseMs: 30_000,
    reconcileAfterMs: 900_000,
    defaults: { fromNumber: '+15005550006', webhookBaseUrl: 'https://calls.example.test' },
    optOutScope: 'sender',
    ...(options.events ? { events } : {}),
    ...overrides,
  };
  return { io, ledger, optOuts, queue, twilio, clock, events, log: [] };
}

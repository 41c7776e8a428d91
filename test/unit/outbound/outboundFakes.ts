// In-memory stand-ins for everything the outbound orchestrator reads or changes (its OutboundIo), for the unit
// tests of every outcome. The ledger applies transitions as shared/outbound/ledgerTable.ts does against Table
// storage: a conditional insert for a key believed new (409 when it exists), a replace matched on the ETag the
// caller last saw (412 when someone wrote since), and on either refusal a fresh read and the transition again.
import type { LedgerExpectation, LedgerRow, LedgerUpdate, Transition } from '../../../shared/outbound/ledger';
import type { OutboundIo } from '../../../shared/outbound/orchestrator';
import { findOwnRecord, type TwilioRecord, type TwilioRequest } from '../../../shared/outbound/outboundRequest';
import type { OutboundMessage } from '../../../shared/outbound/schema';
import type { TwilioResource, TwilioStatus } from '../../../shared/outbound/twilioApi';
import type { StatusCheckMessage } from '../../../shared/outbound/statusCheck';

/** A table service answer other than success, as the Azure SDK reports it (only its status matters here). */
class FakeTableRefusal extends Error {
  constructor(readonly statusCode: 409 | 412) {
    super(statusCode === 409 ? 'EntityAlreadyExists' : 'UpdateConditionNotSatisfied');
  }
}

export class InMemoryLedger {
  readonly #rows = new Map<string, { row: LedgerRow; etag: number }>();
  #nextEtag = 1;
  /** 409/412 refusals seen, i.e. how often an update had to read again. */
  conflicts = 0;
  /** Runs before each write (after the transition was computed): lets a test play a concurrent writer. */
  beforeWrite?: (key: string) => void;

  row(key: string): LedgerRow | undefined {
    const stored = this.#rows.get(key);
    return stored && structuredClone(stored.row);
  }

  /** Writes a row as another writer would, bypassing any caller's expectation. */
  put(row: LedgerRow): void {
    this.#rows.set(row.key, { row: structuredClone(row), etag: this.#nextEtag++ });
  }

  #insert(key: string, row: LedgerRow): string {
    if (this.#rows.has(key)) throw new FakeTableRefusal(409);
    this.put(row);
    return String(this.#rows.get(key)!.etag);
  }

  #replace(key: string, row: LedgerRow, etag: string): string {
    if (String(this.#rows.get(key)?.etag) !== etag) throw new FakeTableRefusal(412);
    this.put(row);
    return String(this.#rows.get(key)!.etag);
  }

  async update(key: string, transition: Transition, options: { expect?: LedgerExpectation } = {}): Promise<LedgerUpdate> {
    await Promise.resolve();
    let belief = options.expect;
    for (let attempt = 0; attempt < 20; attempt++) {
      const stored = this.#rows.get(key);
      const current =
        belief === 'absent'
          ? undefined
          : belief !== undefined
            ? belief
            : stored && { row: structuredClone(stored.row), etag: String(stored.etag) };
      belief = undefined;
      const next = transition(current?.row && structuredClone(current.row));
      if (!next) return { previous: current?.row, row: current?.row, changed: false, etag: current?.etag };
      this.beforeWrite?.(key);
      try {
        const etag = current ? this.#replace(key, next, current.etag) : this.#insert(key, next);
        return { previous: current?.row, row: structuredClone(next), changed: true, etag };
      } catch (error) {
        if (!(error instanceof FakeTableRefusal)) throw error;
        this.conflicts++;
      }
    }
    throw new Error(`ledger row ${key} kept changing`);
  }
}

export class InMemoryOptOuts {
  readonly numbers = new Map<string, string>();
  /** When set, record() fails with it (the table is down). */
  recordFails?: Error;

  async isOptedOut(address: string): Promise<boolean> {
    await Promise.resolve();
    return this.numbers.has(address);
  }

  async record(address: string, keyword: string): Promise<void> {
    await Promise.resolve();
    if (this.recordFails) throw this.recordFails;
    this.numbers.set(address, keyword);
  }
}

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
 * with the same matching rules as the real lookup (findOwnRecord).
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
    const record = this.records.find((r) => r.sid === sid);
    if (!record) throw new Error(`no record ${sid}`);
    return { sid, status: record.status };
  }

  async find(request: TwilioRequest, since: Date): Promise<TwilioResource | undefined> {
    await Promise.resolve();
    this.finds.push({ request, since });
    const found = findOwnRecord(request, this.records, since) as (TwilioRecord & { status: string }) | undefined;
    return found && { sid: found.sid, status: found.status };
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
  log: Array<Record<string, unknown>>;
}

export function fakeOutbound(overrides: Partial<Pick<OutboundIo, 'maxDequeueCount' | 'sendLeaseMs' | 'defaults'>> = {}): FakeOutbound {
  const clock = new FakeClock('2030-01-01T09:00:00.000Z');
  const ledger = new InMemoryLedger();
  const optOuts = new InMemoryOptOuts();
  const queue = new RecordingQueue();
  const twilio = new FakeTwilio(clock);
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
    ...overrides,
  };
  return { io, ledger, optOuts, queue, twilio, clock, log: [] };
}

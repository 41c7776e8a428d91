// In-memory stand-ins for the orchestrator's I/O (OutboundIo): a ledger store with ETags that runs the real
// applyTransition loop, a queue that records what was enqueued and with which delay, an opt-out set, and a
// Twilio that records creates. Small on purpose: the integration tests run the real ones.
import { applyTransition, type LedgerRow, type LedgerStore } from '../shared/outbound/ledger';
import type { OutboundIo } from '../shared/outbound/orchestrator';
import type { TwilioRequest } from '../shared/outbound/outboundRequest';
import type { OutboundMessage } from '../shared/outbound/schema';

export interface FakeStore extends LedgerStore {
  rows: Map<string, { row: LedgerRow; etag: string }>;
  /** Runs before each write; a test can hold a write back to force an interleaving. */
  beforeWrite?: (row: LedgerRow) => Promise<void>;
}

export function fakeStore(): FakeStore {
  let version = 0;
  const store: FakeStore = {
    rows: new Map(),
    async read(key) {
      await Promise.resolve();
      const found = store.rows.get(key);
      return found && { row: structuredClone(found.row), etag: found.etag };
    },
    async create(row) {
      await store.beforeWrite?.(row);
      if (store.rows.has(row.key)) return undefined; // 409
      const etag = `v${++version}`;
      store.rows.set(row.key, { row: structuredClone(row), etag });
      return { etag };
    },
    async replace(row, etag) {
      await store.beforeWrite?.(row);
      if (store.rows.get(row.key)?.etag !== etag) return undefined; // 412
      const next = `v${++version}`;
      store.rows.set(row.key, { row: structuredClone(row), etag: next });
      return { etag: next };
    },
  };
  return store;
}

export interface FakeIo extends OutboundIo {
  store: FakeStore;
  enqueued: Array<{ message: OutboundMessage; delaySeconds?: number }>;
  creates: TwilioRequest[];
  optOutRows: Array<{ address: string; sender?: string }>;
  clock: { now: Date };
  logs: Array<Record<string, unknown>>;
}

export function fakeIo(options: { now: Date; create?: (request: TwilioRequest) => Promise<{ sid: string; status: string }> }): FakeIo {
  const store = fakeStore();
  const clock = { now: options.now };
  let claims = 0;
  const io: FakeIo = {
    store,
    enqueued: [],
    creates: [],
    optOutRows: [],
    clock,
    logs: [],
    ledger: { update: (key, transition, opts) => applyTransition(store, key, transition, opts) },
    optOuts: {
      isOptedOut: async (address, senders) =>
        io.optOutRows.some((o) => o.address === address && (o.sender === undefined || senders.includes(o.sender))),
      record: async (address, _keyword, sender) => void io.optOutRows.push({ address, sender }),
    },
    queue: {
      enqueue: async (message, opts) => void io.enqueued.push({ message, delaySeconds: opts?.visibilityTimeoutSeconds }),
    },
    twilio: {
      create: async (request) => {
        io.creates.push(request);
        return options.create ? options.create(request) : { sid: `SM${String(io.creates.length).padStart(32, '0')}`, status: 'queued' };
      },
      find: async () => undefined,
    },
    now: () => clock.now,
    newClaimId: () => `claim-${++claims}`,
    maxDequeueCount: 5,
    sendLeaseMs: 60_000,
    defaults: { fromNumber: '+15005550006', webhookBaseUrl: 'https://calls.example.test' },
    optOutScope: 'sender',
  };
  return io;
}

/** One queue delivery of `message`, as the outbound function hands it to deliverOutbound. */
export function delivery(message: unknown, id = 'msg-1', dequeueCount = 1) {
  return [JSON.stringify(message), { id, dequeueCount }] as const;
}

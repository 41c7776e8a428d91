import {
  addressFilter,
  describeCounts,
  forgetNumber,
  isThisNumber,
  ledgerRowMayGo,
  blobHoldsNumber,
  messageHoldsNumber,
  normaliseNumber,
  type HeldMessage,
  type FoundRow,
  type ForgetIo,
  type TableStore,
} from '../../../shared/operations/forgetNumber';

const NUMBER = '+15551234567';
const OTHER = '+15551234568';
const CALL = `CA${'a'.repeat(32)}`;
const OTHER_CALL = `CA${'b'.repeat(32)}`;

/** Reads the filters forgetNumber writes (`p eq 'v'` joined by `or`), as the table service would. */
function matches(filter: string, row: FoundRow): boolean {
  return filter.split(' or ').some((term) => {
    const [, property, value] = /^(\w+) eq '((?:[^']|'')*)'$/.exec(term)!;
    const key = property === 'PartitionKey' ? 'partitionKey' : property === 'RowKey' ? 'rowKey' : property;
    return row[key] === value.replace(/''/g, "'");
  });
}

function memoryIo(
  tables: Partial<Record<TableStore, FoundRow[]>>,
  recordings: string[],
  has = { activity: true, conversations: true },
  poison: string[] = [],
  kept: Record<string, string> = {},
) {
  const stores = Object.fromEntries(Object.entries(tables).map(([store, rows]) => [store, [...rows]])) as Record<TableStore, FoundRow[]>;
  const blobs = new Set(recordings);
  const released: string[] = [];
  const keptEvents = new Map(Object.entries(kept));
  let poisoned: HeldMessage[] = poison.map((text, i) => ({ queue: 'q-poison', messageId: `m${i}`, popReceipt: 'p', text }));
  const filters: string[] = [];
  const io: ForgetIo = {
    has,
    async find(store, filter) {
      filters.push(filter);
      return (stores[store] ?? []).filter((row) => matches(filter, row));
    },
    async deleteRow(store, row) {
      stores[store] = stores[store].filter((r) => r !== row);
    },
    async deleteRecording(sid) {
      return blobs.delete(sid);
    },
    async poisonMessages() {
      return [...poisoned];
    },
    async deleteMessage(message) {
      poisoned = poisoned.filter((m) => m.messageId !== message.messageId);
    },
    async releaseMessage(message) {
      released.push(message.messageId);
    },
    async keptEvents() {
      return [...keptEvents].map(([name, text]) => ({ name, text }));
    },
    async deleteKeptEvent(blob) {
      keptEvents.delete(blob.name);
    },
  };
  return { io, stores, blobs, filters, released, poisoned: () => poisoned.map((m) => m.text), keptEvents };
}

function world() {
  return memoryIo(
    {
      ledger: [
        { partitionKey: 'a', rowKey: '', to: NUMBER, from: '+15550000000', status: 'delivered' },
        { partitionKey: 'b', rowKey: '', to: `whatsapp:${NUMBER}`, status: 'failed' },
        { partitionKey: 'c', rowKey: '', to: NUMBER, status: 'sending' },
        { partitionKey: 'd', rowKey: '', to: NUMBER, status: 'canceled' },
        { partitionKey: 'e', rowKey: '', to: NUMBER, status: 'sent', type: 'call', sid: OTHER_CALL },
        { partitionKey: 'f', rowKey: '', to: OTHER, status: 'delivered' },
        { partitionKey: 'g', rowKey: '', to: `${NUMBER}9`, status: 'delivered' },
      ],
      optOuts: [
        { partitionKey: 'optout', rowKey: NUMBER },
        { partitionKey: 'sender:+15550000000', rowKey: `whatsapp:${NUMBER}` },
        { partitionKey: 'optout', rowKey: OTHER },
      ],
      activity: [
        { partitionKey: 'inbound', rowKey: 'e1', from: NUMBER, sid: CALL, kind: 'call' },
        { partitionKey: 'inbound', rowKey: 'e2', from: NUMBER, sid: CALL, kind: 'voicemail', recordingSid: 'RE1' },
        { partitionKey: 'inbound', rowKey: 'e3', from: OTHER, sid: `CA${'c'.repeat(32)}`, kind: 'voicemail', recordingSid: 'RE2' },
      ],
      autoReplies: [
        { partitionKey: '2026120601', rowKey: NUMBER },
        { partitionKey: '2026120601', rowKey: OTHER },
      ],
      conversations: [
        { partitionKey: CALL, rowKey: 'conversation' },
        { partitionKey: OTHER_CALL, rowKey: 'conversation' },
        { partitionKey: `CA${'c'.repeat(32)}`, rowKey: 'conversation' },
      ],
    },
    ['RE1', 'RE2'],
    undefined,
    [
      JSON.stringify({ type: 'sms', to: NUMBER, body: 'x' }),
      Buffer.from(JSON.stringify({ type: 'sms', to: `whatsapp:${NUMBER}`, body: 'x' })).toString('base64'),
      JSON.stringify({ type: 'voicemail-recording', caller: NUMBER, notify: OTHER }),
      JSON.stringify({ type: 'sms', to: OTHER, body: `call ${NUMBER}9` }),
      'not json',
    ],
    {
      'EZ1.json': keptEvent({ to: NUMBER, from: OTHER }),
      'EZ2.json': keptEvent({ recipients: [{ address: `whatsapp:${NUMBER}` }] }),
      'EZ3.json': keptEvent({ to: OTHER, body: `call ${NUMBER}` }),
      'EZ4.json': 'not json',
    },
  );
}

/** An event kept aside by the Event Streams sink, as its blob holds it (oversizedBlobBody). */
function keptEvent(data: Record<string, unknown>): string {
  return JSON.stringify({
    reason: 'over 48 KiB',
    bytes: 50_000,
    correlationId: 'c'.repeat(32),
    keptAt: '2026-12-06T10:00:00Z',
    event: { id: 'EZ', data },
  });
}

describe('normaliseNumber', () => {
  test.each([
    ['+15551234567', '+15551234567'],
    [' +1 (555) 123-4567 ', '+15551234567'],
    ['+44.20.7946.0958', '+442079460958'],
  ])('%s is %s', (input, number) => expect(normaliseNumber(input)).toEqual({ ok: true, number }));

  test.each(['5551234567', '+0555', '+1555123456789012', '+1555abc', '', 'whatsapp:+15551234567'])('%s is refused', (input) =>
    expect(normaliseNumber(input)).toMatchObject({ ok: false }),
  );
});

test('a stored address is the number itself or it behind a channel prefix, never a number containing its digits', () => {
  expect([NUMBER, `whatsapp:${NUMBER}`, `sms:${NUMBER}`, ` ${NUMBER}`].map((a) => isThisNumber(a, NUMBER))).toEqual([
    true,
    true,
    true,
    true,
  ]);
  expect([`${NUMBER}9`, '15551234567', `+1${NUMBER.slice(1)}`, OTHER, undefined, 5551234567].map((a) => isThisNumber(a, NUMBER))).toEqual(
    Array(6).fill(false),
  );
});

test('a queue message holds the number when any string in its JSON (or base64 JSON) is the number', () => {
  expect(messageHoldsNumber(JSON.stringify({ a: [{ b: NUMBER }] }), NUMBER)).toBe(true);
  expect(messageHoldsNumber(Buffer.from(JSON.stringify({ to: NUMBER })).toString('base64'), NUMBER)).toBe(true);
  expect(messageHoldsNumber(JSON.stringify({ body: `call ${NUMBER}` }), NUMBER)).toBe(false);
  expect(messageHoldsNumber('not json', NUMBER)).toBe(false);
});

test("a kept event's blob holds the number when any string in its JSON is the number", () => {
  expect(blobHoldsNumber(keptEvent({ messages: [{ from: `sms:${NUMBER}` }] }), NUMBER)).toBe(true);
  expect(blobHoldsNumber(keptEvent({ body: `call ${NUMBER}` }), NUMBER)).toBe(false);
  expect(blobHoldsNumber('{"truncated', NUMBER)).toBe(false);
});

test('the filter quotes what it is given', () => {
  expect(addressFilter("+1'", ['to'])).toBe("to eq '+1''' or to eq 'whatsapp:+1''' or to eq 'sms:+1'''");
});

test('ledger rows go once final, except a canceled one, which still stops its queued message', () => {
  expect(['delivered', 'undelivered', 'failed', 'rejected', 'sent'].every(ledgerRowMayGo)).toBe(true);
  expect(['accepted', 'sending', 'poisoned', 'canceled', undefined, 'other'].some(ledgerRowMayGo)).toBe(false);
});

test('without apply it counts and deletes nothing', async () => {
  const { io, stores, blobs, released } = world();
  const before = JSON.stringify(stores);
  const counts = await forgetNumber(NUMBER, io, { apply: false });
  expect(JSON.stringify(stores)).toBe(before);
  expect(blobs.size).toBe(2);
  expect(released).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  expect(Object.fromEntries(counts.map((c) => [c.store, [c.found, c.deleted, c.kept]]))).toEqual({
    ledger: [5, 0, 2],
    optOuts: [2, 0, 0],
    activity: [2, 0, 0],
    autoReplies: [1, 0, 0],
    conversations: [2, 0, 0],
    recordings: [1, 0, 0],
    poisonMessages: [3, 0, 0],
    keptEvents: [2, 0, 0],
  });
});

test("with apply it deletes the number's rows, its calls' conversations and its voicemails, and nothing of another number", async () => {
  const { io, stores, blobs, poisoned, released, keptEvents } = world();
  const counts = await forgetNumber(NUMBER, io, { apply: true });
  expect([...keptEvents.keys()]).toEqual(['EZ3.json', 'EZ4.json']);
  expect(released).toEqual(['m3', 'm4']);
  expect(poisoned()).toEqual([JSON.stringify({ type: 'sms', to: OTHER, body: `call ${NUMBER}9` }), 'not json']);
  expect(stores.ledger.map((r) => r.partitionKey)).toEqual(['c', 'd', 'f', 'g']);
  expect(stores.optOuts.map((r) => r.rowKey)).toEqual([OTHER]);
  expect(stores.activity.map((r) => r.rowKey)).toEqual(['e3']);
  expect(stores.autoReplies.map((r) => r.rowKey)).toEqual([OTHER]);
  expect(stores.conversations.map((r) => r.partitionKey)).toEqual([`CA${'c'.repeat(32)}`]);
  expect([...blobs]).toEqual(['RE2']);
  expect(counts.find((c) => c.store === 'ledger')).toMatchObject({
    found: 5,
    deleted: 3,
    kept: 2,
    keptBecause: expect.stringMatching(/run again/),
  });
  // Run again: what stayed is still found and kept, nothing else.
  const again = await forgetNumber(NUMBER, io, { apply: true });
  expect(again.map((c) => c.deleted)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
});

test('a deployment with activity and the assistant off reads neither table', async () => {
  const { io, filters } = memoryIo({ ledger: [], optOuts: [], autoReplies: [] }, [], { activity: false, conversations: false });
  const counts = await forgetNumber(NUMBER, io, { apply: true });
  expect(counts.map((c) => c.store).sort()).toEqual(['autoReplies', 'keptEvents', 'ledger', 'optOuts', 'poisonMessages', 'recordings']);
  expect(filters).toHaveLength(3);
});

test('the report names each store and never the number', async () => {
  const { io } = world();
  const lines = describeCounts(await forgetNumber(NUMBER, io, { apply: true }), true);
  expect(lines).toHaveLength(8);
  expect(lines.join('\n')).not.toMatch(/555/);
  expect(lines[0]).toMatch(/^ {2}outbound ledger rows: +5 found, 3 deleted, 2 kept \(in flight/);
});

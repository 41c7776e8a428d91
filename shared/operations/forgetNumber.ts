// Erasing one phone number on request: which rows and blobs hold it, and what may go. Pure: the stores come in as
// `ForgetIo` (shared/operations/forgetNumberIo.ts reads and deletes them in storage), so the rules are tested alone.
//
// A number matches by equality, never by digits: the number is normalised to E.164 (+ and 1-15 digits, spaces,
// dashes, dots and brackets dropped), and a stored address matches when it is that E.164 string, or it with one of
// the channel prefixes Twilio puts on addresses (whatsapp:+1..., sms:+1...). The console's search by "digits the
// number contains" would also match every longer number holding those digits: right for finding, wrong for erasing.
import { decodeQueueMessage } from '../outbound/decode';
import { isFinal, type LedgerStatus } from '../outbound/ledger';

/** The prefixes an address may carry in a store: WhatsApp recipients and senders, and Twilio's explicit SMS form. */
export const ADDRESS_PREFIXES = ['', 'whatsapp:', 'sms:'] as const;

/** E.164: a plus, then 1 to 15 digits, the first not 0. */
const E164 = /^\+[1-9]\d{0,14}$/;

export type NormalisedNumber = { ok: true; number: string } | { ok: false; problem: string };

/** The E.164 form of what a person typed: `+1 (555) 123-4567` is `+15551234567`. No plus, no guess at a country. */
export function normaliseNumber(input: string): NormalisedNumber {
  const compact = input.trim().replace(/[\s().-]/g, '');
  if (!compact.startsWith('+'))
    return { ok: false, problem: 'the number must be in E.164 form, with its country code: + then digits, e.g. +15551234567' };
  if (!E164.test(compact)) return { ok: false, problem: 'the number must be + then 1 to 15 digits (E.164), the first not 0' };
  return { ok: true, number: compact };
}

/** Every stored form of the number: as it is, and with each channel prefix. */
export function addressForms(number: string): string[] {
  return ADDRESS_PREFIXES.map((prefix) => prefix + number);
}

/** Whether a stored address is this number (see the matching rule above). */
export function isThisNumber(address: unknown, number: string): boolean {
  return typeof address === 'string' && addressForms(number).includes(address.trim());
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** An OData filter selecting rows whose `properties` hold one of the number's forms. */
export function addressFilter(number: string, properties: readonly string[]): string {
  return properties.flatMap((property) => addressForms(number).map((form) => `${property} eq ${quote(form)}`)).join(' or ');
}

/** Whether a JSON value holds the number in any of its strings, however deep. */
function holdsNumber(node: unknown, number: string): boolean {
  return typeof node === 'string'
    ? isThisNumber(node, number)
    : typeof node === 'object' && node !== null && Object.values(node).some((child) => holdsNumber(child, number));
}

/** Whether a queue message (JSON, or base64 of JSON) holds the number in any of its strings, however deep. */
export function messageHoldsNumber(text: string, number: string): boolean {
  try {
    return holdsNumber(decodeQueueMessage(text), number);
  } catch {
    return false;
  }
}

/** Whether a kept Event Streams event's blob (JSON: the event and why it was kept) holds the number anywhere. */
export function blobHoldsNumber(text: string, number: string): boolean {
  try {
    return holdsNumber(JSON.parse(text), number);
  } catch {
    return false;
  }
}

/** A blob of the container of Event Streams events too large for the events queue. */
export interface KeptEventBlob {
  name: string;
  text: string;
}

/** A message received from a queue, hidden from others until it is deleted or its visibility ends. */
export interface HeldMessage {
  queue: string;
  messageId: string;
  popReceipt: string;
  text: string;
}

/** A row found in a table: its keys and the few properties the rules read. */
export interface FoundRow {
  partitionKey: string;
  rowKey: string;
  [property: string]: unknown;
}

/** The app's tables and blobs that may hold a number; `activity` and `conversations` are undefined when turned off. */
export interface ForgetIo {
  /** Rows of `table` (a store's name below) that `filter` selects. */
  find(store: TableStore, filter: string): Promise<FoundRow[]>;
  deleteRow(store: TableStore, row: FoundRow): Promise<void>;
  /** Deletes a voicemail recording's copy; false when there was none. */
  deleteRecording(recordingSid: string): Promise<boolean>;
  /** Every message of the poison queues, each received (hidden for a short while), or none when a queue is absent. */
  poisonMessages(): Promise<HeldMessage[]>;
  deleteMessage(message: HeldMessage): Promise<void>;
  /** Shows a received message to everyone again at once. */
  releaseMessage(message: HeldMessage): Promise<void>;
  /** Every blob of EVENT_STREAMS_OVERSIZED_CONTAINER (events too large for the queue), or none without the container. */
  keptEvents(): Promise<KeptEventBlob[]>;
  deleteKeptEvent(blob: KeptEventBlob): Promise<void>;
  /** Which optional stores this deployment has. */
  has: { activity: boolean; conversations: boolean };
}

export const TABLE_STORES = ['ledger', 'optOuts', 'activity', 'autoReplies', 'conversations'] as const;
export type TableStore = (typeof TABLE_STORES)[number];

/** What the report names each store. */
export const STORE_LABELS: Record<TableStore | 'recordings' | 'poisonMessages' | 'keptEvents', string> = {
  ledger: 'outbound ledger rows',
  optOuts: 'opt-outs',
  activity: 'activity rows',
  autoReplies: 'auto-reply counts',
  conversations: 'assistant conversations (transcripts)',
  recordings: 'voicemail recordings',
  poisonMessages: 'poison queue messages',
  keptEvents: 'Event Streams events kept aside',
};

/** Per store: how many rows hold the number, how many this run deleted, and how many must stay (and why). */
export interface StoreCount {
  store: TableStore | 'recordings' | 'poisonMessages' | 'keptEvents';
  found: number;
  deleted: number;
  kept: number;
  keptBecause?: string;
}

/**
 * A ledger row stays while its message may still be sent or its row still stops one: `accepted`, `sending` and
 * `poisoned` (replay may send it) are in flight; a `canceled` row is what keeps its queued message from being sent.
 * Cancel or let them finish, then run the erasure again.
 */
export function ledgerRowMayGo(status: unknown): boolean {
  return typeof status === 'string' && isFinal(status as LedgerStatus) && status !== 'canceled';
}

const KEPT_LEDGER = 'in flight, poisoned or canceled: cancel or let them finish (or wait for the cancel to pass), then run again';

/** A CallSid, as Twilio writes it. */
const CALL_SID = /^CA[0-9a-f]{32}$/i;

/**
 * Finds everything that holds `number` and, with `apply`, deletes it. The assistant's conversations and the
 * voicemail recordings hold no number themselves: they are found through the calls (activity and ledger rows of
 * this number), so those are read before anything is deleted.
 */
export async function forgetNumber(number: string, io: ForgetIo, options: { apply: boolean }): Promise<StoreCount[]> {
  const ledger = await io.find('ledger', addressFilter(number, ['to', 'from']));
  const optOuts = await io.find('optOuts', addressFilter(number, ['RowKey']));
  const activity = io.has.activity ? await io.find('activity', addressFilter(number, ['from', 'to'])) : [];
  const autoReplies = await io.find('autoReplies', addressFilter(number, ['RowKey']));

  const callSids = new Set<string>();
  for (const row of activity) if (typeof row.sid === 'string' && CALL_SID.test(row.sid)) callSids.add(row.sid);
  for (const row of ledger) if (typeof row.sid === 'string' && CALL_SID.test(row.sid)) callSids.add(row.sid);
  const conversations: FoundRow[] = [];
  if (io.has.conversations)
    for (const callSid of [...callSids].sort())
      conversations.push(...(await io.find('conversations', `PartitionKey eq ${quote(callSid)}`)));
  const recordingSids = [
    ...new Set(activity.flatMap((row) => (typeof row.recordingSid === 'string' && row.recordingSid ? [row.recordingSid] : []))),
  ];

  const counts: StoreCount[] = [];
  const erase = async (store: TableStore, rows: FoundRow[], mayGo: (row: FoundRow) => boolean = () => true, keptBecause?: string) => {
    const going = rows.filter(mayGo);
    if (options.apply) for (const row of going) await io.deleteRow(store, row);
    const kept = rows.length - going.length;
    counts.push({
      store,
      found: rows.length,
      deleted: options.apply ? going.length : 0,
      kept,
      ...(kept && keptBecause && { keptBecause }),
    });
  };
  // Conversations and recordings first: if the run stops half-way, the rows that lead to them are still there.
  if (io.has.conversations) await erase('conversations', conversations);
  let recordingsDeleted = 0;
  if (options.apply) for (const sid of recordingSids) if (await io.deleteRecording(sid)) recordingsDeleted++;
  counts.push({ store: 'recordings', found: recordingSids.length, deleted: recordingsDeleted, kept: 0 });
  // A poisoned message is sent only if someone replays it: erased, it never is (its ledger row stays poisoned).
  const held = await io.poisonMessages();
  const poisoned = held.filter((message) => messageHoldsNumber(message.text, number));
  for (const message of held) {
    if (options.apply && poisoned.includes(message)) await io.deleteMessage(message);
    else await io.releaseMessage(message);
  }
  counts.push({ store: 'poisonMessages', found: poisoned.length, deleted: options.apply ? poisoned.length : 0, kept: 0 });
  // An event too large for the queue, kept whole: Twilio's numbers are in its data (to, from, ...).
  const keptEvents = (await io.keptEvents()).filter((blob) => blobHoldsNumber(blob.text, number));
  if (options.apply) for (const blob of keptEvents) await io.deleteKeptEvent(blob);
  counts.push({ store: 'keptEvents', found: keptEvents.length, deleted: options.apply ? keptEvents.length : 0, kept: 0 });
  await erase('ledger', ledger, (row) => ledgerRowMayGo(row.status), KEPT_LEDGER);
  await erase('optOuts', optOuts);
  if (io.has.activity) await erase('activity', activity);
  await erase('autoReplies', autoReplies);
  return counts;
}

/** The report, one line per store, in the order data flows; it never shows the number. */
export function describeCounts(counts: StoreCount[], applied: boolean): string[] {
  const order: Array<StoreCount['store']> = [
    'ledger',
    'poisonMessages',
    'keptEvents',
    'optOuts',
    'autoReplies',
    'activity',
    'conversations',
    'recordings',
  ];
  const lines = [...counts]
    .sort((a, b) => order.indexOf(a.store) - order.indexOf(b.store))
    .map((count) => {
      const label = `${STORE_LABELS[count.store]}:`.padEnd(42);
      const done = applied ? `${count.deleted} deleted` : `${count.found - count.kept} to delete`;
      const kept = count.kept ? `, ${count.kept} kept (${count.keptBecause ?? 'kept'})` : '';
      return `  ${label}${count.found} found, ${done}${kept}`;
    });
  return lines;
}

// Property-based hostile input against the JSON APIs and the two file routes, in process: the exported handlers of
// the opt-out API (GET/PUT/DELETE /api/optouts/{address}, the list), the batch endpoint, cancel (DELETE
// /api/outbound/{key}), the audio function and the recordings link, with real @azure/functions HttpRequest objects
// and Azurite behind them. Besides the answer (never a throw, which the host turns into a 500; never a stack trace
// or a secret), every run compares storage before and after: a refused request changes no opt-out, writes no ledger
// row and enqueues nothing; a link or a file name the app did not hand out gets nothing.
import fc from 'fast-check';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { BlobServiceClient } from '@azure/storage-blob';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { audio } from '../../functions/audio';
import { optOut } from '../../functions/optOut';
import { optOutList } from '../../functions/optOutList';
import { outboundBatch } from '../../functions/outboundBatch';
import { outboundCancel } from '../../functions/outboundCancel';
import { outboundPost } from '../../functions/outboundPost';
import { recording } from '../../functions/recording';
import { recordOptOut } from '../../shared/outbound/optOutTable';
import { updateLedgerRow } from '../../shared/outbound/ledgerTable';
import { recordingLinkKey, resetRecordingLinkKeyForTests, saveRecordingCopy } from '../../shared/recordings/recordingBlob';
import { recordingLinkQuery } from '../../shared/recordings/recordingLink';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { resetStorageClientsForTests } from '../../shared/platform/storageClients';
import { hostileValue } from '../../harness/hostileInput';
import { leakedSecrets, SENTINEL_CREDENTIALS } from '../../harness/secrets';

/** Runs per property; FUZZ_RUNS digs deeper (see docs/reliability.md). */
const RUNS = Number(process.env.FUZZ_RUNS) || 40;
const ORIGIN = 'https://calls.example.com';
const NAMES = {
  optOuts: 'apifuzzoptouts',
  ledger: 'apifuzzledger',
  queue: 'apifuzz-outbound',
  events: 'apifuzz-events',
  recordings: 'apifuzz-recordings',
  audio: 'apifuzz-audio',
};
/** Deeper runs (FUZZ_RUNS) take longer than jest's usual minute: each run also reads storage twice. */
const TIMEOUT = Math.max(60_000, RUNS * 1_000);
const STACK_TRACE = /\n\s+at |node_modules|\.ts:\d+|\.js:\d+/;

let azurite: RunningAzurite;
const savedEnv = { ...process.env };

beforeAll(async () => {
  azurite = await startAzurite();
  process.env = {
    ...savedEnv,
    AzureWebJobsStorage: azurite.connectionString,
    ...SENTINEL_CREDENTIALS,
    TWILIO_FROM_NUMBER: '+14155550006',
    OUTBOUND_QUEUE: NAMES.queue,
    OUTBOUND_LEDGER: NAMES.ledger,
    OPTOUT_TABLE: NAMES.optOuts,
    EVENTS_QUEUE: NAMES.events,
    RECORDINGS_CONTAINER: NAMES.recordings,
    AUDIO_CONTAINER: NAMES.audio,
    // Some recipients the batch fuzz picks are refused by country; no WEBHOOK_BASE_URL, so a call to a path of
    // this app cannot be sent either.
    OUTBOUND_ALLOWED_COUNTRIES: '1,44',
  };
  resetSettingsForTests();
  resetStorageClientsForTests();
  resetRecordingLinkKeyForTests();
});

afterAll(async () => {
  process.env = { ...savedEnv };
  resetSettingsForTests();
  resetStorageClientsForTests();
  resetRecordingLinkKeyForTests();
  await azurite?.stop();
});

interface Outcome {
  status: number;
  headers: Headers;
  /** The body as text ('' when none); JSON bodies serialised. */
  body: string;
  hasBody: boolean;
  thrown?: unknown;
}

async function bodyText(response: HttpResponseInit): Promise<string> {
  if (response.jsonBody !== undefined) return JSON.stringify(response.jsonBody);
  const body = response.body;
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) return Buffer.from(body).toString('latin1');
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('latin1');
}

/** A path segment for the request's URL; the handler reads the route parameter as given (lone surrogates and all). */
const segment = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'));

/** Runs a handler as the host would: a throw is what it turns into a 500. */
async function invoke(
  handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
  init: { method: string; path: string; params?: Record<string, string>; body?: string; headers?: Record<string, string> },
): Promise<Outcome> {
  const request = new HttpRequest({
    method: init.method,
    url: `${ORIGIN}${init.path}`,
    headers: init.headers ?? {},
    params: init.params ?? {},
    ...(init.body === undefined ? {} : { body: { string: init.body } }),
  });
  try {
    const response = await handler(request, new InvocationContext({ functionName: 'fuzz' }));
    const body = await bodyText(response);
    return { status: response.status ?? 200, headers: new Headers(response.headers), body, hasBody: body !== '' };
  } catch (thrown) {
    return { status: 500, headers: new Headers(), body: '', hasBody: false, thrown };
  }
}

/** A clean answer: no throw, no 5xx, no stack trace, no credential. */
function expectClean(outcome: Outcome, statuses: number[]): void {
  if (outcome.thrown) throw new Error(`threw (the host answers 500): ${String((outcome.thrown as Error).stack ?? outcome.thrown)}`);
  expect(statuses).toContain(outcome.status);
  expect(outcome.body).not.toMatch(STACK_TRACE);
  expect(leakedSecrets(outcome.body)).toEqual([]);
}

const table = (name: string) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
const queue = (name: string) => new QueueClient(azurite.connectionString, name);

/** Every entity of a table with its ETag: any write, even of the same values, shows. */
async function tableState(name: string): Promise<string[]> {
  const rows: string[] = [];
  try {
    for await (const entity of table(name).listEntities()) rows.push(`${entity.partitionKey}|${entity.rowKey}|${entity.etag}`);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return rows.sort();
}

async function queueLength(name: string): Promise<number> {
  try {
    return (await queue(name).getProperties()).approximateMessagesCount ?? 0;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 0;
    throw error;
  }
}

/** What a refused outbound request must not have touched. */
async function outboundState(): Promise<{ ledger: string[]; queued: number; events: number }> {
  return { ledger: await tableState(NAMES.ledger), queued: await queueLength(NAMES.queue), events: await queueLength(NAMES.events) };
}

/** Addresses: valid numbers and channel addresses, near misses, OData injection, hostile text. */
const VALID = ['+14155550100', '+14155550101', 'whatsapp:+14155550102'];
const address = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VALID) },
  fc.stringMatching(/^\+[1-9]\d{1,14}$/),
  fc.stringMatching(/^whatsapp:\+[1-9]\d{1,14}$/),
  fc.constantFrom(
    "+14155550100' or PartitionKey ne '",
    "' or 1 eq 1 or RowKey eq '",
    '+14155550100\n',
    ' +14155550100',
    '+1 415 555 0100',
    'WhatsApp:+14155550100',
    'whatsapp:',
    'sms:+14155550100',
    '%2B14155550100',
    '..',
    '',
    'x'.repeat(2000),
  ),
  hostileValue,
);
const sender = fc.oneof(fc.constantFrom('*', '+14155550006', 'MG0123456789abcdef0123456789abcdef', 'MG0123'), address);

describe('the opt-out API (GET/PUT/DELETE /api/optouts/{address})', () => {
  const putBody = fc.oneof(
    fc.constant(''),
    fc
      .record({ sender, keyword: fc.oneof(fc.constantFrom('STOP', 'API', 'unsubscribe'), hostileValue) }, { requiredKeys: [] })
      .map((b) => JSON.stringify(b)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    hostileValue,
    fc.constantFrom('{"sender":"*","extra":1}', '{"__proto__":{"sender":"*"}}', '{"keyword":"x".repeat}', 'null', '[]', '{'),
  );
  const request = fc.record({
    method: fc.constantFrom('GET', 'PUT', 'PUT', 'DELETE', 'DELETE'),
    address,
    sender: fc.option(sender, { nil: undefined, freq: 2 }),
    body: putBody,
  });

  test(
    'answers 200, 400 or 404 to anything, and a refused or read-only request changes no opt-out',
    async () => {
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          // Opt-outs to read and delete, so GET and DELETE succeed now and then as well as refusing.
          for (const valid of VALID) await recordOptOut(valid, 'STOP', undefined, 'sms');
          const before = await tableState(NAMES.optOuts);
          const query = r.sender === undefined ? '' : `?${new URLSearchParams({ sender: r.sender })}`;
          const outcome = await invoke(optOut, {
            method: r.method,
            path: `/api/optouts/${segment(r.address)}${query}`,
            params: { address: r.address },
            ...(r.method === 'PUT' ? { body: r.body } : {}),
          });
          expectClean(outcome, [200, 400, 404]);
          seen.add(`${r.method} ${outcome.status}`);
          const after = await tableState(NAMES.optOuts);
          if (outcome.status !== 200 || r.method === 'GET') expect(after).toEqual(before);
          else expect(after).not.toEqual(before);
        }),
        { numRuns: RUNS * 3 },
      );
      // The generators reach both sides: changes made and changes refused.
      expect([...seen]).toEqual(expect.arrayContaining(['PUT 200', 'PUT 400', 'DELETE 200', 'DELETE 400', 'GET 200', 'GET 400']));
    },
    TIMEOUT,
  );

  test(
    'the list answers 200 or 400 to any pageSize and continuationToken, and changes nothing',
    async () => {
      const token = fc.oneof(
        hostileValue,
        fc.base64String({ maxLength: 200 }),
        fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString('base64')),
        fc.constantFrom('eyJuZXh0UGFydGl0aW9uS2V5IjoieCJ9', 'e30=', 'bnVsbA==', 'W10=', 'AAAA'),
      );
      const size = fc.oneof(fc.integer({ min: -5, max: 1005 }).map(String), hostileValue);
      await fc.assert(
        fc.asyncProperty(fc.option(size, { nil: undefined }), fc.option(token, { nil: undefined }), async (pageSize, continuationToken) => {
          const before = await tableState(NAMES.optOuts);
          const query = new URLSearchParams();
          if (pageSize !== undefined) query.set('pageSize', pageSize);
          if (continuationToken !== undefined) query.set('continuationToken', continuationToken);
          const outcome = await invoke(optOutList, { method: 'GET', path: `/api/optouts?${query}` });
          expectClean(outcome, [200, 400]);
          expect(await tableState(NAMES.optOuts)).toEqual(before);
        }),
        { numRuns: RUNS * 2 },
      );
    },
    TIMEOUT,
  );
});

const e164 = fc.stringMatching(/^\+1415555\d{4}$/);
const later = () => new Date(Date.now() + 3600_000).toISOString();
/** Mostly messages that pass, with one field broken now and then, so batches land on both sides. */
const batchMessage = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('sms'), to: e164, body: fc.string({ minLength: 1, maxLength: 20 }) }) },
  // Sendable but for a setting: a country OUTBOUND_ALLOWED_COUNTRIES leaves out, a call whose url needs WEBHOOK_BASE_URL.
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.record({ type: fc.constant('sms'), to: fc.constantFrom('+33142685300', '+61298765432'), body: fc.constant('x') }),
      fc.record({ type: fc.constant('call'), to: e164, url: fc.constant('/api/message?Message=Hi') }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        type: fc.constantFrom('sms', 'call', 'fax', ''),
        to: address,
        body: fc.oneof(fc.string({ maxLength: 20 }), hostileValue),
        sendAt: fc.oneof(fc.constant('later'), fc.constantFrom('2000-01-01T00:00:00Z', 'tomorrow', '2999-01-01T00:00:00Z'), hostileValue),
        idempotencyKey: fc.oneof(fc.stringMatching(/^[a-z0-9]{1,10}$/), hostileValue),
        url: fc.oneof(fc.constantFrom('https://example.com/twiml', '/api/message?Message=Hi'), hostileValue),
        metadata: fc.jsonValue(),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
);

describe('the batch endpoint (POST /api/outbound/batch)', () => {
  test(
    'answers 200 or 400 to any body; a refused batch writes nothing, and an invalid entry of an accepted one neither',
    async () => {
      let batches = 0;
      const body = fc.oneof(
        { weight: 4, arbitrary: fc.record({ messages: fc.array(batchMessage, { maxLength: 6 }) }) },
        {
          weight: 1,
          arbitrary: fc.record({
            // Two keys reused now and then: a producer retrying, or reusing a key for other content.
            idempotencyKey: fc.oneof(fc.constantFrom('batch-a', 'batch-b'), fc.stringMatching(/^[A-Za-z0-9]{1,12}$/), hostileValue),
            messages: fc.array(batchMessage, { maxLength: 4 }),
          }),
        },
        { weight: 1, arbitrary: fc.jsonValue() },
        { weight: 1, arbitrary: fc.constantFrom('{"messages":', '', 'null', `{"messages":[${'{"type":"sms"},'.repeat(1000)}{}]}`) },
      );
      const statuses = new Set<number>();
      await fc.assert(
        fc.asyncProperty(body, async (input) => {
          const text = typeof input === 'string' ? input : JSON.stringify(input).replace(/"later"/g, JSON.stringify(later()));
          // Keys the fuzz writes are its own: a batch key per run, unless the input names one.
          const path = `/api/outbound/batch`;
          const before = await outboundState();
          const outcome = await invoke(outboundBatch, { method: 'POST', path, body: text });
          expectClean(outcome, [200, 400]);
          statuses.add(outcome.status);
          const after = await outboundState();
          if (outcome.status === 400) {
            expect(after).toEqual(before);
            return;
          }
          batches++;
          const answer = JSON.parse(outcome.body) as { results: Array<{ key: string; status?: string; issues?: unknown[] }> };
          const keys = new Set(after.ledger.map((row) => row.split('|')[0]));
          for (const result of answer.results) {
            if (result.status) expect(keys.has(result.key)).toBe(true);
            // An invalid entry's key holds no row (unless an earlier run wrote one under it).
            else if (!before.ledger.some((row) => row.startsWith(`${result.key}|`))) expect(keys.has(result.key)).toBe(false);
          }
        }),
        { numRuns: RUNS },
      );
      expect([...statuses].sort()).toEqual([200, 400]);
      expect(batches).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});

describe('the batch endpoint refuses an entry the way POST /api/outbound refuses the message, and takes the rest', () => {
  // Found by the fuzz above: each of these threw out of the handler (a 500 for the whole batch) after the entries
  // before it had been accepted, so a producer retrying a batch without a key sent those twice.
  const batch = (messages: unknown[], idempotencyKey?: string) =>
    invoke(outboundBatch, { method: 'POST', path: '/api/outbound/batch', body: JSON.stringify({ idempotencyKey, messages }) });
  const fine = (n: number) => ({ type: 'sms', to: `+1415555${String(3000 + n)}`, body: `fine ${n}` });

  test.each([
    ['a country OUTBOUND_ALLOWED_COUNTRIES leaves out', { type: 'sms', to: '+33142685300', body: 'bonjour' }, /OUTBOUND_ALLOWED_COUNTRIES/],
    [
      'a call to a path of the app without WEBHOOK_BASE_URL',
      { type: 'call', to: '+14155553999', url: '/api/message?Message=Hi' },
      /WEBHOOK_BASE_URL/,
    ],
  ])('%s: that entry gets its issue, nothing is written for it, the others are accepted', async (_, refused, reason) => {
    const n = Math.floor(Math.random() * 900);
    const outcome = await batch([fine(n), refused, fine(n + 1)]);
    expectClean(outcome, [200]);
    const answer = JSON.parse(outcome.body) as {
      valid: number;
      invalid: number;
      results: Array<{ key: string; status?: string; issues?: Array<{ message: string }> }>;
    };
    expect(answer).toMatchObject({ valid: 2, invalid: 1 });
    expect(answer.results.map((r) => r.status)).toEqual(['accepted', undefined, 'accepted']);
    expect(answer.results[1].issues?.map((i) => i.message).join(' ')).toMatch(reason);
    expect((await tableState(NAMES.ledger)).some((row) => row.startsWith(`${answer.results[1].key}|`))).toBe(false);
  });

  test('a key already used for other content: that entry gets its issue and its message stays as it was', async () => {
    const key = `reused-${Date.now()}`;
    expectClean(await batch([fine(1)], key), [200]);
    const before = await tableState(NAMES.ledger);
    const outcome = await batch([{ ...fine(1), body: 'other content' }, fine(2)], key);
    expectClean(outcome, [200]);
    const answer = JSON.parse(outcome.body) as { results: Array<{ key: string; status?: string; issues?: Array<{ path: string }> }> };
    expect(answer.results[0]).toMatchObject({ issues: [{ path: 'idempotencyKey' }] });
    expect(answer.results[1]).toMatchObject({ status: 'accepted' });
    const after = await tableState(NAMES.ledger);
    expect(after.filter((row) => row.startsWith(`${answer.results[0].key}|`))).toEqual(
      before.filter((row) => row.startsWith(`${answer.results[0].key}|`)),
    );
  });
});

describe('metadata nested deeper than JSON.stringify can write', () => {
  // JSON.parse reads it; writing it to check its size threw a RangeError, a 500 from POST /api/outbound and the batch.
  const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;

  test('POST /api/outbound answers 400 with the metadata issue and writes nothing', async () => {
    const before = await outboundState();
    const outcome = await invoke(outboundPost, {
      method: 'POST',
      path: '/api/outbound',
      body: `{"type":"sms","to":"+14155550123","body":"x","metadata":${deep}}`,
    });
    expectClean(outcome, [400]);
    expect(outcome.body).toContain('metadata');
    expect(await outboundState()).toEqual(before);
  });

  test('a batch answers that entry with the metadata issue and takes the others', async () => {
    const outcome = await invoke(outboundBatch, {
      method: 'POST',
      path: '/api/outbound/batch',
      body: `{"messages":[{"type":"sms","to":"+14155553001","body":"x","metadata":${deep}},{"type":"sms","to":"+14155553002","body":"y"}]}`,
    });
    expectClean(outcome, [200]);
    expect(JSON.parse(outcome.body)).toMatchObject({
      valid: 1,
      invalid: 1,
      results: [{ issues: [{ path: 'metadata' }] }, { status: 'accepted' }],
    });
  });
});

describe('cancel (DELETE /api/outbound/{key})', () => {
  let n = 0;
  /** A fresh message scheduled an hour ahead: accepted, so a cancel takes it. */
  async function scheduled(): Promise<string> {
    const key = `fuzz-cancel-${n++}`;
    const body = JSON.stringify({ type: 'sms', to: '+14155550123', body: 'x', sendAt: later(), idempotencyKey: key });
    const outcome = await invoke(outboundPost, { method: 'POST', path: '/api/outbound', body });
    expect(outcome.status).toBe(202);
    return key;
  }

  test(
    'answers 200, 404 or 409 to any key; only an accepted message changes (to canceled), and a cancel retried changes nothing',
    async () => {
      const sentKey = await scheduled();
      // Sent already: claimed by an attempt that Twilio took (what the queue function would have written).
      await updateLedgerRow(sentKey, (row) => row && { ...row, status: 'sent', sid: `SM${'0'.repeat(32)}` });
      const canceledKey = await scheduled();
      expect(
        (await invoke(outboundCancel, { method: 'DELETE', path: `/api/outbound/${canceledKey}`, params: { key: canceledKey } })).status,
      ).toBe(200);
      const key = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('fresh', 'fresh', 'sent', 'canceled').map((kind) => ({ kind })) },
        fc
          .oneof(
            fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@=-]{0,40}$/),
            hostileValue,
            fc.constantFrom("x' or 1 eq 1", 'fuzz-cancel-0 ', 'FUZZ-CANCEL-0', 'a'.repeat(201)),
          )
          .map((value) => ({
            kind: 'other',
            value,
          })),
      );
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(key, async (k) => {
          const value =
            k.kind === 'fresh'
              ? await scheduled()
              : k.kind === 'sent'
                ? sentKey
                : k.kind === 'canceled'
                  ? canceledKey
                  : (k as { value: string }).value;
          const before = await outboundState();
          const outcome = await invoke(outboundCancel, {
            method: 'DELETE',
            path: `/api/outbound/${segment(value)}`,
            params: { key: value },
          });
          expectClean(outcome, [200, 404, 409]);
          seen.add(`${k.kind} ${outcome.status}`);
          const after = await outboundState();
          if (k.kind === 'fresh') {
            expect(outcome.status).toBe(200);
            expect(JSON.parse(outcome.body)).toMatchObject({ key: value, status: 'canceled' });
            expect(after.ledger).not.toEqual(before.ledger);
            return;
          }
          if (k.kind === 'sent') expect(outcome.status).toBe(409);
          if (k.kind === 'canceled') expect(outcome.status).toBe(200);
          expect(after.ledger).toEqual(before.ledger);
          expect(after.queued).toBe(before.queued);
        }),
        { numRuns: RUNS },
      );
      expect([...seen]).toEqual(expect.arrayContaining(['fresh 200', 'sent 409', 'canceled 200', 'other 404']));
    },
    TIMEOUT,
  );
});

describe('the audio function (GET/HEAD /api/audio/{name})', () => {
  const FILES: Record<string, Buffer> = {
    'hold-music.mp3': Buffer.from('ID3 hold music'),
    'greeting.v2.wav': Buffer.from('RIFF greeting'),
  };
  /** In the same container, but no audio file by name; and the recordings container beside it. */
  const NOT_SERVED = ['notes.txt', 'folder/inner.mp3', '.hidden.mp3'];

  beforeAll(async () => {
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = blobs.getContainerClient(NAMES.audio);
    await container.createIfNotExists();
    for (const [name, bytes] of Object.entries(FILES)) await container.getBlockBlobClient(name).uploadData(bytes);
    for (const name of NOT_SERVED) await container.getBlockBlobClient(name).uploadData(Buffer.from('not for callers'));
    await saveRecordingCopy(`RE${'1'.repeat(32)}`, { bytes: Buffer.from('ID3 a voicemail'), contentType: 'audio/mpeg' }, 9_999_999_999);
  });

  test(
    'serves exactly the audio files by their exact name, and to any other name answers a clean 404',
    async () => {
      const near = fc
        .tuple(
          fc.constantFrom(...Object.keys(FILES), ...NOT_SERVED),
          fc.nat(),
          fc.constantFrom('/', '..', '%2F', '\\', '\u0000', ' ', '.', 'A', '?', '#', '%00'),
        )
        .map(([name, at, insert]) => name.slice(0, at % (name.length + 1)) + insert + name.slice(at % (name.length + 1)));
      const name = fc.oneof(
        fc.constantFrom(...Object.keys(FILES), ...NOT_SERVED),
        fc.constantFrom(
          `../${NAMES.recordings}/RE${'1'.repeat(32)}.mp3`,
          `RE${'1'.repeat(32)}.mp3`,
          'link-signing-key',
          'HOLD-MUSIC.MP3',
          'hold-music.mp3/',
          'hold-music.mp3?comp=list',
          '%2e%2e%2fhold-music.mp3',
          '',
        ),
        near,
        hostileValue,
      );
      await fc.assert(
        fc.asyncProperty(
          name,
          fc.constantFrom('GET', 'HEAD'),
          fc.option(fc.constantFrom('*', '"x"', ''), { nil: undefined }),
          async (n, method, ifNoneMatch) => {
            const outcome = await invoke(audio, {
              method,
              path: `/api/audio/${segment(n)}`,
              params: { name: n },
              headers: ifNoneMatch === undefined ? {} : { 'if-none-match': ifNoneMatch },
            });
            expectClean(outcome, [200, 404]);
            if (Object.prototype.hasOwnProperty.call(FILES, n)) {
              expect(outcome.status).toBe(200);
              expect(outcome.body).toBe(method === 'HEAD' ? '' : FILES[n].toString('latin1'));
              return;
            }
            expect(outcome.status).toBe(404);
            expect(outcome.body).toBe('No such audio file.\n');
          },
        ),
        { numRuns: RUNS * 2 },
      );
    },
    TIMEOUT,
  );
});

describe('the recordings link (GET /api/recordings/{sid})', () => {
  const A = `RE${'a'.repeat(32)}`;
  const B = `RE${'b'.repeat(32)}`;
  const AUDIO = { [A]: 'ID3 recording A', [B]: 'ID3 recording B' };
  let key: Buffer;
  let expiresAt: number;

  beforeAll(async () => {
    expiresAt = Math.floor(Date.now() / 1000) + 3600;
    for (const sid of [A, B]) await saveRecordingCopy(sid, { bytes: Buffer.from(AUDIO[sid]), contentType: 'audio/mpeg' }, expiresAt);
    key = await recordingLinkKey();
  });

  const open = (sid: string, query: string) =>
    invoke(recording, { method: 'GET', path: `/api/recordings/${sid}?${query}`, params: { sid } });
  const genuine = (sid: string, exp = expiresAt) => new URLSearchParams(recordingLinkQuery(key, { sid, expiresAt: exp }));

  test('the link the app hands out opens its recording, and only that one', async () => {
    const outcome = await open(A, genuine(A).toString());
    expect([outcome.status, outcome.body]).toEqual([200, AUDIO[A]]);
  });

  /** A change to the genuine link of A, and what it still opens: nothing, unless the change means the same link. */
  const tampering = fc.oneof(
    fc.constant({ name: 'the link for another recording', sid: B, query: () => genuine(A) }),
    fc.integer({ min: 0, max: 10 * 365 * 86400 }).map((ago) => ({
      name: 'an expired link, signed with the real key',
      sid: A,
      query: () => genuine(A, Math.floor(Date.now() / 1000) - ago),
    })),
    fc.tuple(fc.nat(), fc.constantFrom('A', '_', '-', 'z', '0', '=', '+', '/')).map(([at, c]) => ({
      name: 'a signature with one character changed',
      sid: A,
      query: () => {
        const q = genuine(A);
        const sig = q.get('sig')!;
        const i = at % sig.length;
        q.set('sig', sig.slice(0, i) + (sig[i] === c ? (c === 'A' ? 'B' : 'A') : c) + sig.slice(i + 1));
        return q;
      },
    })),
    fc.nat().map((at) => ({
      name: 'a signature cut short or padded',
      sid: A,
      query: () => {
        const q = genuine(A);
        const sig = q.get('sig')!;
        q.set('sig', at % 2 ? sig.slice(0, at % sig.length) : `${sig}=`);
        return q;
      },
    })),
    fc.constant({
      name: 'the signature in upper case',
      sid: A,
      query: () => {
        const q = genuine(A);
        q.set('sig', q.get('sig')!.toUpperCase());
        return q;
      },
    }),
    fc.integer({ min: 1, max: 10 * 365 * 86400 }).map((later) => ({
      name: 'the expiry moved later, the signature kept',
      sid: A,
      query: () => {
        const q = genuine(A);
        q.set('exp', String(expiresAt + later));
        return q;
      },
    })),
    fc.constant({ name: 'the sid in upper case', sid: A.toUpperCase(), query: () => genuine(A) }),
    fc.constant({ name: "another recording's link with this sid", sid: A, query: () => genuine(B) }),
    fc.constant({ name: 'no signature', sid: A, query: () => new URLSearchParams({ exp: String(expiresAt) }) }),
    fc.constant({ name: 'no expiry', sid: A, query: () => new URLSearchParams({ sig: genuine(A).get('sig')! }) }),
    fc.constant({
      name: 'a signature signed with another key',
      sid: A,
      query: () => new URLSearchParams(recordingLinkQuery(Buffer.alloc(32, 7), { sid: A, expiresAt })),
    }),
  );

  test(
    'a link for another recording, an expired link and an altered signature each get 403 and no body',
    async () => {
      const tried = new Set<string>();
      await fc.assert(
        fc.asyncProperty(tampering, async (t) => {
          tried.add(t.name);
          const outcome = await open(t.sid, t.query().toString());
          expectClean(outcome, [403]);
          expect(outcome.hasBody).toBe(false);
        }),
        { numRuns: RUNS * 2 },
      );
      expect(tried.size).toBeGreaterThan(5);
    },
    TIMEOUT,
  );
});

// Bad webhooks and hostile input over HTTP, through the local host (so its own request handling is covered
// too), with the whole app running: Azurite, the Twilio mock behind the recording proxy, sentinel credentials.
// A valid SMS or voicemail callback really sends a message, so "nothing was sent" below means something.
import fc from 'fast-check';
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { BlobServiceClient } from '@azure/storage-blob';
import { CLIENT_IDENTITY } from '../../shared/calling/identity';
import { recordingLinkQuery } from '../../shared/recordings/recordingLink';
import { CONSOLE_ROUTES } from '../../shared/console/consoleRoutes';
import { ALICE, hostilePrincipalHeaders, principalHeaders } from '../../harness/principal';
import { formParamsOf, hostileBody, hostileForm, hostileValue, unacceptable, type Answer } from '../../harness/hostileInput';
import { streamDelivery, streamEvent, type StreamDelivery } from '../../harness/eventStreamsBatch';
import { BATCH_LIMITS } from '../../shared/eventStreams/batch';
import { oversizedBlobName } from '../../shared/eventStreams/oversizedBlob';
import { settledSnapshot, storageSnapshot, tableState } from '../../harness/storageSnapshot';
import { genuineWebhooks, recordingCallback, uniqueSid, webhookUrl, type GenuineWebhook } from '../../harness/genuineWebhooks';
import { rawGet, rawRequest } from '../../harness/rawHttp';
import { leakedSecrets, SENTINEL_CREDENTIALS, SENTINEL_SURFACE_SECRETS } from '../../harness/secrets';
import { httpFunctions, SENTINEL_APP, startSentinelApp, type SentinelApp } from '../../harness/sentinelApp';
import { formBody, sign, smsParams } from '../../harness/twilioRequests';
import { waitFor } from '../../harness/waitFor';

const TOKEN = SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN;
/** Runs per property; FUZZ_RUNS digs deeper (see docs/reliability.md). */
const RUNS = Number(process.env.FUZZ_RUNS) || 40;
let app: SentinelApp;

beforeAll(async () => {
  app = await startSentinelApp('hostile');
});

afterAll(async () => {
  await app?.stop();
});

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
}

function post(
  url: string,
  params: Record<string, string>,
  signature: string | undefined,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(signature === undefined ? {} : { 'X-Twilio-Signature': signature }),
      ...headers,
    },
    body: formBody(params),
  });
}

/** The host must not have failed an invocation or logged a credential, whatever it was sent. */
function expectCleanHostOutput(): void {
  expect(app.host.output()).not.toMatch(/\(Failed\)|Request handling failed/);
  expect(leakedSecrets(app.host.output())).toEqual([]);
}

/** The genuine request's signature reused on something else, or no signature, or a wrong one. */
function badVersions(webhook: GenuineWebhook): Array<{ name: string; status: number; send: () => Promise<Response> }> {
  const url = webhookUrl(app.host.baseUrl, webhook);
  const { params } = webhook;
  const genuine = sign(TOKEN, url, params);
  const [firstKey] = Object.keys(params);
  const { [firstKey]: _removed, ...fewer } = params;
  const otherFunction = url.replace(`/api/${webhook.name}`, webhook.name === 'message' ? '/api/whisper' : '/api/message');
  return [
    { name: 'unsigned', status: 400, send: () => post(url, params, undefined) },
    { name: 'with an empty signature', status: 400, send: () => post(url, params, '') },
    { name: 'signed with another auth token', status: 403, send: () => post(url, params, sign('another-auth-token', url, params)) },
    { name: 'with a made-up signature', status: 403, send: () => post(url, params, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=') },
    { name: 'replayed with a parameter changed', status: 403, send: () => post(url, { ...params, From: '+15550009999' }, genuine) },
    { name: 'replayed with a parameter added', status: 403, send: () => post(url, { ...params, Extra: '1' }, genuine) },
    { name: 'replayed with a parameter removed', status: 403, send: () => post(url, fewer, genuine) },
    {
      name: 'replayed with the query changed',
      status: 403,
      send: () => post(`${url}${webhook.query ? '&' : '?'}Timeout=5`, params, genuine),
    },
    { name: 'replayed to another function', status: 403, send: () => post(otherFunction, params, sign(TOKEN, url, params)) },
    { name: 'replayed to another host name', status: 403, send: () => post(url.replace('127.0.0.1', 'localhost'), params, genuine) },
    {
      name: 'replayed with the parameters in the query instead',
      status: webhook.postOnly ? 404 : 403,
      send: () => fetch(`${url}${webhook.query ? '&' : '?'}${formBody(params)}`, { headers: { 'X-Twilio-Signature': genuine } }),
    },
    {
      name: 'with the genuine signature and a forged one',
      status: 403,
      send: () => post(url, params, `${genuine}, RSOYDt4T1cUTdK1PDd93/VVr8B8=`),
    },
  ];
}

describe('bad webhooks', () => {
  test.each(genuineWebhooks().map((w) => [w.name, w] as const))(
    '/api/%s refuses unsigned (400), forged and changed replays (403), and takes the genuine request',
    async (_, webhook) => {
      for (const bad of badVersions(webhook)) {
        const refused = await answer(await bad.send());
        // A 404: the host's own answer to a method the function does not take, without a body.
        expect({ name: bad.name, status: refused.status, contentType: refused.contentType }).toEqual({
          name: bad.name,
          status: bad.status,
          contentType: bad.status === 404 ? '' : expect.stringMatching(/^text\/plain/),
        });
      }
      const accepted = await answer(
        await post(
          webhookUrl(app.host.baseUrl, webhook),
          webhook.params,
          sign(TOKEN, webhookUrl(app.host.baseUrl, webhook), webhook.params),
        ),
      );
      expect(unacceptable(accepted)).toBeUndefined();
      expect(accepted.status).toBe(200);
      expectCleanHostOutput();
    },
  );

  test('a refused SMS STOP sends no relay and records no opt-out; the genuine one then does both, once', async () => {
    const from = '+14155550123';
    const stop: GenuineWebhook = { name: 'sms', query: '', params: smsParams({ From: from, Body: 'STOP', MessageSid: uniqueSid('SM') }) };
    const seenBefore = app.twilio.requests.length;
    for (const bad of badVersions(stop)) await bad.send();
    const table = TableClient.fromConnectionString(app.azurite.connectionString, app.optOutTable, { allowInsecureConnection: true });
    // Scoped to the number that received the STOP (OPTOUT_SCOPE=sender, the default): see docs/outbound.md, Opt-outs.
    const scope = `sender:${stop.params.To}`;
    await expect(table.getEntity(scope, from)).rejects.toMatchObject({ statusCode: 404 });

    const url = webhookUrl(app.host.baseUrl, stop);
    expect((await post(url, stop.params, sign(TOKEN, url, stop.params))).status).toBe(200);
    expect(await table.getEntity(scope, from)).toMatchObject({ rowKey: from, keyword: 'STOP' });
    // Earlier tests' relays may still be on their way: only STOPs count (every bad version was a STOP too).
    const relays = () =>
      app.twilio.requests
        .slice(seenBefore)
        .filter(
          (r) => r.path.endsWith('/Messages.json') && r.form.get('To') === SENTINEL_APP.relayTo && /: STOP$/.test(r.form.get('Body') ?? ''),
        );
    await waitFor(() => (relays().length ? true : undefined), { context: () => app.host.output() });
    await new Promise((r) => setTimeout(r, 500)); // a refused request that had been enqueued would have arrived by now
    expect(relays().map((r) => r.form.get('Body'))).toEqual([`From ${from}: STOP`]);
  });

  test('a refused voicemail callback sends no notification, nor does a signed one with a bad Notify; the genuine one then sends one, whose link opens', async () => {
    const recording: GenuineWebhook = { name: 'voicemail', query: '', params: recordingCallback() };
    const seenBefore = app.twilio.requests.length;
    for (const bad of badVersions(recording)) await bad.send();
    const badNotify = `${app.host.baseUrl}/api/voicemail?Notify=not-a-number`;
    expect((await post(badNotify, recording.params, sign(TOKEN, badNotify, recording.params))).status).toBe(400);
    const url = webhookUrl(app.host.baseUrl, recording);
    expect((await post(url, recording.params, sign(TOKEN, url, recording.params))).status).toBe(200);
    const notifications = () =>
      app.twilio.requests
        .slice(seenBefore)
        .filter(
          (r) =>
            r.path.endsWith('/Messages.json') &&
            r.form.get('To') === SENTINEL_APP.notify &&
            r.form.get('Body')?.includes(recording.params.RecordingSid),
        );
    await waitFor(() => (notifications().length ? true : undefined), { context: () => app.host.output() });
    await new Promise((r) => setTimeout(r, 500));
    const bodies = notifications().map((r) => r.form.get('Body'));
    expect(bodies).toHaveLength(1);
    // Not Twilio's RecordingUrl (401 behind media authentication): the app's link to its copy.
    expect(bodies[0]).toMatch(
      new RegExp(
        `^New voicemail from \\${recording.params.From} \\(7 s\\): ${app.host.baseUrl}/api/recordings/${recording.params.RecordingSid}\\?exp=\\d+&sig=[\\w-]{43}$`,
      ),
    );
    const link = await fetch(bodies[0]!.slice(bodies[0]!.indexOf('http')));
    expect([link.status, link.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
  });
});

describe('hostile input over HTTP', () => {
  const webhooks = genuineWebhooks();

  test('signed hostile queries and bodies get TwiML or a clean 4xx from every webhook, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...webhooks).chain((w) =>
          fc.record({
            webhook: fc.constant(w),
            query: hostileForm(['Message', 'PhoneNumber', 'Digits', 'Body', 'From'], { maxPairs: 6 }),
            body: hostileBody(['Body', 'From', 'Message', 'Digits', 'PhoneNumber'], w.params),
          }),
        ),
        async ({ webhook, query, body }) => {
          // Signed for the URL fetch really requests: normalised, without a fragment or an empty `?`.
          const parsed = new URL(`${app.host.baseUrl}/api/${webhook.name}?${query}`);
          const url = `${parsed.origin}${parsed.pathname}${parsed.search}`;
          const headers = {
            'Content-Type': 'application/x-www-form-urlencoded',
            'X-Twilio-Signature': sign(TOKEN, url, formParamsOf(body)),
          };
          const response = await fetch(url, { method: 'POST', headers, body: new Uint8Array(body) });
          const got = await answer(response);
          expect(got.status).not.toBe(403);
          expect(unacceptable(got, { echoes: webhook.name === 'echo' })).toBeUndefined();
        },
      ),
      { numRuns: RUNS },
    );
    expectCleanHostOutput();
  });

  const message = (query = 'Message=Hi') => `${app.host.baseUrl}/api/message?${query}`;
  const signedPost = (
    url: string,
    body: string | Buffer,
    headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' },
  ) =>
    fetch(url, {
      method: 'POST',
      headers: { ...headers, 'X-Twilio-Signature': sign(TOKEN, new URL(url).href, formParamsOf(Buffer.from(body))) },
      body: new Uint8Array(Buffer.from(body)),
    });

  test.each([
    ['a 5 MB body', () => signedPost(message(), `Message=${'a'.repeat(5_000_000)}`), 200],
    ['100,000 parameters', () => signedPost(message(), Array.from({ length: 100_000 }, (_, i) => `P${i}=${i}`).join('&')), 200],
    [
      'bytes that are not UTF-8 in the body',
      () => signedPost(message(), Buffer.from([0x4d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x3d, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80])),
      200,
    ],
    [
      'broken escapes in the query and the body',
      () => signedPost(message('Message=%E0%A4%A&Message=%ZZ'), 'Message=%FF%&Message=%C3%28'),
      200,
    ],
    ['no Content-Type', () => signedPost(message(), 'Message=Hello', {}), 200],
    ['a JSON Content-Type on a form body', () => signedPost(message(), 'Message=Hello', { 'Content-Type': 'application/json' }), 200],
    [
      'a JSON body whose bodySHA256 does not match',
      () =>
        fetch(message(`bodySHA256=${'0'.repeat(64)}`), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Twilio-Signature': sign(TOKEN, message(`bodySHA256=${'0'.repeat(64)}`), {}) },
          body: '{"a":1}',
        }),
      403,
    ],
    [
      'a STOP from a sender that is no address',
      () => {
        const p = smsParams({ From: '+1/415#555?0111', Body: 'STOP', MessageSid: uniqueSid('SM') });
        const url = `${app.host.baseUrl}/api/sms`;
        return post(url, p, sign(TOKEN, url, p));
      },
      200,
    ],
  ])('%s gets TwiML or a clean 4xx', async (_, send, status) => {
    const got = await answer(await send());
    expect(unacceptable(got)).toBeUndefined();
    expect(got.status).toBe(status);
    expectCleanHostOutput();
  });

  test('a chunked body, signed, gets TwiML', async () => {
    const url = message();
    const head = `POST /api/message?Message=Hi HTTP/1.1\r\nHost: ${new URL(url).host}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\n`;
    const signature = sign(TOKEN, url, { Message: 'Hello' });
    const chunked = `${head}X-Twilio-Signature: ${signature}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nMessa\r\n8\r\nge=Hello\r\n0\r\n\r\n`;
    const got = await rawRequest(app.host.baseUrl, chunked);
    expect(unacceptable({ status: got.status, contentType: got.headers['content-type'] ?? '', body: got.body })).toBeUndefined();
    expect(got.body).toContain('<Say>Hello</Say>');
  });

  test.each([
    ['a broken escape in the path', rawGet('/api/message%E0%A4%A'), 404],
    [
      'bytes that are not UTF-8 in the request line',
      rawGet(Buffer.from([0x2f, 0x61, 0x70, 0x69, 0x2f, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x3f, 0xff, 0xfe])),
      400,
    ],
    ['a Host header that makes no URL', rawGet('/api/message', '[::bad'), 400],
    ['a control character in the request line', rawGet('/api/message?Message=\u0001'), 400],
  ])('%s is refused by the host with a clean status', async (_, request, status) => {
    const got = await rawRequest(app.host.baseUrl, request);
    expect(got.status).toBe(status);
    expect(leakedSecrets(got.body)).toEqual([]);
    expectCleanHostOutput();
  });

  test('every HTTP function the app registers answers garbage, unsigned or forged, without a 5xx, a stack trace or a secret', async () => {
    const functions = httpFunctions(app.host);
    expect(functions.map((f) => f.name)).toEqual(expect.arrayContaining(webhooks.map((w) => w.functionName ?? w.name)));
    const garbage = fc.record({
      fn: fc.constantFrom(...functions),
      query: hostileForm(['Message', 'key', 'code', 'exp', 'sig'], { maxPairs: 4 }),
      body: hostileBody(['Body', 'to', 'type'], {}),
      json: fc.boolean(),
      signature: fc.option(fc.base64String({ minLength: 4, maxLength: 40 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(garbage, async ({ fn, query, body, json, signature }) => {
        for (const method of fn.methods) {
          const response = await fetch(`${fn.url}?${query}`, {
            method,
            headers: {
              'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded',
              ...(signature ? { 'X-Twilio-Signature': signature } : {}),
            },
            ...(method === 'GET' || method === 'HEAD' ? {} : { body: new Uint8Array(body) }),
          });
          const got = await answer(response);
          expect({ fn: fn.name, method, status: got.status < 500 }).toEqual({ fn: fn.name, method, status: true });
          expect(got.body).not.toMatch(/\n\s+at |node_modules/);
          expect(leakedSecrets(got.body)).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
    expectCleanHostOutput();
  });
  test('the JSON APIs (batch, cancel, opt-outs) answer anything with a clean 2xx/4xx, and a refused request changes nothing and sends nothing', async () => {
    const base = app.host.baseUrl;
    const tables = (name: string) =>
      TableClient.fromConnectionString(app.azurite.connectionString, name, { allowInsecureConnection: true });
    /** Every entity with its ETag: any write shows. */
    const state = async (name: string) => {
      const rows: string[] = [];
      try {
        for await (const e of tables(name).listEntities()) rows.push(`${e.partitionKey}|${e.rowKey}|${e.etag}`);
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      }
      return rows.sort();
    };
    const address = fc.oneof(
      fc.stringMatching(/^\+[1-9]\d{1,14}$/),
      fc.stringMatching(/^whatsapp:\+[1-9]\d{1,14}$/),
      fc.constantFrom('+14155550190', '+14155550190', "+14155550190' or PartitionKey ne '"),
      fc.string({ maxLength: 40 }),
      fc.constantFrom('%ZZ', '..', 'whatsapp%3A%2B1', "'", '%27%20or%201%20eq%201'),
    );
    // Batch messages carry a marker in their body, so what reached Twilio can be told apart afterwards.
    let marker = 0;
    // Weighted so that batches are accepted in most runs as well as refused (both are asserted below).
    const message = fc.oneof(
      { weight: 3, arbitrary: fc.constant('valid') },
      fc.constantFrom({ to: 'x' }, { type: 'fax' }, { body: '' }, { to: '+33142685300' }, { sendAt: 'never' }),
    );
    const request = fc.oneof(
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('batch'),
          body: fc.oneof(
            fc.jsonValue(),
            { weight: 3, arbitrary: fc.record({ messages: fc.array(message, { maxLength: 5 }) }) },
            fc.record({ messages: fc.array(message, { maxLength: 3 }), extra: fc.jsonValue() }),
          ),
        }),
      },
      fc.record({ kind: fc.constant('optout'), address, method: fc.constantFrom('GET', 'PUT', 'DELETE'), body: fc.jsonValue() }),
      fc.record({ kind: fc.constant('cancel'), address }),
      fc.record({ kind: fc.constant('list'), address }),
    );
    const accepted = new Set<string>();
    const refused = new Set<string>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const segment = 'address' in r ? encodeURIComponent(r.address).replace(/%25/g, '%') : '';
        let markers: string[] = [];
        let body: unknown = 'body' in r ? r.body : undefined;
        if (r.kind === 'batch' && typeof body === 'object' && body !== null && 'messages' in body && Array.isArray(body.messages)) {
          const messages = (body.messages as unknown[]).map((m) => {
            const text = `hostile-batch-${marker++}`;
            return typeof m === 'object' && m !== null
              ? { type: 'sms', to: `+1415555${2000 + (marker % 1000)}`, body: text, ...m }
              : { type: 'sms', to: `+1415555${2000 + (marker % 1000)}`, body: text };
          });
          markers = messages.map((m) => m.body);
          body = { ...body, messages };
        }
        const [url, init]: [string, RequestInit] =
          r.kind === 'batch'
            ? [`${base}/api/outbound/batch`, { method: 'POST', body: JSON.stringify(body) }]
            : r.kind === 'optout'
              ? [
                  `${base}/api/optouts/${segment}?sender=${segment}`,
                  { method: r.method, ...(r.method === 'GET' ? {} : { body: JSON.stringify(r.body) }) },
                ]
              : r.kind === 'cancel'
                ? [`${base}/api/outbound/${segment}`, { method: 'DELETE' }]
                : [`${base}/api/optouts?pageSize=2&continuationToken=${segment}`, {}];
        const before = { optOuts: await state(app.optOutTable), ledger: await state('outboundledger') };
        const got = await answer(await fetch(url, init));
        expect({ kind: r.kind, status: got.status < 500 }).toEqual({ kind: r.kind, status: true });
        expect(got.body).not.toMatch(/\n\s+at |node_modules/);
        expect(leakedSecrets(got.body)).toEqual([]);
        const after = { optOuts: await state(app.optOutTable), ledger: await state('outboundledger') };
        const changed = got.status < 300 && !(r.kind === 'optout' && r.method === 'GET') && r.kind !== 'list';
        if (!changed) expect(after.optOuts).toEqual(before.optOuts);
        // Messages of earlier requests (relays, accepted batches) are being sent meanwhile, and add and change ledger
        // rows: only the key a cancel named is compared; a refused batch is proven by what reaches Twilio, below.
        const rowOf = (rows: string[]) => rows.filter((row) => 'address' in r && row.startsWith(`${r.address}|`));
        if (r.kind === 'cancel' && got.status >= 300) expect(rowOf(after.ledger)).toEqual(rowOf(before.ledger));
        if (r.kind !== 'batch') return;
        if (got.status >= 300) {
          for (const m of markers) refused.add(m);
          return;
        }
        const results = (JSON.parse(got.body) as { results: Array<{ index: number; status?: string }> }).results;
        for (const result of results) (result.status ? accepted : refused).add(markers[result.index]);
      }),
      { numRuns: RUNS },
    );
    // Each accepted message reaches Twilio once; no refused one ever does.
    const sent = () =>
      app.twilio.requests
        .filter((t) => t.path.endsWith('/Messages.json'))
        .map((t) => t.form.get('Body') ?? '')
        .filter((b) => b.startsWith('hostile-batch-'));
    await waitFor(() => ([...accepted].every((m) => sent().includes(m)) ? true : undefined), { context: () => app.host.output() });
    await new Promise((r) => setTimeout(r, 500));
    expect(sent().filter((b) => refused.has(b))).toEqual([]);
    expect(sent().length).toBe(new Set(sent()).size);
    expect([accepted.size > 0, refused.size > 0]).toEqual([true, true]);
    expectCleanHostOutput();
  });
});

describe('the token endpoint over HTTP', () => {
  test('forged, malformed and oversized principal headers get a token only for a valid identity, and a refusal issues none', async () => {
    const issued = () => app.host.output().match(/Issued a browser token/g)?.length ?? 0;
    const before = issued();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(hostilePrincipalHeaders, async (headers) => {
        const response = await fetch(`${app.host.baseUrl}/api/token`, { method: 'POST', headers });
        const body = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        // 431: the host's HTTP server refuses headers over its limit before the app sees them; 429: the rate limit.
        expect([200, 401, 429, 431]).toContain(response.status);
        expect(body).not.toMatch(/\n\s+at |node_modules/);
        expect(leakedSecrets(body)).toEqual([]);
        if (response.status !== 200) {
          expect(body).not.toContain('token"');
          return;
        }
        const { identity } = JSON.parse(body) as { identity: string };
        expect(CLIENT_IDENTITY.test(identity)).toBe(true);
        expect(identity).toBe(headers['X-MS-CLIENT-PRINCIPAL-ID'].toLowerCase());
      }),
      { numRuns: RUNS },
    );
    // The log lines arrive through a pipe: give the last ones a moment.
    await new Promise((r) => setTimeout(r, 200));
    expect(issued() - before).toBe(statuses.get(200) ?? 0);
    expect(statuses.get(401)).toBeGreaterThan(0);
    expectCleanHostOutput();
  });
});

describe('recording links over HTTP', () => {
  const A = `RE${'c'.repeat(32)}`;
  const B = `RE${'d'.repeat(32)}`;
  let key: Buffer;
  let expiresAt: number;

  beforeAll(async () => {
    // The app makes its link key on first use; then the test signs links with it, as the voicemail flow would.
    expect((await fetch(`${app.host.baseUrl}/api/recordings/${A}?exp=1&sig=x`)).status).toBe(403);
    const container = BlobServiceClient.fromConnectionString(app.azurite.connectionString).getContainerClient('hostile-recordings');
    key = await container.getBlockBlobClient('link-signing-key').downloadToBuffer();
    expiresAt = Math.floor(Date.now() / 1000) + 3600;
    for (const sid of [A, B]) {
      await container
        .getBlockBlobClient(`${sid}.mp3`)
        .uploadData(Buffer.from(`ID3 ${sid}`), { blobHTTPHeaders: { blobContentType: 'audio/mpeg' } });
    }
  });

  const link = (sid: string, query: string) => `${app.host.baseUrl}/api/recordings/${sid}?${query}`;
  const signed = (sid: string, exp = expiresAt) => recordingLinkQuery(key, { sid, expiresAt: exp });
  const withSig = (sig: (genuine: string) => string) => {
    const q = new URLSearchParams(signed(A));
    q.set('sig', sig(q.get('sig')!));
    return q.toString();
  };

  test('the link as signed opens its recording', async () => {
    const response = await fetch(link(A, signed(A)));
    expect([response.status, await response.text()]).toEqual([200, `ID3 ${A}`]);
  });

  test.each([
    ['a link for another recording', () => link(B, signed(A))],
    ['an expired link', () => link(A, signed(A, Math.floor(Date.now() / 1000) - 1))],
    ['a link that expired a year ago', () => link(A, signed(A, Math.floor(Date.now() / 1000) - 365 * 86400))],
    [
      'an altered signature (first character)',
      () =>
        link(
          A,
          withSig((s) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1)),
        ),
    ],
    [
      'an altered signature (last character)',
      () =>
        link(
          A,
          withSig((s) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A')),
        ),
    ],
    [
      'a signature cut short',
      () =>
        link(
          A,
          withSig((s) => s.slice(0, 20)),
        ),
    ],
    [
      'a signature with padding added',
      () =>
        link(
          A,
          withSig((s) => `${s}=`),
        ),
    ],
    [
      'a signature percent-encoded twice',
      () =>
        link(
          A,
          withSig((s) => encodeURIComponent(encodeURIComponent(`${s}/`))),
        ),
    ],
    ['the expiry moved a day later', () => link(A, signed(A).replace(/exp=\d+/, `exp=${expiresAt + 86400}`))],
    ['the sid in upper case', () => link(A.toUpperCase(), signed(A))],
    ['the sid with .mp3', () => link(`${A}.mp3`, signed(A))],
    ['the link key blob by name', () => link('link-signing-key', signed(A))],
  ])('%s gets 403 and no body', async (_, url) => {
    const response = await fetch(url());
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('');
    expectCleanHostOutput();
  });
});

describe('the Debugger webhook (/api/twilio-alerts) over HTTP', () => {
  const alert = (): Record<string, string> => ({
    AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID,
    Sid: uniqueSid('SM').replace(/^SM/, 'NO'),
    Level: 'ERROR',
    Timestamp: new Date().toISOString(),
    Payload: JSON.stringify({
      error_code: '11200',
      webhook: { request: { url: 'https://calls.example.com/api/voice?x=1', method: 'POST' } },
    }),
  });

  test('refuses unsigned (400), forged and changed replays (403), and takes the genuine event (204)', async () => {
    const webhook: GenuineWebhook = { name: 'twilio-alerts', functionName: 'twilioAlerts', query: '', params: alert() };
    for (const bad of badVersions(webhook)) {
      const refused = await answer(await bad.send());
      // The route takes POST only: the replay as a GET never reaches the function.
      const status = bad.name.includes('in the query instead') ? 404 : bad.status;
      expect({ name: bad.name, status: refused.status }).toEqual({ name: bad.name, status });
      expect(unacceptable(refused)).toBeUndefined();
    }
    const url = webhookUrl(app.host.baseUrl, webhook);
    const accepted = await post(url, webhook.params, sign(TOKEN, url, webhook.params));
    expect([accepted.status, await accepted.text()]).toEqual([204, '']);
    expectCleanHostOutput();
  });

  test('signed hostile events get 204 or a clean 400, never a 5xx', async () => {
    const url = `${app.host.baseUrl}/api/twilio-alerts`;
    await fc.assert(
      fc.asyncProperty(hostileBody(['Level', 'Payload', 'Sid', 'Timestamp', 'AccountSid'], alert()), async (body) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': sign(TOKEN, url, formParamsOf(body)) },
          body: new Uint8Array(body),
        });
        const got = await answer(response);
        expect([204, 400]).toContain(got.status);
        if (got.status === 400) expect(unacceptable(got)).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
    expectCleanHostOutput();
  });
});

describe('the audio function over HTTP', () => {
  const FILE = 'hostile-hold.mp3';
  const BYTES = 'ID3 hostile hold music';

  beforeAll(async () => {
    const blobs = BlobServiceClient.fromConnectionString(app.azurite.connectionString);
    const audio = blobs.getContainerClient('audio');
    await audio.createIfNotExists();
    await audio.getBlockBlobClient(FILE).uploadData(Buffer.from(BYTES));
    await audio.getBlockBlobClient('private/notes.mp3').uploadData(Buffer.from('not for callers'));
  });

  test('any path below /api/audio/ gets the file only by its exact name, else a clean 4xx', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        FILE,
        encodeURIComponent(FILE),
        'private/notes.mp3',
        'private%2Fnotes.mp3',
        `..%2Fhostile-recordings%2FRE${'c'.repeat(32)}.mp3`,
        `%2E%2E%2F${FILE}`,
        `${FILE}%00`,
        `${FILE}%2F`,
        `${FILE.toUpperCase()}`,
        'link-signing-key',
        '%ZZ',
        '%E0%A4%A',
      ),
      hostileForm([FILE], { maxPairs: 1 }),
    );
    await fc.assert(
      fc.asyncProperty(segment, fc.constantFrom('GET', 'HEAD'), async (path, method) => {
        const response = await fetch(`${app.host.baseUrl}/api/audio/${path}`, { method });
        const body = await response.text();
        expect(response.status).toBeLessThan(500);
        expect(body).not.toMatch(/\n\s+at |node_modules/);
        if (response.status === 200) {
          expect(decodeURIComponent(new URL(response.url).pathname)).toBe(`/api/audio/${FILE}`);
          expect(body).toBe(method === 'HEAD' ? '' : BYTES);
        } else expect(body).not.toContain('for callers');
      }),
      { numRuns: RUNS },
    );
    expectCleanHostOutput();
  });
});

describe('the assistant over HTTP (VOICE_MODE=assistant, the chat-completions stand-in)', () => {
  test('a refused turn asking for a message sends nothing; the genuine one, retried by Twilio, texts it once', async () => {
    const assistant = genuineWebhooks().find((w) => w.name === 'assistant')!;
    const marker = `tap drips ${uniqueSid('CA').slice(-8)}`;
    const turn: GenuineWebhook = {
      ...assistant,
      params: { ...assistant.params, SpeechResult: `Please take a message, my name is Ann. The ${marker}` },
    };
    for (const bad of badVersions(turn)) expect([403, 400, 404]).toContain((await bad.send()).status);
    const url = webhookUrl(app.host.baseUrl, turn);
    for (let retry = 0; retry < 2; retry++) {
      const got = await answer(await post(url, turn.params, sign(TOKEN, url, turn.params)));
      expect(unacceptable(got)).toBeUndefined();
      expect(got.body).toMatch(/passed on/);
    }
    const texts = () =>
      app.twilio.requests.filter(
        (r) => r.path.endsWith('/Messages.json') && r.form.get('To') === SENTINEL_APP.notify && r.form.get('Body')?.includes(marker),
      );
    await waitFor(() => (texts().length ? true : undefined), { context: () => app.host.output() });
    await new Promise((r) => setTimeout(r, 500)); // a second send would have arrived by now
    expect(texts()).toHaveLength(1);
    expectCleanHostOutput();
  });
});

describe('the Event Streams sink over HTTP', () => {
  const BASIC = SENTINEL_SURFACE_SECRETS.TWILIO_EVENT_STREAMS_CREDENTIALS;
  const SHARED_KEY = SENTINEL_SURFACE_SECRETS.TWILIO_WEBHOOK_SHARED_KEY;
  const sinkUrl = () => `${app.host.baseUrl}/api/event-streams`;
  let next = 70_000;
  const fresh = (count: number) => Array.from({ length: count }, () => streamEvent(next++));
  const deliver = (d: StreamDelivery) => fetch(d.url, { method: 'POST', headers: d.headers, body: d.body });
  /** Every event id on the events queue so far, with its copies (the queue is drained as it is read). */
  const onQueue = new Map<string, number>();
  async function queued(): Promise<Map<string, number>> {
    const queue = QueueServiceClient.fromConnectionString(app.azurite.connectionString).getQueueClient(app.eventsQueue);
    for (;;) {
      const received = await queue.receiveMessages({ numberOfMessages: 32 }).catch((error: { statusCode?: number }) => {
        if (error.statusCode === 404) return { receivedMessageItems: [] };
        throw error;
      });
      const { receivedMessageItems } = received;
      if (receivedMessageItems.length === 0) return onQueue;
      for (const m of receivedMessageItems) {
        const { id } = JSON.parse(m.messageText) as { id: string };
        onQueue.set(id, (onQueue.get(id) ?? 0) + 1);
        await queue.deleteMessage(m.messageId, m.popReceipt);
      }
    }
  }
  const records = () => tableState(app.azurite.connectionString, app.streamIdsTable);
  /** The blobs of the events kept aside as too large for the events queue. */
  async function keptAside(): Promise<Set<string>> {
    const container = BlobServiceClient.fromConnectionString(app.azurite.connectionString).getContainerClient('eventstreams-oversized');
    const names = new Set<string>();
    if (!(await container.exists())) return names;
    for await (const blob of container.listBlobsFlat()) names.add(blob.name);
    return names;
  }

  test('Basic credentials missing or wrong (401), forged, tampered or unknown signatures (403): nothing recorded or published', async () => {
    const events = fresh(2);
    const genuine = () => streamDelivery(TOKEN, sinkUrl(), events, { basic: BASIC });
    const refusals: Array<[string, number, StreamDelivery]> = [
      ['no Basic credentials', 401, streamDelivery(TOKEN, sinkUrl(), events)],
      ['a wrong password', 401, streamDelivery(TOKEN, sinkUrl(), events, { basic: `${BASIC.split(':')[0]}:guess` })],
      ['signed with another token', 403, streamDelivery('another-auth-token', sinkUrl(), events, { basic: BASIC })],
      ['a tampered body', 403, { ...genuine(), body: genuine().body.replace('DELIVERED', 'FAILED') }],
      ['the events reordered', 403, { ...genuine(), body: JSON.stringify([...events].reverse()) }],
      [
        'a SharedKey signature with another secret',
        403,
        streamDelivery(TOKEN, sinkUrl(), events, { basic: BASIC, sharedKey: { secret: 'not-the-key', algorithm: 'HMAC_SHA256' } }),
      ],
      [
        'an unknown algorithm',
        403,
        (() => {
          const d = streamDelivery(TOKEN, sinkUrl(), events, { basic: BASIC, sharedKey: { secret: SHARED_KEY, algorithm: 'HMAC_SHA1' } });
          return { ...d, headers: { ...d.headers, 'X-Twilio-Webhooks-Signature-Settings': 'key=webhooks_sharedkey_x,algorithm=HMAC_MD5' } };
        })(),
      ],
    ];
    const before = await records();
    for (const [name, status, delivery] of refusals) {
      const got = await answer(await deliver(delivery));
      expect({ name, status: got.status }).toEqual({ name, status });
      expect(unacceptable(got)).toBeUndefined();
    }
    expect(await records()).toEqual(before);
    expect([...(await queued()).keys()].filter((id) => events.some((e) => e.id === id))).toEqual([]);
    // Signed with the SharedKey (HMAC-SHA256), then redelivered: published once.
    const shared = streamDelivery(TOKEN, sinkUrl(), events, { basic: BASIC, sharedKey: { secret: SHARED_KEY, algorithm: 'HMAC_SHA256' } });
    expect([(await deliver(shared)).status, (await deliver(shared)).status]).toEqual([200, 200]);
    const counts = await queued();
    expect(events.map((e) => counts.get(e.id))).toEqual([1, 1]);
    expectCleanHostOutput();
  });

  test('hostile JSON, signed and with the credentials, gets 200 or a clean 4xx, and a refused batch publishes and records nothing', async () => {
    const hostileEvent = fc
      .tuple(
        fc.nat(),
        fc.constantFrom('id', 'specversion', 'type', 'source', 'time', 'data', 'dataschema', 'datacontenttype', '__proto__', 'extra'),
        fc.oneof(fc.jsonValue(), hostileValue, fc.constant(undefined)),
      )
      .map(([, field, value]) => {
        const [event] = fresh(1);
        return value === undefined ? Object.fromEntries(Object.entries(event).filter(([k]) => k !== field)) : { ...event, [field]: value };
      });
    const batch = fc.oneof(
      { weight: 2, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => fresh(n)) },
      {
        weight: 3,
        arbitrary: fc.array(
          fc.oneof(
            hostileEvent,
            fc.constant(null).map(() => fresh(1)[0]),
          ),
          { minLength: 1, maxLength: 4 },
        ),
      },
      // Genuine events, one of them too large for a queue message (hostile text up to 30,000 characters, escaped).
      {
        weight: 1,
        arbitrary: fc.tuple(fc.integer({ min: 1, max: 3 }), hostileValue).map(([n, text]) => {
          const [large, ...rest] = fresh(n);
          return [
            ...rest,
            { ...large, data: { text: text.repeat(Math.ceil((BATCH_LIMITS.maxEventBytes + 1) / Math.max(1, text.length))) } },
          ];
        }),
      },
      fc.jsonValue(),
      fc.constantFrom([], {}, 'null', [null]),
    );
    const seen = { accepted: 0, refused: 0, keptAside: 0 };
    await fc.assert(
      fc.asyncProperty(batch, async (events) => {
        const list = Array.isArray(events) ? events : [events];
        const withId = list.filter(
          (e): e is { id: string } => typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string',
        );
        const ids = withId.map((e) => e.id);
        // An event larger than a queue message holds is kept whole in its blob, the rest published: one batch, one answer.
        const tooLarge = new Set(withId.filter((e) => Buffer.byteLength(JSON.stringify(e)) > BATCH_LIMITS.maxEventBytes).map((e) => e.id));
        const before = await records();
        const got = await answer(await deliver(streamDelivery(TOKEN, sinkUrl(), events as unknown[], { basic: BASIC })));
        expect([200, 400]).toContain(got.status);
        expect(unacceptable({ ...got, status: got.status === 200 ? 400 : got.status })).toBeUndefined();
        const counts = await queued();
        if (got.status === 200) {
          seen.accepted++;
          if (tooLarge.size) seen.keptAside++;
          const kept = await keptAside();
          const wrong = ids.flatMap((id) => {
            const where = tooLarge.has(id) ? 'kept' : 'queue';
            const ok = where === 'kept' ? kept.has(oversizedBlobName(id)) && !counts.has(id) : counts.get(id) === 1;
            return ok ? [] : [`${id.slice(0, 20)}: expected ${where}, queue ${counts.get(id) ?? 0}`];
          });
          expect({ answer: got.body, wrong }).toEqual({ answer: got.body, wrong: [] });
        } else {
          seen.refused++;
          expect(await records()).toEqual(before);
          expect(ids.filter((id) => counts.has(id))).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
    expect([seen.accepted > 0, seen.refused > 0, seen.keptAside > 0]).toEqual([true, true, true]);
    expectCleanHostOutput();
  });
});

describe('the console over HTTP, with the platform authentication on', () => {
  const ADMIN = { ...ALICE, groups: [SENTINEL_APP.consoleAdminsGroup] };
  const STRANGER = {
    objectId: '0f0e0d0c-0b0a-4909-8807-060504030201',
    name: 'bob@contoso.example',
    groups: ['11111111-2222-4333-8444-555555555555'],
  };
  const later = () => new Date(Date.now() + 3600_000).toISOString();
  /** Each route with a body that would change something were it let through. */
  const routes = () =>
    CONSOLE_ROUTES.map(([method, path]) => {
      const filled = path.replace('{key}', 'console-hostile-key');
      const body =
        path === 'send'
          ? { type: 'sms', to: '+14155550191', body: 'from the console', sendAt: later() }
          : path.startsWith('optouts')
            ? { address: '+14155550192' }
            : {};
      return { method, path: filled, body: method === 'POST' ? JSON.stringify(body) : undefined };
    });
  const consoleUrl = (path: string) => `${app.host.baseUrl}/api/console${path ? `/${path}` : ''}`;
  const snapshot = () => storageSnapshot(app.azurite.connectionString, app.storage);
  const PHONE = /\+\d{8,15}|%2B\d{8,15}/;

  beforeAll(async () => {
    // A message the console could cancel, scheduled an hour ahead; then storage is let settle (relays of earlier tests).
    const key = 'console-hostile-key';
    const scheduled = { type: 'sms', to: '+14155550193', body: 'x', sendAt: later(), idempotencyKey: key };
    expect((await fetch(`${app.host.baseUrl}/api/outbound`, { method: 'POST', body: JSON.stringify(scheduled) })).status).toBe(202);
    await settledSnapshot(app.azurite.connectionString, app.storage);
  });

  test('every route: signed out 401, not an admin 403, cross-site or not JSON 403, with nothing read or changed', async () => {
    const before = await snapshot();
    const crossSite: Array<Record<string, string>> = [
      {},
      { Origin: 'https://evil.example', 'Content-Type': 'application/json' },
      { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example', 'Content-Type': 'application/json' },
      { 'Sec-Fetch-Site': 'same-site', 'Content-Type': 'application/json' },
      { 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'text/plain' },
      { Origin: app.host.baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
    ];
    for (const { method, path, body } of routes()) {
      const attempts: Array<[string, number, Record<string, string>]> = [
        ['signed out', 401, { 'Content-Type': 'application/json', Origin: app.host.baseUrl }],
        ['not an admin', 403, { ...principalHeaders(STRANGER), 'Content-Type': 'application/json', Origin: app.host.baseUrl }],
        ...(method === 'POST'
          ? crossSite.map((h): [string, number, Record<string, string>] => ['cross-site', 403, { ...principalHeaders(ADMIN), ...h }])
          : []),
      ];
      for (const [who, status, headers] of attempts) {
        const response = await fetch(consoleUrl(path), { method, headers, body });
        const text = await response.text();
        expect({ route: `${method} ${path}`, who, status: response.status }).toEqual({ route: `${method} ${path}`, who, status });
        expect(text).not.toMatch(PHONE);
        expect(leakedSecrets(text)).toEqual([]);
      }
    }
    expect(await snapshot()).toBe(before);
    // The same requests from an admin on the console's page are honoured: the refusals above were the rules, not a broken route.
    for (const { method, path, body } of routes()) {
      const headers = { ...principalHeaders(ADMIN), 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-origin' };
      const response = await fetch(consoleUrl(path), { method, headers, body });
      expect({ route: `${method} ${path}`, ok: response.status < 300 }).toEqual({ route: `${method} ${path}`, ok: true });
    }
    expect(await snapshot()).not.toBe(before);
    expectCleanHostOutput();
  });

  test('hostile principals, origins, queries and bodies on every route: never a 5xx, and a refused request changes nothing', async () => {
    const principal = fc.oneof(hostilePrincipalHeaders, fc.constant({}), fc.constant(principalHeaders(STRANGER)), {
      weight: 3,
      arbitrary: fc.constant(principalHeaders(ADMIN)),
    });
    const browserish = fc.constantFrom<Record<string, string>>(
      {},
      { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-origin' },
      { 'Content-Type': 'application/json', Origin: 'https://evil.example' },
      { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' },
    );
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      hostileValue,
      fc
        .record({ address: fc.oneof(hostileValue, fc.constantFrom('+14155550194', "' or 1 eq 1 or RowKey eq '")) })
        .map((v) => JSON.stringify(v)),
      fc
        .record({
          type: fc.constantFrom('sms', 'call', 'fax'),
          to: fc.oneof(hostileValue, fc.constant('+14155550195')),
          body: hostileValue,
        })
        .map((v) => JSON.stringify({ ...v, sendAt: later() })),
    );
    const path = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...routes().map((r) => r.path)) },
      hostileForm(['messages', 'activity', 'optouts'], { maxPairs: 1 }),
      fc.constantFrom('messages/%ZZ', 'messages/..%2F..%2Fsettings', 'optouts/remove/x', 'messages/k/cancel/x', '%E0%A4%A'),
    );
    const query = hostileForm(['status', 'type', 'to', 'since', 'cursor', 'pageSize', 'continuationToken'], { maxPairs: 3 });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        path,
        query,
        fc.constantFrom('GET', 'POST'),
        principal,
        browserish,
        body,
        async (p, q, method, who, headers, text) => {
          const before = await snapshot();
          const response = await fetch(`${consoleUrl(p)}?${q}`, {
            method,
            headers: { ...who, ...headers },
            body: method === 'POST' ? text : undefined,
          });
          const got = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect({ path: p, status: response.status < 500 }).toEqual({ path: p, status: true });
          expect(got).not.toMatch(/\n\s+at |node_modules/);
          expect(leakedSecrets(got)).toEqual([]);
          if (response.status >= 400) {
            // A refusal of who or where reads nothing; an admin's invalid input may be quoted back, or the docs' example.
            const own = [...`${text} ${q}`.matchAll(/\+\d{8,15}/g)].map(([n]) => n);
            const quoted = [401, 403, 431].includes(response.status) ? [] : ['+14155550100', ...own];
            expect(quoted.reduce((rest, n) => rest.split(n).join(''), got)).not.toMatch(PHONE);
            expect(await snapshot()).toBe(before);
          }
        },
      ),
      { numRuns: RUNS },
    );
    // Both sides were reached: refusals, and an admin's requests answered.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect((statuses.get(401) ?? 0) + (statuses.get(403) ?? 0)).toBeGreaterThan(0);
    expectCleanHostOutput();
  });
});

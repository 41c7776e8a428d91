// Batches, cancels, opt-out scopes, channel addresses and call options end to end: the built app under the local host,
// Azurite, and the real twilio SDK against Prism on
// Twilio's official spec (through the recording proxy), so every option below is validated on the wire by Prism.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { MOCK_TWILIO_CREDENTIALS } from '../../devhost/services';
import { recipientKey } from '../../shared/outbound/batch';
import { repoRoot } from '../../harness/localHost';
import { outboundHelpers, startOutboundRig, WEBHOOK_BASE_URL, type OutboundRig } from '../../harness/outboundRig';
import { waitFor } from '../../harness/waitFor';
import { TableClient } from '@azure/data-tables';

let rig: OutboundRig;
const { ledgerRow, rowWithStatus, logEntries, creates, enqueue, completed } = outboundHelpers(() => rig);
const FROM = MOCK_TWILIO_CREDENTIALS.TWILIO_FROM_NUMBER;
const HX = 'HX0123456789abcdef0123456789abcdef';
const MG = 'MG0123456789abcdef0123456789abcdef';

beforeAll(async () => {
  rig = await startOutboundRig({ queueName: 'outbound-workloads' });
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${rig.host.baseUrl}/api/${path}`, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
const post = (path: string, body: unknown) => api(path, { method: 'POST', body: JSON.stringify(body) });

function signedPost(path: string, params: Record<string, string>): Promise<Response> {
  const signature = getExpectedTwilioSignature(MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN, `${WEBHOOK_BASE_URL}${path}`, params);
  return fetch(`${rig.host.baseUrl}${path}`, {
    method: 'POST',
    body: new URLSearchParams(params),
    headers: { 'x-twilio-signature': signature },
  });
}

/** What the app sent to Twilio for a create, checked by Prism (201) before the proxy recorded it. */
async function createdFor(key: string, to: string): Promise<Record<string, string | string[]>> {
  await rowWithStatus(key, 'sent');
  const [create] = creates(to);
  expect(create.status).toBe(201);
  const form: Record<string, string | string[]> = {};
  for (const name of new Set(create.form.keys())) {
    const values = create.form.getAll(name);
    form[name] = values.length > 1 ? values : values[0];
  }
  return form;
}

describe('channels, templates and options reach Twilio under the names it expects', () => {
  test('a WhatsApp message from a Content template: ContentSid and ContentVariables as a JSON string, the sender on the same channel', async () => {
    const to = 'whatsapp:+15550900001';
    await enqueue({ type: 'sms', to, contentSid: HX, contentVariables: { '1': 'Ada', '2': '12/1' }, idempotencyKey: 'wa-1' });
    expect(await createdFor('wa-1', to)).toMatchObject({
      To: to,
      From: `whatsapp:${FROM}`,
      ContentSid: HX,
      ContentVariables: '{"1":"Ada","2":"12/1"}',
    });
    expect(await ledgerRow('wa-1')).toMatchObject({ to, from: `whatsapp:${FROM}` });
  });

  test('SMS options: ValidityPeriod, ShortenUrls, SmartEncoded and SendAsMms', async () => {
    const to = '+15550900002';
    await enqueue({
      type: 'sms',
      to,
      body: 'See https://example.com/a/very/long/link',
      messagingServiceSid: MG,
      validityPeriod: 600,
      shortenUrls: true,
      smartEncoded: true,
      sendAsMms: false,
      idempotencyKey: 'sms-options-1',
    });
    expect(await createdFor('sms-options-1', to)).toMatchObject({
      MessagingServiceSid: MG,
      ValidityPeriod: '600',
      ShortenUrls: 'true',
      SmartEncoded: 'true',
      SendAsMms: 'false',
    });
  });

  test('call options: Timeout, TimeLimit, Record, SendDigits, and asynchronous machine detection reporting to /api/status', async () => {
    const to = '+15550900003';
    await enqueue({
      type: 'call',
      to,
      say: 'Your appointment is tomorrow at nine',
      machineSay: 'This is the clinic: your appointment is tomorrow at nine. Call us back to change it.',
      timeout: 25,
      timeLimit: 300,
      record: true,
      sendDigits: 'w1',
      idempotencyKey: 'call-options-1',
    });
    const form = await createdFor('call-options-1', to);
    expect(form).toMatchObject({
      Timeout: '25',
      TimeLimit: '300',
      Record: 'true',
      SendDigits: 'w1',
      MachineDetection: 'DetectMessageEnd',
      AsyncAmd: 'true',
      AsyncAmdStatusCallback: `${WEBHOOK_BASE_URL}/api/status?key=call-options-1#rc=5&rp=all`,
      AsyncAmdStatusCallbackMethod: 'POST',
    });
    expect(form.Twiml).toContain('<Say>Your appointment is tomorrow at nine</Say>');
  });

  test('AnsweredBy lands in the row; a machine at the beep gets the message left for machines, once', async () => {
    const to = '+15550900004';
    await enqueue({ type: 'call', to, say: 'Hello Ada', machineSay: 'Sorry we missed you', idempotencyKey: 'amd-1' });
    const { sid } = await rowWithStatus('amd-1', 'sent');
    const amd = {
      CallSid: sid!,
      AccountSid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID,
      AnsweredBy: 'machine_end_beep',
      MachineDetectionDuration: '4200',
    };
    expect((await signedPost('/api/status?key=amd-1', amd)).status).toBe(204);
    expect(await ledgerRow('amd-1')).toMatchObject({ answeredBy: 'machine_end_beep', machineDetectionDuration: '4200' });
    const updates = () => rig.twilio.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/Calls/${sid}.json`));
    expect(updates()).toHaveLength(1);
    expect(updates()[0].status).toBe(200); // Prism: a valid call update
    expect(updates()[0].form.get('Twiml')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry we missed you</Say></Response>',
    );
    expect((await signedPost('/api/status?key=amd-1', amd)).status).toBe(204);
    expect(updates()).toHaveLength(1);
    expect(logEntries('amd-1', 'amd').map((e) => e.outcome)).toEqual(['machine-message-playing', 'ignored']);
  });

  test('a person who answers keeps hearing what the call says to people', async () => {
    const to = '+15550900005';
    await enqueue({ type: 'call', to, say: 'Hello Ada', machineSay: 'Sorry we missed you', idempotencyKey: 'amd-2' });
    const { sid } = await rowWithStatus('amd-2', 'sent');
    expect((await signedPost('/api/status?key=amd-2', { CallSid: sid!, AnsweredBy: 'human' })).status).toBe(204);
    expect(await ledgerRow('amd-2')).toMatchObject({ answeredBy: 'human' });
    expect(rig.twilio.requests.filter((r) => r.path.endsWith(`/Calls/${sid}.json`))).toHaveLength(0);
  });

  test('63016 (outside the WhatsApp window) fails the row with the code, and the message is not retried', async () => {
    const to = 'whatsapp:+15550900006';
    const body = { code: 63016, message: 'outside the allowed window', more_info: 'https://www.twilio.com/docs/errors/63016', status: 400 };
    rig.planFaults(to, [{ kind: 'status', status: 400, body }]);
    const messageId = await enqueue({ type: 'sms', to, body: 'Are you there?', idempotencyKey: 'wa-63016' });
    expect(await rowWithStatus('wa-63016', 'failed')).toMatchObject({ errorCode: 63016, attempts: 1 });
    await completed(messageId);
    expect(creates(to)).toHaveLength(1);
  });

  test('no recipient address appears in the log', () => {
    const output = rig.host.output();
    for (const address of ['whatsapp:+15550900001', '+15550900002', '+15550900004', '15550900006']) expect(output).not.toContain(address);
  });
});

describe('long schedules and cancel', () => {
  test('a message due in 30 days is accepted with its due time and not sent', async () => {
    const sendAt = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
    const response = await post('outbound', { type: 'sms', to: '+15550910001', body: 'Renewal', sendAt, idempotencyKey: 'far-1' });
    expect(response.status).toBe(202);
    expect(await ledgerRow('far-1')).toMatchObject({ status: 'accepted', sendAt });
    expect(creates('+15550910001')).toHaveLength(0);
  });

  test('DELETE cancels a scheduled message for good: it is never sent, and the queued message completes doing nothing', async () => {
    const to = '+15550910002';
    const sendAt = new Date(Date.now() + 3000).toISOString();
    const message = { type: 'sms', to, body: 'Later', sendAt, idempotencyKey: 'cancel-1' };
    expect((await post('outbound', message)).status).toBe(202);
    const response = await api('outbound/cancel-1', { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ key: 'cancel-1', status: 'canceled', canceledAt: expect.any(String) });
    await waitFor(() => logEntries('cancel-1').find((e) => e.outcome === 'canceled'), { context: () => rig.host.output() });
    expect(creates(to)).toHaveLength(0);
    // The same message again (a producer's retry) is answered with the row, which stays canceled; nothing is queued.
    const again = await post('outbound', message);
    expect({ status: again.status, body: await again.json() }).toMatchObject({ status: 202, body: { status: 'canceled' } });
    expect(await ledgerRow('cancel-1')).toMatchObject({ status: 'canceled' });
  });

  test('cancelling a sent message answers 409 with its status; an unknown key 404', async () => {
    await post('outbound', { type: 'sms', to: '+15550910003', body: 'Now', idempotencyKey: 'cancel-2' });
    await rowWithStatus('cancel-2', 'sent');
    const response = await api('outbound/cancel-2', { method: 'DELETE' });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ key: 'cancel-2', status: 'sent' });
    expect((await api('outbound/no-such-key', { method: 'DELETE' })).status).toBe(404);
  });

  test('a cancel racing the send leaves exactly one outcome', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const key = `race-${i}`;
      const to = `+155509200${String(i).padStart(2, '0')}`;
      await post('outbound', { type: 'sms', to, body: 'Race', idempotencyKey: key });
      const cancel = await api(`outbound/${key}`, { method: 'DELETE' });
      const row = await rowWithStatus(key, 'canceled', 'sent');
      await new Promise((r) => setTimeout(r, 1500)); // any queue message still in flight has had its turn
      const sentCount = creates(to).length;
      expect({ cancel: cancel.status, row: row.status, sent: sentCount }).toEqual(
        cancel.status === 200 ? { cancel: 200, row: 'canceled', sent: 0 } : { cancel: 409, row: 'sent', sent: 1 },
      );
      outcomes.push(row.status);
    }
    expect(outcomes.length).toBe(4);
  });
});

describe('POST /api/outbound/batch', () => {
  test('accepts the valid messages, answers one result per message, and a retried batch sends nothing twice', async () => {
    const batch = {
      idempotencyKey: 'batch-1',
      messages: [
        { type: 'sms', to: '+15550930001', body: 'Hi 1' },
        { type: 'sms', to: 'whatsapp:+15550930002', contentSid: HX },
        { type: 'sms', to: '555', body: 'bad' },
        { type: 'sms', to: '+15550930001', body: 'same recipient again' },
        { type: 'call', to: '+15550930003', say: 'Hi 3', idempotencyKey: 'batch-1-own' },
      ],
    };
    const response = await post('outbound/batch', batch);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { valid: number; invalid: number; results: Array<Record<string, unknown>> };
    expect(answer).toMatchObject({ batchKey: 'batch-1', valid: 3, invalid: 2 });
    expect(answer.results).toEqual([
      expect.objectContaining({ index: 0, key: recipientKey('batch-1', '+15550930001'), status: 'accepted' }),
      expect.objectContaining({ index: 1, key: recipientKey('batch-1', 'whatsapp:+15550930002'), status: 'accepted' }),
      expect.objectContaining({ index: 2, issues: expect.arrayContaining([expect.objectContaining({ path: 'to' })]) }),
      expect.objectContaining({ index: 3, issues: [expect.objectContaining({ message: expect.stringMatching(/same recipient/) })] }),
      expect.objectContaining({ index: 4, key: 'batch-1-own', status: 'accepted' }),
    ]);
    await rowWithStatus(recipientKey('batch-1', '+15550930001'), 'sent');
    await rowWithStatus(recipientKey('batch-1', 'whatsapp:+15550930002'), 'sent');
    await rowWithStatus('batch-1-own', 'sent');
    const again = (await (await post('outbound/batch', batch)).json()) as { results: Array<Record<string, unknown>> };
    expect(again.results.filter((r) => r.status).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    await new Promise((r) => setTimeout(r, 1500));
    expect([creates('+15550930001'), creates('whatsapp:+15550930002'), creates('+15550930003')].map((c) => c.length)).toEqual([1, 1, 1]);
  });

  test('a batch over 1,000 messages, or without messages, is refused whole', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ type: 'sms', to: `+1555094${String(i).padStart(4, '0')}`, body: 'x' }));
    const tooMany = await post('outbound/batch', { messages: many });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ issues: [{ path: 'messages', message: expect.stringMatching(/at most 1000/) }] });
    expect((await post('outbound/batch', { messages: [] })).status).toBe(400);
    expect((await api('outbound/batch', { method: 'POST', body: 'nope' })).status).toBe(400);
  });
});

describe('opt-outs per sender, and their management API', () => {
  const optOutTable = () =>
    TableClient.fromConnectionString(rig.env.AzureWebJobsStorage, rig.env.OPTOUT_TABLE, { allowInsecureConnection: true });

  test('a STOP to one number blocks messages from that number only', async () => {
    const person = '+15550950001';
    const stop = {
      From: person,
      To: FROM,
      Body: 'STOP',
      MessageSid: `SM${'5'.repeat(32)}`,
      AccountSid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID,
    };
    expect((await signedPost('/api/sms', stop)).status).toBe(200);
    await enqueue({ type: 'sms', to: person, body: 'from the number that got STOP', idempotencyKey: 'scoped-1' });
    await enqueue({ type: 'sms', to: person, from: '+15005550009', body: 'from another number', idempotencyKey: 'scoped-2' });
    expect((await rowWithStatus('scoped-1', 'rejected')).reason).toMatch(/opted out/);
    await rowWithStatus('scoped-2', 'sent');
    const got = await api(`optouts/${encodeURIComponent(person)}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({
      address: person,
      optedOut: true,
      optOuts: [{ sender: FROM, keyword: 'STOP', source: 'sms' }],
    });
  });

  test('a row written before opt-outs were scoped still blocks every sender', async () => {
    const person = '+15550950002';
    await optOutTable()
      .createTable()
      .catch(() => undefined);
    await optOutTable().upsertEntity({ partitionKey: 'optout', rowKey: person, keyword: 'STOP', optedOutAt: new Date().toISOString() });
    await enqueue({ type: 'sms', to: person, from: '+15005550009', body: 'x', idempotencyKey: 'legacy-1' });
    expect((await rowWithStatus('legacy-1', 'rejected')).reason).toMatch(/opted out/);
    expect(await (await api(`optouts/${person}`)).json()).toMatchObject({ optOuts: [{ sender: '*', keyword: 'STOP' }] });
  });

  test('PUT, GET, the paged list and DELETE manage opt-outs that did not come by SMS, WhatsApp addresses included', async () => {
    const person = 'whatsapp:+15550950003';
    expect((await api(`optouts/${encodeURIComponent(person)}`)).status).toBe(404);
    const put = await api(`optouts/${encodeURIComponent(person)}`, {
      method: 'PUT',
      body: JSON.stringify({ sender: MG, keyword: 'complaint' }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ optedOut: true, optOuts: [{ sender: MG, keyword: 'complaint', source: 'api' }] });
    expect((await api(`optouts/${encodeURIComponent(person)}`, { method: 'PUT' })).status).toBe(200);
    await enqueue({ type: 'sms', to: person, from: `whatsapp:${FROM}`, body: 'x', idempotencyKey: 'api-optout-1' });
    expect((await rowWithStatus('api-optout-1', 'rejected')).reason).toMatch(/opted out/);

    const seen: string[] = [];
    let next: string | undefined = 'optouts?pageSize=1';
    for (let pages = 0; next && pages < 50; pages++) {
      const page = (await (await api(next.replace(/^\/api\//, ''))).json()) as {
        items: Array<{ address: string; sender: string }>;
        nextUrl?: string;
      };
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((i) => `${i.address} ${i.sender}`));
      next = page.nextUrl;
    }
    expect(seen).toEqual(expect.arrayContaining([`${person} ${MG}`, `${person} *`]));

    expect((await api(`optouts/${encodeURIComponent(person)}?sender=${MG}`, { method: 'DELETE' })).status).toBe(200);
    expect(await (await api(`optouts/${encodeURIComponent(person)}`)).json()).toMatchObject({ optOuts: [{ sender: '*' }] });
    expect((await api(`optouts/${encodeURIComponent(person)}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(`optouts/${encodeURIComponent(person)}`)).status).toBe(404);
    expect((await api(`optouts/${encodeURIComponent(person)}`, { method: 'DELETE' })).status).toBe(404);
    // The address is in the URL, and the host logs each request: by its route, without the number.
    expect(rig.host.output()).toContain("Executed 'optOut' (GET /api/optouts/{address} -> 404");
    for (const form of ['15550950003', encodeURIComponent(person)]) expect(rig.host.output()).not.toContain(form);
  });

  test('bad addresses, senders and page tokens get 400', async () => {
    expect((await api('optouts/not-a-number')).status).toBe(400);
    expect((await api('optouts/+15550950004', { method: 'PUT', body: '{"sender":"nobody"}' })).status).toBe(400);
    expect((await api('optouts/+15550950004', { method: 'PUT', body: '{"colour":"red"}' })).status).toBe(400);
    expect((await api('optouts?pageSize=0')).status).toBe(400);
    expect((await api('optouts?continuationToken=abc')).status).toBe(400);
  });
});

describe('npm run send: cancel and batch', () => {
  const run = promisify(execFile);
  const send = (...args: string[]) =>
    run(
      process.execPath,
      [
        join(repoRoot, 'build', 'send.js'),
        ...args,
        '--connection-string',
        rig.env.AzureWebJobsStorage,
        '--queue',
        rig.env.OUTBOUND_QUEUE,
        '--ledger',
        rig.env.OUTBOUND_LEDGER,
      ],
      { cwd: repoRoot, env: { PATH: process.env.PATH } },
    );

  test('cancel <key> cancels a scheduled message, and refuses a sent one', async () => {
    const sendAt = new Date(Date.now() + 15_000).toISOString();
    await send('sms', '+15550960001', 'Later', '--send-at', sendAt, '--key', 'cli-cancel-1');
    expect(await ledgerRow('cli-cancel-1')).toMatchObject({ status: 'accepted', sendAt });
    expect((await send('cancel', 'cli-cancel-1')).stdout).toMatch(/Canceled cli-cancel-1/);
    await send('sms', '+15550960002', 'Now', '--key', 'cli-cancel-2');
    await rowWithStatus('cli-cancel-2', 'sent');
    await expect(send('cancel', 'cli-cancel-2')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/Too late.*sent/) });
    // When it comes due, the queued message finds the row canceled and does nothing.
    await waitFor(() => logEntries('cli-cancel-1').find((e) => e.outcome === 'canceled'), {
      timeoutMs: 40_000,
      context: () => rig.host.output(),
    });
    expect(creates('+15550960001')).toHaveLength(0);
  }, 60_000);

  test('batch <file.csv> enqueues each row with a derived key, with progress and a summary; run again it sends nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batch-'));
    const file = join(dir, 'recipients.csv');
    writeFileSync(
      file,
      'type,to,body,contentSid,contentVariables,validityPeriod\n' +
        'sms,+15550970001,Hello Ada,,,600\n' +
        `sms,whatsapp:+15550970002,,${HX},"{""1"":""Bo""}",\n` +
        'sms,12345,broken,,,\n',
    );
    const first = await send('batch', file, '--key', 'cli-batch-1').catch((e: { stdout: string; stderr: string; code: number }) => e);
    expect(first).toMatchObject({ code: 2 });
    expect(first.stdout).toMatch(/Batch cli-batch-1: 2 valid, 1 invalid/);
    expect(first.stdout).toMatch(/line 4: to: must be an E\.164 number/);
    expect(first.stderr).toMatch(/\[#+\] 3\/3/);
    await rowWithStatus(recipientKey('cli-batch-1', '+15550970001'), 'sent');
    await rowWithStatus(recipientKey('cli-batch-1', 'whatsapp:+15550970002'), 'sent');
    expect(creates('whatsapp:+15550970002')[0].form.get('ContentVariables')).toBe('{"1":"Bo"}');
    expect(creates('+15550970001')[0].form.get('ValidityPeriod')).toBe('600');
    const again = await send('batch', file, '--key', 'cli-batch-1').catch((e: { stdout: string }) => e);
    expect(again.stdout).toMatch(/sent: 2/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(creates('+15550970001')).toHaveLength(1);
  });

  test('--help lists every field of the message schema', async () => {
    const { outboundMessageJsonSchema } = await import('../../shared/outbound/schema');
    const schema = outboundMessageJsonSchema() as { oneOf: Array<{ properties: Record<string, unknown> }> };
    const fields = new Set(schema.oneOf.flatMap((s) => Object.keys(s.properties)));
    const help = await send('--help');
    const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const flags: Record<string, string> = {
      type: 'sms',
      to: '<to>',
      body: '<body>',
      idempotencyKey: '--key',
      mediaUrls: '--media-url',
      messagingServiceSid: '--messaging-service',
    };
    for (const field of fields) expect([field, help.stdout.includes(flags[field] ?? `--${kebab(field)}`)]).toEqual([field, true]);
  });
});

// The console in a real browser: Debian's headless Chromium, driven by playwright-core, against the built app under
// the local host, with Azurite, and the real twilio SDK against the offline mock (Prism). The browser signs in as
// App Service Authentication would pass the user: the X-MS-CLIENT-PRINCIPAL* headers, with the platform's
// authentication on (WEBSITE_AUTH_ENABLED). Screenshots go to test-output/console/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '../../harness/localHost';
import { outboundHelpers, startOutboundRig, WEBHOOK_BASE_URL, type OutboundRig } from '../../harness/outboundRig';
import fc from 'fast-check';
import { ALICE, hostilePrincipalHeaders, principalHeaders } from '../../harness/principal';
import { sign } from '../../harness/twilioRequests';
import { MOCK_TWILIO_CREDENTIALS } from '../../devhost/services';
import { waitFor } from '../../harness/waitFor';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(repoRoot, 'test-output', 'console');
const ADMINS_GROUP = '5b1c0d2e-3f4a-4b5c-8d6e-7f8091a2b3c4';
const ADMIN = { ...ALICE, groups: [ADMINS_GROUP] };
const STRANGER = {
  objectId: '0f0e0d0c-0b0a-4909-8807-060504030201',
  name: 'bob@contoso.example',
  groups: ['11111111-2222-4333-8444-555555555555'],
};
const ACTIVITY_TABLE = 'activitytest';
const OPTOUT_TABLE = 'optoutsconsole';

let rig: OutboundRig;
let browser: Browser;
const { creates, rowWithStatus } = outboundHelpers(() => rig);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  rig = await startOutboundRig({
    queueName: 'console-outbound',
    ledgerTable: 'ledgerconsole',
    optOutTable: OPTOUT_TABLE,
    hostEnv: { WEBSITE_AUTH_ENABLED: 'true', CONSOLE_ADMINS: `some-role,${ADMINS_GROUP}`, ACTIVITY_TABLE },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await rig?.stop();
});

async function signedIn(user: typeof ADMIN | typeof STRANGER): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ extraHTTPHeaders: principalHeaders(user), viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

const view = async (page: Page, name: string) =>
  page.waitForFunction((n) => document.body.dataset.view === n && !document.getElementById('loading'), name, { timeout: 20_000 });

async function postOutbound(message: object): Promise<string> {
  // The function-key API: the local host does not check keys, as `func start` does not.
  const response = await fetch(`${rig.host.baseUrl}/api/outbound`, { method: 'POST', body: JSON.stringify(message) });
  expect(response.status).toBe(202);
  return ((await response.json()) as { key: string }).key;
}

/** A half-second 440 Hz tone as 8 kHz 8-bit mono WAV: something the browser really plays. */
function toneWav(): Buffer {
  const samples = 4000;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples, 40);
  const data = Buffer.alloc(samples);
  for (let i = 0; i < samples; i++) data[i] = 128 + Math.round(100 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  return Buffer.concat([header, data]);
}

async function signedWebhook(path: string, params: Record<string, string>): Promise<Response> {
  const url = `${WEBHOOK_BASE_URL}${path}`;
  return fetch(`${rig.host.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': sign(MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
}

test('an admin sees a message sent by the test in the list with its status, and opens its detail', async () => {
  const to = '+14155550171';
  const key = await postOutbound({ type: 'sms', to, body: 'Hello from the console test' });
  await rowWithStatus(key, 'sent');
  const { context, page, errors } = await signedIn(ADMIN);
  await page.goto(`${rig.host.baseUrl}/api/console`);
  await view(page, 'messages');
  const row = page.locator(`tr[data-key="${key}"]`);
  await expect(row.locator('td.status').textContent()).resolves.toMatch(/^(sent|delivered)$/);
  await expect(row.textContent()).resolves.toContain(to);
  await page.screenshot({ path: join(SCREENSHOTS, '1-messages.png'), fullPage: true });

  // Filtered by the recipient's digits, only it is left.
  await page.locator('input[name="to"]').fill('550171');
  await page.locator('form.filters button[type="submit"]').click();
  await page.waitForFunction(() => location.hash.includes('to=550171') && document.body.dataset.view === 'messages');
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);

  await row.locator('a').click();
  await view(page, 'message');
  await expect(page.locator('#view-title').evaluate((h) => h === document.activeElement)).resolves.toBe(true);
  await expect(page.locator('#detail-status').textContent()).resolves.toMatch(/^(sent|delivered)$/);
  await expect(page.locator('dl').textContent()).resolves.toMatch(/SM[0-9a-f]{32}/);
  // The status changes, each with the event that announced it.
  const history = await page.locator('table tbody tr').allTextContents();
  expect(history[0]).toMatch(/accepted/);
  expect(history.some((h) => /sent/.test(h) && /[0-9a-f-]{10,}/.test(h))).toBe(true);
  await page.screenshot({ path: join(SCREENSHOTS, '2-message.png'), fullPage: true });
  expect(errors).toEqual([]);
  await context.close();
});

test('sends an SMS from the form: it reaches the offline mock once, and its detail is linked', async () => {
  const to = '+14155550172';
  const { context, page, errors } = await signedIn(ADMIN);
  await page.goto(`${rig.host.baseUrl}/api/console#send`);
  await view(page, 'send');
  await page.getByLabel('To', { exact: true }).fill(to);
  await page.getByLabel('Message', { exact: true }).fill('Sent from the console');
  await page.screenshot({ path: join(SCREENSHOTS, '3-send.png'), fullPage: true });
  await page.locator('#send').click();
  const link = page.locator('#sent-link');
  await link.waitFor({ timeout: 20_000 });
  const key = decodeURIComponent((await link.getAttribute('href'))!.replace('#message/', ''));
  await rowWithStatus(key, 'sent', 'delivered');
  expect(creates(to)).toHaveLength(1);
  expect(Object.fromEntries(creates(to)[0].form)).toMatchObject({ To: to, Body: 'Sent from the console' });
  await link.click();
  await view(page, 'message');
  await expect(page.locator('#detail-status').textContent()).resolves.toMatch(/^(sent|delivered)$/);
  // The same acceptance as POST /api/outbound: an invalid message gets its issues back, and nothing is sent.
  await page.goto(`${rig.host.baseUrl}/api/console#send`);
  await view(page, 'send');
  await page.getByLabel('To', { exact: true }).fill('12345');
  await page.getByLabel('Message', { exact: true }).fill('x');
  await page.locator('#send').click();
  await expect(page.locator('#send-result [role="alert"]').textContent()).resolves.toMatch(/Invalid outbound message.*to/);
  expect(errors).toEqual([]);
  await context.close();
});

test('cancels a scheduled message from its detail', async () => {
  const sendAt = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString();
  const key = await postOutbound({ type: 'sms', to: '+14155550173', body: 'Later', sendAt });
  const { context, page } = await signedIn(ADMIN);
  await page.goto(`${rig.host.baseUrl}/api/console#message/${key}`);
  await view(page, 'message');
  await page.locator('#cancel').click();
  await page.waitForFunction(() => document.getElementById('detail-status')?.textContent === 'canceled', undefined, { timeout: 20_000 });
  await rowWithStatus(key, 'canceled');
  await context.close();
});

test('plays a voicemail that the voicemail webhook recorded, through the signed recording link', async () => {
  const recordingSid = 'RE0123456789abcdef0123456789abcd01';
  const blobs = BlobServiceClient.fromConnectionString(rig.azurite.connectionString).getContainerClient('recordings');
  await blobs.createIfNotExists();
  await blobs.getBlockBlobClient(`${recordingSid}.mp3`).uploadData(toneWav(), { blobHTTPHeaders: { blobContentType: 'audio/wav' } });
  const params = {
    CallSid: 'CA0123456789abcdef0123456789abcd01',
    RecordingSid: recordingSid,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Recordings/${recordingSid}`,
    RecordingDuration: '1',
    From: '+14155550174',
    To: '+14155550006',
  };
  expect((await signedWebhook('/api/voicemail', params)).status).toBe(200);
  // Twilio's retry of the same request writes no second row.
  expect((await signedWebhook('/api/voicemail', params)).status).toBe(200);
  const table = TableClient.fromConnectionString(rig.azurite.connectionString, ACTIVITY_TABLE, { allowInsecureConnection: true });
  const rows = [];
  for await (const entity of table.listEntities()) if (entity.recordingSid === recordingSid) rows.push(entity);
  expect(rows).toHaveLength(1);

  const { context, page, errors } = await signedIn(ADMIN);
  await page.goto(`${rig.host.baseUrl}/api/console#activity`);
  await view(page, 'activity');
  const audio = page.locator(`tr[data-event="${rows[0].rowKey}"] audio`);
  await expect(audio.getAttribute('src')).resolves.toMatch(new RegExp(`^/api/recordings/${recordingSid}\\?exp=\\d+&sig=`));
  await page.screenshot({ path: join(SCREENSHOTS, '4-activity.png'), fullPage: true });
  const played = await audio.evaluate(async (element) => {
    const media = element as HTMLAudioElement;
    await media.play();
    await new Promise((resolve) => media.addEventListener('ended', resolve, { once: true }));
    return { duration: media.duration, error: media.error?.code ?? null };
  });
  expect(played.error).toBeNull();
  expect(played.duration).toBeCloseTo(0.5, 1);
  expect(errors).toEqual([]);
  await context.close();
});

test('adds and removes an opt-out', async () => {
  const address = '+14155550175';
  const { context, page, errors } = await signedIn(ADMIN);
  await page.goto(`${rig.host.baseUrl}/api/console#optouts`);
  await view(page, 'optouts');
  await page.getByLabel('Number or channel address').fill(address);
  await page.locator('#add-optout').click();
  const row = page.locator(`tr[data-address="${address}"]`);
  await row.waitFor({ timeout: 20_000 });
  await expect(row.textContent()).resolves.toContain('every sender');
  await page.screenshot({ path: join(SCREENSHOTS, '5-optouts.png'), fullPage: true });
  const status = await fetch(`${rig.host.baseUrl}/api/optouts/${encodeURIComponent(address)}`);
  expect(status.status).toBe(200);
  await row.getByRole('button', { name: /Remove the opt-out/ }).click();
  await row.waitFor({ state: 'detached', timeout: 20_000 });
  expect((await fetch(`${rig.host.baseUrl}/api/optouts/${encodeURIComponent(address)}`)).status).toBe(404);
  expect(errors).toEqual([]);
  await context.close();
});

test('shows health and settings, secrets only as set', async () => {
  const { context, page, errors } = await signedIn(ADMIN);
  await page.goto(`${rig.host.baseUrl}/api/console#health`);
  await page.waitForFunction(() => document.querySelectorAll('tr[data-result]').length > 0, undefined, { timeout: 60_000 });
  const checks = await page.locator('tr[data-result]').allTextContents();
  expect(checks.join('\n')).toMatch(/signature checks\s*OK/);
  expect(checks.join('\n')).toMatch(/table ledgerconsole\s*OK/);
  await page.screenshot({ path: join(SCREENSHOTS, '6-health.png'), fullPage: true });
  await page.goto(`${rig.host.baseUrl}/api/console#settings`);
  await view(page, 'settings');
  const text = await page.locator('main').textContent();
  expect(text).toContain('TWILIO_AUTH_TOKEN');
  expect(text).not.toContain(MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN);
  await page.screenshot({ path: join(SCREENSHOTS, '7-settings.png'), fullPage: true });
  expect(errors).toEqual([]);
  await context.close();
});

test('a signed-in user who is not an admin gets 403 and no data; signed out gets 401', async () => {
  const key = await postOutbound({ type: 'sms', to: '+14155550176', body: 'Not for strangers' });
  const { context, page } = await signedIn(STRANGER);
  const response = await page.goto(`${rig.host.baseUrl}/api/console`);
  expect(response?.status()).toBe(403);
  await expect(page.locator('#refused').textContent()).resolves.toMatch(/not a console admin/);
  expect(await page.locator('script').count()).toBe(0);
  await page.screenshot({ path: join(SCREENSHOTS, '8-not-admin.png') });
  for (const path of ['messages', `messages/${key}`, 'activity', 'optouts', 'health', 'settings', 'app.js']) {
    const answer = await page.evaluate(async (p) => {
      const r = await fetch(`/api/console/${p}`);
      return { status: r.status, body: await r.text() };
    }, path);
    expect([path, answer.status]).toEqual([path, 403]);
    expect(answer.body).not.toContain(key);
    expect(answer.body).not.toContain('+1415555');
  }
  await context.close();
  const signedOut = await fetch(`${rig.host.baseUrl}/api/console/messages`);
  expect(signedOut.status).toBe(401);
});

test('a request that changes something must come from the page: no Origin, or another site, is refused and changes nothing', async () => {
  const to = '+14155550177';
  const headers = { ...principalHeaders(ADMIN), 'Content-Type': 'application/json' };
  const body = JSON.stringify({ type: 'sms', to, body: 'forged' });
  const attempts: Array<Record<string, string>> = [
    {},
    { Origin: 'https://evil.example' },
    { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' },
  ];
  for (const extra of attempts) {
    const response = await fetch(`${rig.host.baseUrl}/api/console/send`, { method: 'POST', headers: { ...headers, ...extra }, body });
    expect(response.status).toBe(403);
  }
  const optOut = await fetch(`${rig.host.baseUrl}/api/console/optouts`, {
    method: 'POST',
    headers: { ...headers, 'Sec-Fetch-Site': 'same-site' },
    body: JSON.stringify({ address: to }),
  });
  expect(optOut.status).toBe(403);
  // The page's own origin is honoured.
  const same = await fetch(`${rig.host.baseUrl}/api/console/optouts`, {
    method: 'POST',
    headers: { ...headers, Origin: rig.host.baseUrl },
    body: JSON.stringify({ address: '+14155550178' }),
  });
  expect(same.status).toBe(200);
  const rows = [];
  for await (const entity of rig.ledger.listEntities({ queryOptions: { filter: `to eq '${to}'` } })) rows.push(entity);
  expect(rows).toEqual([]);
  expect(creates(to)).toHaveLength(0);
  expect((await fetch(`${rig.host.baseUrl}/api/optouts/${encodeURIComponent(to)}`)).status).toBe(404);
  await waitFor(async () => (await fetch(`${rig.host.baseUrl}/api/optouts/%2B14155550178`)).status === 200);
});

/** Every table and queue's content, to show that a refused request changed nothing. */
async function storageSnapshot(): Promise<string> {
  const parts: string[] = [];
  for (const name of ['ledgerconsole', OPTOUT_TABLE, ACTIVITY_TABLE]) {
    const table = TableClient.fromConnectionString(rig.azurite.connectionString, name, { allowInsecureConnection: true });
    const rows: string[] = [];
    try {
      for await (const entity of table.listEntities()) rows.push(`${entity.partitionKey}/${entity.rowKey}/${entity.etag}`);
    } catch {
      rows.push('(none)');
    }
    parts.push(`${name}: ${rows.sort().join(',')}`);
  }
  const peeked = await rig.queue.peekMessages({ numberOfMessages: 32 });
  parts.push(`queue: ${peeked.peekedMessageItems.map((m) => m.messageId).join(',')}`);
  return parts.join('\n');
}

test('hostile requests to every console route: refused before anything is read, nothing in storage changes', async () => {
  const before = await storageSnapshot();
  const paths = [
    '',
    'app.js',
    'messages',
    'messages/k1',
    'messages/k1/cancel',
    'send',
    'activity',
    'optouts',
    'optouts/remove',
    'health',
    'settings',
  ];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...paths),
      fc.constantFrom('GET', 'POST'),
      fc.oneof(hostilePrincipalHeaders, fc.constant({}), fc.constant(principalHeaders(STRANGER))),
      fc.constantFrom<Record<string, string>>(
        {},
        { Origin: rig.host.baseUrl, 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-origin' },
      ),
      fc.oneof(
        fc.constant(''),
        fc.json(),
        fc.constant(JSON.stringify({ type: 'sms', to: '+14155550199', body: 'x', address: '+14155550199' })),
      ),
      async (path, method, principal, browserish, body) => {
        const response = await fetch(`${rig.host.baseUrl}/api/console/${path}`, {
          method,
          headers: { ...principal, ...browserish },
          body: method === 'POST' ? body : undefined,
        });
        const text = await response.text();
        // 431: a principal header past the HTTP server's own limit, refused before the app.
        expect([401, 403, 431]).toContain(response.status);
        expect(text).not.toMatch(/\+1415555\d{4}|SM[0-9a-f]{32}/);
      },
    ),
    { numRuns: Number(process.env.FUZZ_RUNS) || 60 },
  );
  expect(await storageSnapshot()).toBe(before);
  expect(rig.output()).not.toMatch(/Request handling failed/);
});

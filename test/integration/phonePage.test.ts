// The browser phone in a real browser: the machine's headless Chromium or Chrome, driven by playwright-core, against the local
// host. Twilio is made unreachable on purpose (its host names resolve to nothing), so the page must get its token,
// create the Voice SDK device, and then say clearly that it cannot reach Twilio. Screenshots go to test-output/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../harness/browser';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { repoRoot, startHost, type RunningHost } from '../../harness/localHost';
import { SENTINEL_CREDENTIALS } from '../../harness/secrets';

const SCREENSHOTS = join(repoRoot, 'test-output', 'phone');
const DEV_IDENTITY = 'dev-tester';

let azurite: RunningAzurite;
/** Development with CLIENT_DEV_IDENTITY: the page gets a token. */
let dev: RunningHost;
/** No platform authentication and no dev identity: signed out. */
let signedOut: RunningHost;

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  azurite = await startAzurite();
  const common = {
    AzureWebJobsStorage: azurite.connectionString,
    ...SENTINEL_CREDENTIALS,
    TWILIO_TWIML_APP_SID: 'AP0123456789abcdef0123456789abcdef',
    TWILIO_FROM_NUMBER: '+14155550006',
  };
  [dev, signedOut, browser] = await Promise.all([
    startHost({ ...common, OUTBOUND_QUEUE: 'phone-dev', CLIENT_DEV_IDENTITY: DEV_IDENTITY }),
    startHost({ ...common, OUTBOUND_QUEUE: 'phone-signed-out' }),
    // Twilio out of reach, whatever the machine's network: its names resolve to nothing.
    launchBrowser(['--host-resolver-rules=MAP *.twilio.com ~NOTFOUND, MAP twilio.com ~NOTFOUND']),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([dev?.stop(), signedOut?.stop()]);
  await azurite?.stop();
});

async function open(host: RunningHost): Promise<{ page: Page; tokenStatuses: number[]; consoleErrors: string[] }> {
  const page = await browser.newPage();
  const tokenStatuses: number[] = [];
  const consoleErrors: string[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/api/token') tokenStatuses.push(response.status());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await page.goto(`${host.baseUrl}/api/phone`);
  return { page, tokenStatuses, consoleErrors };
}

const state = (page: Page) => page.locator('body').getAttribute('data-state');

test('renders, gets a token, creates the Voice SDK device, and says Twilio cannot be reached', async () => {
  const { page, tokenStatuses, consoleErrors } = await open(dev);
  await page.screenshot({ path: join(SCREENSHOTS, '1-loaded.png') });
  await expect(page.locator('h1').textContent()).resolves.toBe('Phone');
  expect(await page.locator('#pad button').count()).toBe(12);

  // The token fetched, the device created with it.
  await page.waitForFunction(() => window.softphone !== undefined, undefined, { timeout: 20_000 });
  expect(tokenStatuses).toEqual([200]);
  const device = await page.evaluate(() => ({
    identity: window.softphone!.identity,
    isDevice: typeof window.softphone!.device.register === 'function' && typeof window.softphone!.device.connect === 'function',
    deviceState: window.softphone!.device.state,
  }));
  expect(device).toEqual({ identity: DEV_IDENTITY, isDevice: true, deviceState: expect.stringMatching(/^(unregistered|registering)$/) });
  await expect(page.locator('#identity').textContent()).resolves.toContain(`client:${DEV_IDENTITY}`);

  // Twilio is unreachable: the page ends offline and says why; calling stays disabled.
  await page.waitForFunction(() => document.body.dataset.state === 'offline', undefined, { timeout: 30_000 });
  await page.screenshot({ path: join(SCREENSHOTS, '2-offline.png') });
  await expect(page.locator('#status').textContent()).resolves.toMatch(/^Cannot reach Twilio: \w+Error \(\d+\)/);
  expect(await page.locator('#call').isDisabled()).toBe(true);
  expect(await page.locator('#accept').isDisabled()).toBe(true);
  expect(consoleErrors).toEqual([]);

  // The dial pad still types the number.
  await page.locator('#pad button[data-digit="4"]').click();
  await page.locator('#pad button[data-digit="2"]').click();
  await expect(page.locator('#number').inputValue()).resolves.toBe('42');
  await page.close();
});

// The SDK schedules tokenWillExpire from the TTL Twilio's signalling server reports once connected, which cannot
// happen offline; the event is emitted on the real device here, so the page's renewal runs as it would.
test('on tokenWillExpire, fetches a new token and hands it to the device', async () => {
  const { page, tokenStatuses } = await open(dev);
  await page.waitForFunction(() => window.softphone !== undefined, undefined, { timeout: 20_000 });
  const first = await page.evaluate(() => window.softphone!.device.token);
  // Tokens are issued to the second (iat, and the jti built from it): a renewal within the same second is identical.
  await page.waitForTimeout(1100);
  await page.evaluate(() => window.softphone!.device.emit('tokenWillExpire', window.softphone!.device));
  await page.waitForFunction((old) => window.softphone!.device.token !== old, first, { timeout: 20_000 });
  expect(tokenStatuses.slice(0, 2)).toEqual([200, 200]);
  const renewed = await page.evaluate(() => window.softphone!.device.token);
  expect(renewed).toMatch(/^eyJ/);
  await page.close();
});

test('with App Service Authentication off, the page refuses and names CLIENT_DEV_IDENTITY: no token, no device, no sign-in link (it would 404)', async () => {
  const response = await fetch(`${signedOut.baseUrl}/api/phone`);
  expect(response.status).toBe(403);
  const { page, tokenStatuses } = await open(signedOut);
  expect(await state(page)).toBe('signed-out');
  await expect(page.locator('#status').textContent()).resolves.toMatch(/App Service Authentication is off.*CLIENT_DEV_IDENTITY/);
  expect(await page.locator('#sign-in').count()).toBe(0);
  expect(await page.evaluate(() => window.softphone)).toBeUndefined();
  expect(tokenStatuses).toEqual([]);
  expect(await page.locator('#pad button:disabled').count()).toBe(12);
  expect(await page.locator('#number').isDisabled()).toBe(true);
  await page.screenshot({ path: join(SCREENSHOTS, '3-signed-out.png') });
  // And the token endpoint itself refuses the browser.
  const status = await page.evaluate(async () => (await fetch('/api/token', { method: 'POST' })).status);
  expect(status).toBe(403);
  await page.close();
});

test('the script is served from the app with the Voice SDK in it', async () => {
  const response = await fetch(`${dev.baseUrl}/api/phone/softphone.js`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
  const script = await response.text();
  expect(script).toContain('tokenWillExpire');
  expect(script.length).toBeGreaterThan(100_000);
});

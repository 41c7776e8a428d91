// Operator tools through the local host, against Azurite and Prism: the Debugger webhook, the ledger retention
// timer (the local host runs the real NCRONTAB schedule), npm run replay and npm run simulate.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TableClient } from '@azure/data-tables';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { MOCK_TWILIO_CREDENTIALS } from '../../devhost/services';
import { repoRoot } from '../../harness/localHost';
import { outboundHelpers, startOutboundRig, WEBHOOK_BASE_URL, type OutboundRig } from '../../harness/outboundRig';
import { waitFor } from '../../harness/waitFor';

const run = promisify(execFile);
let rig: OutboundRig;
let scratch: string;
const { ledgerRow, rowWithStatus, creates, lookups, enqueue } = outboundHelpers(() => rig);
const TOKEN = MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  rig = await startOutboundRig({
    queueName: 'operator-it',
    hostEnv: { OUTBOUND_LEDGER: 'ledgerops', OUTBOUND_LEDGER_RETENTION_DAYS: '30', OUTBOUND_LEDGER_RETENTION_SCHEDULE: '*/1 * * * * *' },
  });
  await rig.poison.createIfNotExists();
  scratch = mkdtempSync(join(tmpdir(), 'operator-tools-'));
}, 60_000);

afterAll(async () => {
  await rig?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** A CLI of ours with the rig's settings (cwd has no local.settings.json). */
function cli(script: string, args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [join(repoRoot, 'build', script), ...args], {
    cwd: scratch,
    env: { PATH: process.env.PATH, ...rig.env, ...env },
  }).catch((error: { stdout?: string; stderr?: string; code?: number }) => ({
    stdout: error.stdout ?? '',
    stderr: error.stderr ?? '',
    code: error.code,
  }));
}

function logLines(event: string): Array<Record<string, unknown>> {
  return rig.host
    .output()
    .split('\n')
    .filter((line) => line.includes(`{"event":"${event}"`))
    .map((line) => JSON.parse(line.slice(line.indexOf('{"event":'))) as Record<string, unknown>);
}

describe('twilio-alerts: Twilio Debugger events become structured log lines', () => {
  const path = '/api/twilio-alerts';
  const params = {
    AccountSid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID,
    Sid: 'NO0123456789abcdef0123456789abcdef',
    Level: 'ERROR',
    Timestamp: '2026-12-01T08:00:00Z',
    PayloadType: 'application/json',
    Payload: JSON.stringify({
      resource_sid: 'CA0123456789abcdef0123456789abcdef',
      error_code: '11200',
      webhook: {
        request: { url: 'https://calls.example.test/api/voice?code=secret-key&From=%2B14155550111', method: 'POST' },
        response: { status_code: 502 },
      },
    }),
  };
  const post = (signature: string | undefined, body = params) =>
    fetch(`${rig.host.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(signature ? { 'X-Twilio-Signature': signature } : {}) },
      body: new URLSearchParams(body),
    });

  test('logs an error with the code, the resource and the failing URL without its query', async () => {
    const response = await post(getExpectedTwilioSignature(TOKEN, `${WEBHOOK_BASE_URL}${path}`, params));
    expect(response.status).toBe(204);
    const entry = await waitFor(() => logLines('twilio-alert').find((e) => e.sid === params.Sid), { context: () => rig.host.output() });
    expect(entry).toMatchObject({
      level: 'error',
      errorCode: '11200',
      resourceSid: 'CA0123456789abcdef0123456789abcdef',
      failingUrl: 'https://calls.example.test/api/voice',
      responseStatus: '502',
    });
    expect(rig.host.output()).not.toContain('secret-key');
    expect(rig.host.output()).toMatch(/error: \{"event":"twilio-alert"/);
  });

  test('refuses unsigned (400) and forged (403) events and logs none of them', async () => {
    const forged = { ...params, Sid: 'NOffffffffffffffffffffffffffffffff' };
    expect((await post(undefined, forged)).status).toBe(400);
    expect((await post(getExpectedTwilioSignature('not-the-token', `${WEBHOOK_BASE_URL}${path}`, forged), forged)).status).toBe(403);
    expect(logLines('twilio-alert').filter((e) => e.sid === forged.Sid)).toEqual([]);
  });
});

describe('ledgerRetention: the timer keeps the ledger bounded', () => {
  test('deletes final rows older than the retention, keeps young, unfinished rows and every opt-out', async () => {
    const table = TableClient.fromConnectionString(rig.env.AzureWebJobsStorage, 'ledgerops', { allowInsecureConnection: true });
    const optOuts = TableClient.fromConnectionString(rig.env.AzureWebJobsStorage, rig.env.OPTOUT_TABLE, { allowInsecureConnection: true });
    await Promise.all([table.createTable().catch(() => undefined), optOuts.createTable().catch(() => undefined)]);
    const old = new Date(Date.now() - 31 * DAY_MS).toISOString();
    const young = new Date(Date.now() - 29 * DAY_MS).toISOString();
    const row = (key: string, status: string, updatedAt: string) => ({
      partitionKey: key,
      rowKey: '',
      status,
      attempts: 1,
      createdAt: updatedAt,
      updatedAt,
    });
    await Promise.all([
      table.createEntity(row('ret-old-delivered', 'delivered', old)),
      table.createEntity(row('ret-old-failed', 'failed', old)),
      table.createEntity(row('ret-old-rejected', 'rejected', old)),
      table.createEntity(row('ret-old-poisoned', 'poisoned', old)),
      table.createEntity(row('ret-old-accepted', 'accepted', old)),
      table.createEntity(row('ret-young-delivered', 'delivered', young)),
      optOuts.createEntity({ partitionKey: 'optout', rowKey: '+15550001111', keyword: 'STOP', optedOutAt: old }),
    ]);
    await waitFor(async () => (await ledgerRow('ret-old-delivered')) === undefined && (await ledgerRow('ret-old-rejected')) === undefined, {
      context: () => rig.host.output(),
    });
    expect(await ledgerRow('ret-old-failed')).toBeUndefined();
    for (const key of ['ret-old-poisoned', 'ret-old-accepted', 'ret-young-delivered']) expect(await ledgerRow(key)).toBeDefined();
    expect(await optOuts.getEntity('optout', '+15550001111')).toMatchObject({ keyword: 'STOP' });
    const counts = logLines('ledger-retention').map((e) => e.deleted as number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
  });
});

describe('npm run replay: poisoned messages go back on the queue and continue from their ledger row', () => {
  const failing = { kind: 'status' as const, status: 500, body: { code: 20500, message: 'injected 500', status: 500 } };

  async function poison(message: Record<string, unknown>): Promise<string> {
    rig.planFaults(message.to as string, [failing], { repeat: true });
    await enqueue(message);
    const count = async () =>
      (await rig.poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.filter((m) =>
        m.messageText.includes(message.to as string),
      ).length;
    await waitFor(async () => (await count()) === 1 || undefined, { context: () => rig.host.output(), timeoutMs: 30_000 });
    rig.planFaults(message.to as string, []);
    return message.to as string;
  }

  test('a dry run lists the message and moves nothing; the replay sends it once, after a Twilio lookup', async () => {
    const to = await poison({ type: 'sms', to: '+15550102001', body: 'replay me', idempotencyKey: 'replay-own-key' });
    expect((await ledgerRow('replay-own-key'))?.status).toBe('poisoned');
    const dry = await cli('replay.js', ['--dry-run', '--hide-seconds', '2', '--key', 'replay-own-key']);
    expect(dry.stdout).toContain('would move replay-own-key (own key)');
    expect((await ledgerRow('replay-own-key'))?.status).toBe('poisoned');
    const createsBefore = creates(to).length;
    // The dry run hid the message for 2 s.
    await new Promise((r) => setTimeout(r, 2_500));
    const moved = await cli('replay.js', ['--key', 'replay-own-key']);
    expect(moved.stdout).toMatch(/Moved 1 message/);
    const row = await rowWithStatus('replay-own-key', 'sent');
    expect(row.attempts).toBeGreaterThan(1);
    expect(lookups(to).length).toBeGreaterThan(0);
    expect(creates(to).length).toBe(createsBefore + 1);
    expect((await rig.poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.some((m) => m.messageText.includes(to))).toBe(
      false,
    );
  }, 90_000);

  test('a message keyed by its queue message id is matched to its poisoned row and keeps that key', async () => {
    const to = await poison({ type: 'sms', to: '+15550102002', body: 'no key of my own' });
    const moved = await cli('replay.js', []);
    const match = /moved (\S+) \(matched ledger row\)/.exec(moved.stdout);
    expect(match).not.toBeNull();
    const row = await rowWithStatus(match![1], 'sent');
    expect(row.to).toBe(to);
  }, 90_000);
});

describe('npm run simulate: signed requests as Twilio sends them', () => {
  test('an incoming call gets the voice webhook TwiML', async () => {
    const { stdout } = await cli('simulate.js', ['call', '--send-to', rig.host.baseUrl]);
    expect(stdout).toMatch(/POST \/api\/voice -> 200/);
    expect(stdout).toContain('<Response>');
  });

  test('a forged token gets 403, and the tool exits non-zero', async () => {
    const result = await cli('simulate.js', ['call', '--send-to', rig.host.baseUrl], { TWILIO_AUTH_TOKEN: 'wrong-token' });
    expect(result.stdout).toMatch(/-> 403/);
    expect((result as { code?: number }).code).toBe(1);
  });

  test('an SMS STOP records the opt-out', async () => {
    const { stdout } = await cli('simulate.js', ['sms', '--body', 'STOP', '--from', '+15550103003', '--send-to', rig.host.baseUrl]);
    expect(stdout).toMatch(/-> 200/);
    const optOuts = TableClient.fromConnectionString(rig.env.AzureWebJobsStorage, rig.env.OPTOUT_TABLE, { allowInsecureConnection: true });
    // Scoped to the number it went to (--to defaults to TWILIO_FROM_NUMBER; OPTOUT_SCOPE=sender: see docs/outbound.md, Opt-outs).
    const scope = `sender:${MOCK_TWILIO_CREDENTIALS.TWILIO_FROM_NUMBER}`;
    await expect(optOuts.getEntity(scope, '+15550103003')).resolves.toMatchObject({ keyword: 'STOP' });
  });

  test('a status for a key carries the SID its ledger row holds, so the row moves on and no second send is recorded', async () => {
    await enqueue({ type: 'sms', to: '+15550104004', body: 'status by key', idempotencyKey: 'simulate-status-1' });
    const sent = await rowWithStatus('simulate-status-1', 'sent');
    const result = await cli('simulate.js', [
      'status',
      '--key',
      'simulate-status-1',
      '--message-status',
      'delivered',
      '--send-to',
      rig.host.baseUrl,
    ]);
    expect(result.stdout).toMatch(/^POST \/api\/status -> 204/);
    const row = await rowWithStatus('simulate-status-1', 'delivered');
    expect([row.sid, row.duplicateSids]).toEqual([sent.sid, undefined]);
  });

  test('a status for a key the ledger does not know is a usage error that says so', async () => {
    const result = await cli('simulate.js', ['status', '--key', 'no-such-key', '--send-to', rig.host.baseUrl]);
    expect((result as { code?: number }).code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      'No outbound message with key no-such-key in the ledger (npm run send prints the key it used).',
    );
  });

  test('a Debugger alert reaches /api/twilio-alerts', async () => {
    const { stdout } = await cli('simulate.js', ['alert', '--error-code', '11205', '--send-to', rig.host.baseUrl]);
    expect(stdout).toMatch(/POST \/api\/twilio-alerts -> 204/);
    await waitFor(() => logLines('twilio-alert').find((e) => e.errorCode === '11205'), { context: () => rig.host.output() });
  });
});

describe('npm run doctor and npm run point-numbers, against Prism and Azurite', () => {
  const NUMBER_SID = 'PN0123456789abcdef0123456789abcdef';
  const NUMBER = '+15005550006';
  let numberState: Record<string, string>;
  const numberResource = () => ({
    sid: NUMBER_SID,
    account_sid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID,
    phone_number: NUMBER,
    voice_url: numberState.voiceUrl,
    voice_method: numberState.voiceMethod,
    voice_fallback_url: numberState.voiceFallbackUrl,
    voice_fallback_method: numberState.voiceFallbackMethod,
    sms_url: numberState.smsUrl,
    sms_method: numberState.smsMethod,
    sms_fallback_url: numberState.smsFallbackUrl,
    sms_fallback_method: numberState.smsFallbackMethod,
    status_callback: numberState.statusCallback,
    status_callback_method: numberState.statusCallbackMethod,
  });
  const pointedHere = () => ({
    voiceUrl: `${WEBHOOK_BASE_URL}/api/voice`,
    voiceMethod: 'POST',
    voiceFallbackUrl: 'https://fallback.example.test/sorry',
    voiceFallbackMethod: 'GET',
    smsUrl: `${WEBHOOK_BASE_URL}/api/sms`,
    smsMethod: 'POST',
    smsFallbackUrl: 'https://fallback.example.test/sorry',
    smsFallbackMethod: 'GET',
    statusCallback: `${WEBHOOK_BASE_URL}/api/status`,
    statusCallbackMethod: 'POST',
  });
  const env = { TWILIO_PHONE_NUMBERS: NUMBER, TWILIO_FALLBACK_URL: 'https://fallback.example.test/sorry' };

  beforeAll(() => {
    // Prism has no state: the list answers with this number as it stands; updates are validated by Prism, then applied.
    const original = rig.twilio.fault;
    rig.twilio.fault = (request) => {
      if (request.method === 'GET' && /\/IncomingPhoneNumbers\.json/.test(request.path)) {
        return {
          kind: 'status',
          status: 200,
          body: { incoming_phone_numbers: [numberResource()], page: 0, page_size: 50, uri: request.path, next_page_uri: null },
        };
      }
      return original?.(request);
    };
  });

  test('doctor passes a configuration that is right, and says so', async () => {
    numberState = pointedHere();
    await rig.poison.createIfNotExists();
    await TableClient.fromConnectionString(rig.env.AzureWebJobsStorage, rig.env.OPTOUT_TABLE, { allowInsecureConnection: true })
      .createTable()
      .catch(() => undefined);
    const result = await cli('doctor.js', [], env);
    expect(result.stdout).toMatch(/number \+15005550006 URLs\s+ok/);
    expect(result.stdout).toMatch(/number \+15005550006 signatures\s+ok/);
    expect(result.stdout).toMatch(/Twilio credentials\s+ok/);
    expect(result.stdout).toMatch(/queue operator-it\s+ok/);
    // The test's own base URL is a test domain: a warning, not a failure.
    expect(result.stdout.replace(/\s+/g, ' ')).toMatch(
      /WEBHOOK_BASE_URL warn https:\/\/calls.example.test is a documentation or test domain/,
    );
    expect(result.stdout).toContain('All checks passed.');
    expect((result as { code?: number }).code ?? 0).toBe(0);
  });

  test('doctor fails a number that points elsewhere and names the fix', async () => {
    numberState = {
      ...pointedHere(),
      voiceUrl: 'https://old-app.example.test/api/voice',
      smsUrl: 'https://demo.twilio.com/welcome/sms/reply',
    };
    const result = await cli('doctor.js', [], env);
    expect(result.stdout).toMatch(/number \+15005550006 URLs\s+FAIL\s+voiceUrl is https:\/\/old-app.example.test\/api\/voice, should/);
    expect(result.stdout).toMatch(/signatures\s+FAIL\s+voiceUrl, smsUrl are not under https:\/\/calls.example.test/);
    expect(result.stdout).toContain('npm run point-numbers -- --yes');
    expect((result as { code?: number }).code).toBe(1);
  });

  test('doctor fails when storage cannot be reached', async () => {
    numberState = pointedHere();
    const result = await cli('doctor.js', [], {
      ...env,
      AzureWebJobsStorage: rig.env.AzureWebJobsStorage.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:9'),
    });
    expect(result.stdout).toMatch(/queue operator-it\s+FAIL\s+storage unreachable/);
    expect((result as { code?: number }).code).toBe(1);
  }, 60_000);

  test('doctor fails a queue or table the storage lacks, and takes a local poison queue not made yet as fine', async () => {
    numberState = pointedHere();
    const result = await cli('doctor.js', [], { ...env, OUTBOUND_QUEUE: 'doctor-missing', OUTBOUND_LEDGER: 'doctormissing' });
    const table = result.stdout.replace(/\s+/g, ' ');
    expect(table).toMatch(/queue doctor-missing FAIL not in the storage in AzureWebJobsStorage Provision it \(azd provision\)/);
    expect(table).toMatch(/queue doctor-missing-poison ok none yet: the local host creates it/);
    expect(table).toMatch(/table doctormissing FAIL not in the storage in AzureWebJobsStorage/);
    expect((result as { code?: number }).code).toBe(1);
  });

  test("doctor without Twilio credentials checks against the offline mock, says so, and counts the mock's credentials", async () => {
    const offline = { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_API_BASE_URL: '', KEY_VAULT_URL: '' };
    const mockPort = new URL(rig.env.TWILIO_API_BASE_URL).port;
    // The table wraps long cells: read it with its whitespace folded.
    const table = async (...args: string[]) => (await cli('doctor.js', args, offline)).stdout.replace(/\s+/g, ' ');
    const up = await table('--mock-port', mockPort);
    expect(up).toMatch(/Twilio credentials ok offline mock: the test account AC…0000 fetched from http:\/\/127.0.0.1:\d+ \(Prism/);
    expect(up).not.toMatch(/TWILIO_ACCOUNT_SID is missing|network path to Twilio/);
    const down = await table('--mock-port', '9');
    expect(down).toMatch(/Twilio credentials FAIL no Twilio credentials are set, and the offline mock at/);
    expect(down).toContain('http://127.0.0.1:9 did not answer');
    expect(down).toMatch(/Start the app \(npm start\), which runs the offline mock/);
  });

  test('doctor fails a bad setting before anything else', async () => {
    const result = await cli('doctor.js', [], { ...env, VOICE_MODE: 'karaoke' });
    expect(result.stdout).toMatch(/settings\s+FAIL\s+Setting VOICE_MODE/);
    expect((result as { code?: number }).code).toBe(1);
  });

  test('point-numbers shows the changes, applies them only with --yes, through a request Prism accepts, and is idempotent', async () => {
    numberState = { ...pointedHere(), voiceUrl: 'https://old-app.example.test/api/voice' };
    const updates = () =>
      rig.twilio.requests.filter((r) => r.method === 'POST' && r.path.includes(`/IncomingPhoneNumbers/${NUMBER_SID}.json`));
    const dry = await cli('point-numbers.js', [], env);
    expect(dry.stdout).toContain('voiceUrl: https://old-app.example.test/api/voice -> https://calls.example.test/api/voice');
    expect(dry.stdout).toContain('Nothing was changed');
    expect(updates()).toHaveLength(0);

    const applied = await cli('point-numbers.js', ['--yes'], env);
    expect(applied.stdout).toContain('updated');
    expect(updates()).toHaveLength(1);
    expect(updates()[0].status).toBe(200);
    expect(Object.fromEntries(updates()[0].form)).toEqual({ VoiceUrl: 'https://calls.example.test/api/voice' });

    numberState = pointedHere();
    const again = await cli('point-numbers.js', ['--yes'], env);
    expect(again.stdout).toContain('already points at https://calls.example.test');
    expect(updates()).toHaveLength(1);
  });
});

test('no operator tool prints a credential: doctor, simulate, replay and point-numbers with sentinel credentials', async () => {
  const { leakedSecrets, SENTINEL_CREDENTIALS } = await import('../../harness/secrets');
  const env = { ...SENTINEL_CREDENTIALS, TWILIO_PHONE_NUMBERS: '+15005550006' };
  const outputs = await Promise.all([
    cli('doctor.js', [], env),
    cli('simulate.js', ['call', '--send-to', rig.host.baseUrl], env),
    cli('simulate.js', ['alert', '--send-to', rig.host.baseUrl], env),
    cli('replay.js', ['--dry-run', '--hide-seconds', '1'], env),
    cli('point-numbers.js', [], env),
  ]);
  const text = outputs.map((o) => `${o.stdout}\n${o.stderr}`).join('\n');
  expect(text).toContain('check');
  expect(leakedSecrets(text)).toEqual([]);
  expect(leakedSecrets(rig.host.output())).toEqual([]);
});

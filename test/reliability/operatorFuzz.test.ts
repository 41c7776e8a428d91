// Property-based hostile input against the Twilio Debugger webhook (/api/twilio-alerts) in process: signed hostile
// bodies with hostile Level, Payload and Sid values. The answer is 204 or a clean 400, never a throw; the log line
// it writes carries no secret, no query string of the failing URL, and no unbounded value.
import fc from 'fast-check';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { twilioAlerts } from '../../functions/twilioAlerts';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { formParamsOf, hostileBody, hostileValue } from '../../harness/hostileInput';
import { leakedSecrets, SENTINEL_CREDENTIALS } from '../../harness/secrets';
import { sign } from '../../harness/twilioRequests';

const RUNS = Number(process.env.FUZZ_RUNS) || 40;
const URL_ = 'https://calls.example.com/api/twilio-alerts';
const savedEnv = { ...process.env };

beforeAll(() => {
  process.env = { ...savedEnv, AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...SENTINEL_CREDENTIALS };
  resetSettingsForTests();
});
afterAll(() => {
  process.env = { ...savedEnv };
  resetSettingsForTests();
});

async function invoke(body: Buffer, signed = true) {
  const signature = signed
    ? sign(SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN, URL_, formParamsOf(body))
    : sign('forged', URL_, formParamsOf(body));
  const request = new HttpRequest({
    method: 'POST',
    url: URL_,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: { bytes: body },
  });
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: 'twilioAlerts',
    logHandler: (level, ...args) => logs.push(`${level} ${args.join(' ')}`),
  });
  const response = await twilioAlerts(request, context);
  return { status: response.status ?? 200, body: String(response.body ?? ''), logs: logs.join('\n') };
}

const payload = fc.oneof(
  hostileValue,
  fc
    .record({
      error_code: fc.oneof(hostileValue, fc.integer()),
      resource_sid: hostileValue,
      webhook: fc.record({
        request: fc.record({ url: fc.oneof(hostileValue, fc.webUrl({ withQueryParameters: true })), method: hostileValue }),
      }),
    })
    .map((value) => JSON.stringify(value)),
);
const base = {
  AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID,
  Sid: 'NO0123456789abcdef0123456789abcdef',
  Level: 'ERROR',
  Payload: '{}',
};

describe('/api/twilio-alerts under hostile input', () => {
  test('answers 204 or a clean 400 to any signed request, and logs nothing it should not', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileBody(['Level', 'Payload', 'Sid', 'Timestamp'], base),
        payload,
        fc.constantFrom('ERROR', 'WARNING', 'error', 'info', ''),
        async (body, hostilePayload, level) => {
          const form = new URLSearchParams(body.toString('latin1'));
          form.set('Payload', hostilePayload);
          form.set('Level', level);
          const outcome = await invoke(Buffer.from(form.toString()));
          expect([204, 400]).toContain(outcome.status);
          expect(leakedSecrets(outcome.logs)).toEqual([]);
          expect(leakedSecrets(outcome.body)).toEqual([]);
          const line = outcome.logs.split('\n').find((l) => l.includes('"event":"twilio-alert"')) ?? '';
          expect(line.length).toBeLessThan(5000);
          const failingUrl = /"failingUrl":"([^"]*)"/.exec(line)?.[1];
          if (failingUrl) expect(failingUrl).not.toContain('?');
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('hostile raw bodies, signed, never throw', async () => {
    await fc.assert(
      fc.asyncProperty(hostileBody(['Level', 'Payload'], base), async (body) => {
        expect([204, 400]).toContain((await invoke(body)).status);
      }),
      { numRuns: RUNS },
    );
  });

  test('a forged event is refused with 403 and logged as nothing but the refusal', async () => {
    const outcome = await invoke(Buffer.from(new URLSearchParams(base).toString()), false);
    expect(outcome.status).toBe(403);
    expect(outcome.logs).not.toContain('"event":"twilio-alert"');
  });
});

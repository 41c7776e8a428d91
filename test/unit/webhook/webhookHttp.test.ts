// The webhook shell in-process, with the real @azure/functions request and context classes.
import { HttpRequest, InvocationContext } from '@azure/functions';
import { resetSettingsForTests } from '../../../shared/platform/settings';
import { twimlWebhook } from '../../../shared/webhook/webhookHttp';
import { formBody, sign } from '../../../harness/twilioRequests';

const URL_CALLED = 'https://calls.example.com/api/test?code=k';
const savedEnv = { ...process.env };

function context(): { context: InvocationContext; warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    context: new InvocationContext({
      functionName: 'test',
      logHandler: (level, ...args) => level === 'warning' && warnings.push(args.join(' ')),
    }),
  };
}

function post(body: string, headers: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: URL_CALLED,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: { string: body },
  });
}

const echoParams = twimlWebhook(({ params }) => `<Response>${JSON.stringify(params)}</Response>`);

afterEach(() => {
  process.env = { ...savedEnv };
  resetSettingsForTests();
});

function env(values: Record<string, string>): void {
  process.env = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...values };
  resetSettingsForTests();
}

test('a request without a signature is refused before credentials are even looked up', async () => {
  env({}); // no auth token configured: looking it up would throw
  const { context: ctx, warnings } = context();
  const response = await echoParams(post('From=%2B14155550111'), ctx);
  expect(response.status).toBe(400);
  expect(warnings).toEqual(['Rejected POST /api/test: no X-Twilio-Signature header (400).']);
});

test('a signed request reaches the handler with query and body parameters, repeated keys kept', async () => {
  env({ TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000', TWILIO_AUTH_TOKEN: 'token' });
  const params = { From: '+14155550111', Digits: ['1', '2'] };
  const response = await echoParams(post(formBody(params), { 'X-Twilio-Signature': sign('token', URL_CALLED, params) }), context().context);
  expect(response.status).toBe(200);
  expect(JSON.parse(String(response.body).slice('<Response>'.length, -'</Response>'.length))).toEqual({ code: 'k', ...params });
});

test('with TWILIO_VALIDATE_SIGNATURES=false in Development, every request passes and logs a warning', async () => {
  env({ TWILIO_VALIDATE_SIGNATURES: 'false', AZURE_FUNCTIONS_ENVIRONMENT: 'Development' });
  const { context: ctx, warnings } = context();
  expect((await echoParams(post('A=1'), ctx)).status).toBe(200);
  expect((await echoParams(post('A=2', { 'X-Twilio-Signature': 'forged' }), ctx)).status).toBe(200);
  expect(warnings).toEqual([
    'TWILIO_VALIDATE_SIGNATURES=false: X-Twilio-Signature not checked for POST /api/test (Development only).',
    'TWILIO_VALIDATE_SIGNATURES=false: X-Twilio-Signature not checked for POST /api/test (Development only).',
  ]);
});

test('a signed request with parameters named constructor, toString or __proto__ is accepted with them', async () => {
  env({ TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000', TWILIO_AUTH_TOKEN: 'token' });
  const params = Object.fromEntries([
    ['constructor', 'a'],
    ['toString', ['b', 'c']],
    ['__proto__', 'd'],
  ]) as Record<string, string | string[]>;
  const response = await echoParams(post(formBody(params), { 'X-Twilio-Signature': sign('token', URL_CALLED, params) }), context().context);
  expect(response.status).toBe(200);
  const received = JSON.parse(String(response.body).slice('<Response>'.length, -'</Response>'.length));
  expect(Object.entries(received)).toEqual([['code', 'k'], ...Object.entries(params)]);
});

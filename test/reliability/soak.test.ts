// The soak's webhook load, CI-sized: the same signed request mix and response checks as `npm run soak`, for a
// few seconds on 10 connections. Asserts correctness only (every answer right, no 5xx), never speed.
import { startSoakApp, type SoakApp } from '../../harness/soak/soakApp';
import { runWebhookLoad, wrongAnswer } from '../../harness/soak/webhookLoad';
import { leakedSecrets } from '../../harness/secrets';

let app: SoakApp;

beforeAll(async () => {
  app = await startSoakApp();
});

afterAll(async () => {
  await app?.stop();
});

test('under concurrent signed webhooks every answer is the right TwiML, with no 5xx and no request left unanswered', async () => {
  // Every connection goes twice through the whole mix (23 requests), however busy the machine: the count ends the
  // run, the duration is only its bound.
  const load = await runWebhookLoad(app.target, { connections: 10, durationSeconds: 60, maxRequests: 10 * 23 * 2 });
  expect(load.wrongExamples).toEqual([]);
  expect(load.wrongAnswers).toBe(0);
  expect(load.status5xx).toBe(0);
  expect(load.errors).toBe(0);
  // Every kind of request in the mix was answered, so the zero above covers each of them.
  expect(load.endpoints.map((e) => e.name).sort()).toEqual([
    'assistant turn',
    'audio',
    'audio revalidated',
    'client-voice',
    'event-streams',
    'forward',
    'menu',
    'menu digits',
    'menu speech',
    'menu speech unmatched',
    'message',
    'queue',
    'queue hold music (audio:)',
    'queue wait',
    'sms',
    'sms START',
    'sms STOP',
    'sms blocklisted',
    'twilio-alerts',
    'voice (business hours)',
    'voice blocklisted',
  ]);
  // The voice webhook's answers were checked against the clock: open in even minutes, closed in odd ones.
  const hours = load.endpoints.find((e) => e.name === 'voice (business hours)')!;
  expect(Object.values(hours.variants ?? {}).reduce((a, b) => a + b, 0)).toBe(hours.answered - hours.wrong);
  for (const endpoint of load.endpoints)
    expect({ name: endpoint.name, answered: endpoint.answered > 0 }).toEqual({ name: endpoint.name, answered: true });
  expect(leakedSecrets(app.host.output())).toEqual([]);
  expect(app.host.output()).not.toMatch(/\(Failed\)|Request handling failed/);
});

describe('what counts as a wrong answer', () => {
  const twiml = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hi</Say><Hangup/></Response>';

  test('the right TwiML with status 200 and text/xml is right', () => {
    expect(wrongAnswer(['Say: Hi', /^Hang/], 200, twiml, 'text/xml; charset=utf-8')).toBeUndefined();
  });

  test.each([
    ['another status', 500, twiml, 'text/xml', 'status 500'],
    ['another content type', 200, twiml, 'text/plain', 'content-type text/plain'],
    ['a body that is not TwiML', 200, '<Response><Say>Hi</Response>', 'text/xml', 'not TwiML: <Response><Say>Hi</Response>'],
    ['another root', 200, '<Foo/>', 'text/xml', 'not TwiML: <Foo/>'],
    ['other verbs', 200, '<Response><Say>Bye</Say></Response>', 'text/xml', 'verbs ["Say: Bye"]'],
  ])('%s is wrong', (_, status, body, contentType, problem) => {
    expect(wrongAnswer(['Say: Hi', /^Hang/], status, body, contentType)).toBe(problem);
  });
});

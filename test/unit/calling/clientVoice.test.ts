// The TwiML App's voice webhook: where a browser call may go, as CLIENT_DIAL_ALLOWED says.
import { answerClientVoice, clientVoiceTwiml } from '../../../shared/calling/clientVoiceTwiml';
import { recordingLog } from '../invocationLog';
import { destination, effectiveAllowed, REFUSAL_WORDS, type DialPolicy } from '../../../shared/calling/dialPolicy';
import { parseSettings } from '../../../shared/platform/settings';
import { parseTwiml, verbs } from '../../../harness/twiml';

const US_FROM = '+14155550006';
const fromBrowser = (to: string, extra: Record<string, string> = {}) => ({
  From: 'client:alice',
  Caller: 'client:alice',
  To: to,
  ...extra,
});
const twiml = (to: string, policy: DialPolicy) => parseTwiml(clientVoiceTwiml(fromBrowser(to), policy).twiml);
const policyOf = (env: Record<string, string>): DialPolicy => {
  const s = parseSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...env });
  return { allowed: s.calling.dialAllowed, fromNumber: s.twilio.fromNumber };
};

describe('by default (CLIENT_DIAL_ALLOWED unset)', () => {
  const policy = policyOf({ TWILIO_FROM_NUMBER: US_FROM });

  test('allows only the country of TWILIO_FROM_NUMBER', () => {
    expect(effectiveAllowed(policy)).toEqual(['US']);
  });

  test('dials a number in that country from TWILIO_FROM_NUMBER', () => {
    const response = twiml('+12125550123', policy);
    expect(response.children).toEqual([
      {
        name: 'Dial',
        attrs: { answerOnBridge: 'true', callerId: US_FROM },
        text: '',
        children: [{ name: 'Number', attrs: {}, text: '+12125550123', children: [] }],
      },
    ]);
  });

  test.each([
    ['another country', '+442079460000', 'not-allowed'],
    ['another country sharing the calling code +1 (Jamaica)', '+18765550100', 'not-allowed'],
    ['a premium-rate number at home', '+19005550100', 'premium'],
    ['a number that cannot exist', '+1555', 'invalid-number'],
  ] as const)('refuses %s, in words the caller hears', (_, to, refusal) => {
    expect(destination(to, policy)).toMatchObject({ kind: 'refused', refusal });
    expect(verbs(twiml(to, policy))).toEqual([`Say: ${REFUSAL_WORDS[refusal]}`, 'Hangup']);
  });

  test('without TWILIO_FROM_NUMBER no number can be called', () => {
    expect(destination('+12125550123', policyOf({}))).toMatchObject({ kind: 'refused', refusal: 'no-caller-id' });
  });
});

describe('with CLIENT_DIAL_ALLOWED', () => {
  test('a country calling code allows its whole zone, a region only its country', () => {
    const byCode = policyOf({ TWILIO_FROM_NUMBER: US_FROM, CLIENT_DIAL_ALLOWED: '+44, +1' });
    expect(destination('+442079460000', byCode)).toMatchObject({ kind: 'number', number: '+442079460000' });
    expect(destination('+18765550100', byCode)).toMatchObject({ kind: 'number' });
    expect(destination('+33142685300', byCode)).toMatchObject({ kind: 'refused', refusal: 'not-allowed' });
    const byRegion = policyOf({ TWILIO_FROM_NUMBER: US_FROM, CLIENT_DIAL_ALLOWED: 'GB,CA' });
    expect(destination('+442079460000', byRegion)).toMatchObject({ kind: 'number' });
    expect(destination('+12125550123', byRegion)).toMatchObject({ kind: 'refused', refusal: 'not-allowed' });
  });

  test('a number listed one by one is allowed even when premium rate, and only that number', () => {
    const policy = policyOf({ TWILIO_FROM_NUMBER: US_FROM, CLIENT_DIAL_ALLOWED: '+19005550100' });
    expect(destination('+19005550100', policy)).toMatchObject({ kind: 'number' });
    expect(destination('+19005550101', policy)).toMatchObject({ kind: 'refused', refusal: 'not-allowed' });
    expect(destination('+12125550123', policy)).toMatchObject({ kind: 'refused', refusal: 'not-allowed' });
  });

  test('premium-rate and shared-cost numbers stay refused in every allowed country, while its other numbers pass', () => {
    const policy = policyOf({ TWILIO_FROM_NUMBER: US_FROM, CLIENT_DIAL_ALLOWED: 'GB, +33' });
    expect(destination('+449012345678', policy)).toMatchObject({ kind: 'refused', refusal: 'premium', region: 'GB' });
    expect(destination('+33891234567', policy)).toMatchObject({ kind: 'refused', refusal: 'premium', region: 'FR' });
    expect(destination('+33810123456', policy)).toMatchObject({ kind: 'refused', refusal: 'premium', region: 'FR' }); // shared cost
    expect(destination('+448001234567', policy)).toMatchObject({ kind: 'number', number: '+448001234567', region: 'GB' }); // toll free
    expect(destination('+442079460000', policy)).toMatchObject({ kind: 'number', region: 'GB' });
    expect(destination('+4490123', policy)).toMatchObject({ kind: 'refused', refusal: 'invalid-number' });
  });

  test('one number under different policies gets each policy its own answer (its facts are kept, not the decision)', () => {
    const listed = policyOf({ TWILIO_FROM_NUMBER: US_FROM, CLIENT_DIAL_ALLOWED: '+19005550100' });
    const byDefault = policyOf({ TWILIO_FROM_NUMBER: US_FROM });
    const british = policyOf({ TWILIO_FROM_NUMBER: '+442079460001' });
    for (let round = 0; round < 2; round++) {
      expect(destination('+19005550100', listed)).toMatchObject({ kind: 'number' });
      expect(destination('+19005550100', byDefault)).toMatchObject({ kind: 'refused', refusal: 'premium' });
      expect(destination('+19005550100', british)).toMatchObject({ kind: 'refused', refusal: 'not-allowed' });
      expect(destination('+19005550100', policyOf({}))).toMatchObject({ kind: 'refused', refusal: 'no-caller-id' });
    }
    expect(effectiveAllowed(british)).toEqual(['GB']);
  });

  test('none allows no number at all, but still other browsers', () => {
    const policy = policyOf({ TWILIO_FROM_NUMBER: US_FROM, CLIENT_DIAL_ALLOWED: 'none' });
    expect(destination('+12125550123', policy)).toMatchObject({ kind: 'refused', refusal: 'not-allowed' });
    expect(destination('client:bob', policy)).toEqual({ kind: 'client', identity: 'bob' });
  });

  test.each(['+44 20', 'Britain', '44', '+0', 'none,+44'])('the setting refuses to start with the entry "%s"', (entry) => {
    expect(() => policyOf({ CLIENT_DIAL_ALLOWED: entry })).toThrow(/CLIENT_DIAL_ALLOWED/);
  });
});

describe('calls between browsers and the rest', () => {
  const policy = policyOf({ TWILIO_FROM_NUMBER: US_FROM });

  test('To=client:<identity> dials that browser', () => {
    const response = twiml('client:7d3f5a0e-2b1c-4c8e-9a51-0c1f2e3d4b5a', policy);
    expect(response.children[0]).toMatchObject({
      name: 'Dial',
      children: [{ name: 'Client', text: '7d3f5a0e-2b1c-4c8e-9a51-0c1f2e3d4b5a' }],
    });
  });

  test.each([
    'client:',
    'client:bob smith',
    'client:<Dial>+15550009999</Dial>',
    'sip:x@evil.example',
    '12125550123',
    '',
    'tel:+12125550123',
  ])('refuses the destination %j, in words, never echoing it', (to) => {
    const answer = clientVoiceTwiml(fromBrowser(to), policy).twiml;
    const response = parseTwiml(answer);
    expect(verbs(response)).toEqual([expect.stringMatching(/^Say: Sorry, /), 'Hangup']);
    if (to) expect(answer).not.toContain(to.replace(/^client:/, '') || 'client:');
  });

  test('a call that does not come from a browser (a number pointed at the TwiML App) is refused', () => {
    const answer = clientVoiceTwiml({ From: '+12125550199', To: '+12125550123' }, policy);
    expect(answer.outcome).toEqual({ kind: 'refused', refusal: 'not-from-a-browser' });
    expect(verbs(parseTwiml(answer.twiml))).toEqual([
      expect.stringMatching(/^Say: Sorry, this line takes calls from the browser phone/),
      'Hangup',
    ]);
  });
});

describe('the log line of each decision (the number never in it)', () => {
  const policy = policyOf({ TWILIO_FROM_NUMBER: US_FROM });

  test('a call to an allowed number: one line with its region', () => {
    const log = recordingLog();
    const answer = answerClientVoice(fromBrowser('+12125550123'), policy, log);
    expect(parseTwiml(answer).children[0]?.name).toBe('Dial');
    expect(log.lines).toEqual([{ level: 'log', line: 'client-voice: a browser calls a number in US.' }]);
  });

  test('a refused number: a warning with the refusal and its region', () => {
    const log = recordingLog();
    answerClientVoice(fromBrowser('+442079460000'), policy, log);
    expect(log.lines).toEqual([{ level: 'warn', line: 'client-voice refused a browser call: not-allowed (region GB).' }]);
  });

  test('not from a browser: a warning without a region', () => {
    const log = recordingLog();
    answerClientVoice({ From: '+14155550100', To: '+12125550123' }, policy, log);
    expect(log.lines).toEqual([{ level: 'warn', line: 'client-voice refused a browser call: not-from-a-browser.' }]);
  });

  test('a call to another browser: no line', () => {
    const log = recordingLog();
    answerClientVoice(fromBrowser('client:bob'), policy, log);
    expect(log.lines).toEqual([]);
  });
});

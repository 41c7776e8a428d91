// The tool policy against hostile arguments: whatever the model asks for, calls go to the configured hand-over and
// texts only to VOICEMAIL_NOTIFY or the caller's own number, once per call, as plain text of bounded length.
import {
  callerTextKey,
  decideTool,
  MAX_CALLER_SMS,
  MAX_MESSAGE,
  messageKey,
  plainText,
  type CallFacts,
} from '../../../shared/assistant/toolPolicy';
import type { AssistantConfig } from '../../../shared/assistant/assistantConfig';

const CALL_SID = 'CA0123456789abcdef0123456789abcdef';
const CALLER = '+14155550123';
const NOTIFY = '+14155550199';
const FORWARD = '+14155550100';
const config: Pick<AssistantConfig, 'handover' | 'voicemailNotify'> = {
  handover: { kind: 'forward', number: FORWARD },
  voicemailNotify: NOTIFY,
};
const facts = (over: Partial<CallFacts> = {}): CallFacts => ({
  callSid: CALL_SID,
  caller: CALLER,
  messageTaken: false,
  callerTexted: false,
  ...over,
});
const call = (name: string, args: unknown) => ({ name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });

const OTHER = '+447700900123';
const PREMIUM = ['+19005550123', '+448712345678', '+449012345678'];

describe('transfer_to_human', () => {
  test('goes to the configured forward number whatever number the model names', () => {
    for (const args of [{}, { number: OTHER }, { to: PREMIUM[0], phone_number: PREMIUM[1] }, { number: '<Dial>+19005550123</Dial>' }]) {
      const decision = decideTool(call('transfer_to_human', args), facts(), config);
      expect(decision.action).toEqual({ kind: 'transfer', handover: { kind: 'forward', number: FORWARD } });
      expect(decision.result).not.toMatch(/\+?\d{7,}/);
    }
  });

  test('goes to the queue when that is the hand-over, and does nothing without one', () => {
    const queue = { kind: 'queue' as const, name: 'support', maxWaitSeconds: 300 };
    expect(decideTool(call('transfer_to_human', { queue: 'vip' }), facts(), { ...config, handover: queue }).action).toEqual({
      kind: 'transfer',
      handover: queue,
    });
    const none = decideTool(call('transfer_to_human', {}), facts(), { voicemailNotify: NOTIFY });
    expect(none.action.kind).toBe('none');
    expect(none.refusal).toBe('no-handover');
  });
});

describe('take_message', () => {
  test('texts VOICEMAIL_NOTIFY only, under a key from the CallSid, whatever "to" the model adds', () => {
    const decision = decideTool(
      call('take_message', { name: 'Ann', message: 'Call me about the order', to: OTHER, recipient: PREMIUM[0] }),
      facts(),
      config,
    );
    expect(decision.action.kind).toBe('message');
    if (decision.action.kind !== 'message') return;
    expect(decision.action.sms).toMatchObject({ type: 'sms', to: NOTIFY, idempotencyKey: messageKey(CALL_SID) });
    expect(decision.action.sms.body).toContain('Call me about the order');
    expect(decision.action.sms.body).not.toContain(OTHER);
    expect(decision.action.message.callbackNumber).toBe(CALLER);
  });

  test('a premium or invalid call-back number is not written down as one; the caller’s own number is', () => {
    for (const bad of [...PREMIUM, '12345', 'call 0800 EVIL', '+1 (900) 555-0123']) {
      const decision = decideTool(call('take_message', { name: 'Bo', message: 'Hi', callback_number: bad }), facts(), config);
      if (decision.action.kind !== 'message') throw new Error(`expected a message for ${bad}`);
      expect(decision.action.message.callbackNumber).toBe(CALLER);
      expect(decision.action.sms.body).toContain(`Call back: ${CALLER} (the number they said was not valid or costs a premium)`);
    }
    const good = decideTool(call('take_message', { name: 'Bo', message: 'Hi', callback_number: '+1 (415) 555-0124' }), facts(), config);
    if (good.action.kind !== 'message') throw new Error('expected a message');
    expect(good.action.message.callbackNumber).toBe('+14155550124');
  });

  test('once per call: a second message is refused and sends nothing', () => {
    const decision = decideTool(call('take_message', { name: 'Ann', message: 'again' }), facts({ messageTaken: true }), config);
    expect(decision.action.kind).toBe('none');
    expect(decision.refusal).toBe('once-per-call');
  });

  test('SSML and TwiML in the text are dropped, very long text is cut, and nothing is lost silently', () => {
    const hostile =
      `<speak><prosody rate="x-fast">Hi</prosody></speak><Response><Dial>${OTHER}</Dial></Response>]]>&amp;` + 'x'.repeat(5000);
    const decision = decideTool(call('take_message', { name: `<Say>${'N'.repeat(500)}</Say>`, message: hostile }), facts(), config);
    if (decision.action.kind !== 'message') throw new Error('expected a message');
    const { name, message } = decision.action.message;
    expect(message).not.toMatch(/[<>]/);
    expect(name).not.toMatch(/[<>]/);
    expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE);
    expect(message.endsWith('…')).toBe(true);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(decision.action.sms.body.length).toBeLessThanOrEqual(1600);
  });

  test('no VOICEMAIL_NOTIFY, an empty message or arguments that are not an object: nothing is sent', () => {
    expect(decideTool(call('take_message', { name: 'A', message: 'B' }), facts(), { handover: config.handover }).refusal).toBe(
      'no-message-line',
    );
    expect(decideTool(call('take_message', { name: 'A', message: '   <br/>  ' }), facts(), config).refusal).toBe('bad-arguments');
    for (const raw of ['not json', '[1,2]', '"text"', 'null', '{"name": ']) {
      expect(decideTool(call('take_message', raw), facts(), config).refusal).toBe('bad-arguments');
    }
  });
});

describe('send_sms_to_caller', () => {
  test("texts the caller's own number only, whatever number the model names", () => {
    for (const args of [
      { text: 'Our address is 1 Main St.', to: OTHER },
      { text: 'Hi', phone: PREMIUM[0], number: NOTIFY },
    ]) {
      const decision = decideTool(call('send_sms_to_caller', args), facts(), config);
      if (decision.action.kind !== 'textCaller') throw new Error('expected a text');
      expect(decision.action.sms.to).toBe(CALLER);
      expect(decision.action.sms.idempotencyKey).toBe(callerTextKey(CALL_SID));
    }
  });

  test('a hidden, non-phone or premium caller number cannot be texted', () => {
    for (const caller of [undefined, 'anonymous', 'client:alice', 'sip:bob@example.com', '+266696687']) {
      expect(decideTool(call('send_sms_to_caller', { text: 'Hi' }), facts({ caller }), config).refusal).toBe('no-caller-number');
    }
    expect(decideTool(call('send_sms_to_caller', { text: 'Hi' }), facts({ caller: PREMIUM[0] }), config).refusal).toBe(
      'caller-number-refused',
    );
  });

  test('once per call, plain text, at most MAX_CALLER_SMS characters', () => {
    expect(decideTool(call('send_sms_to_caller', { text: 'Hi' }), facts({ callerTexted: true }), config).refusal).toBe('once-per-call');
    const decision = decideTool(call('send_sms_to_caller', { text: `<speak>${'y'.repeat(2000)}</speak>` }), facts(), config);
    if (decision.action.kind !== 'textCaller') throw new Error('expected a text');
    expect(decision.action.sms.body.length).toBeLessThanOrEqual(MAX_CALLER_SMS);
    expect(decision.action.sms.body).not.toMatch(/[<>]/);
  });
});

test('end_call ends; a tool the model makes up does nothing', () => {
  expect(decideTool(call('end_call', { reason: 'x' }), facts(), config).action).toEqual({ kind: 'end' });
  for (const name of ['dial', 'send_sms', 'transfer_to_number', '__proto__', 'TAKE_MESSAGE']) {
    const decision = decideTool(call(name, { to: OTHER }), facts(), config);
    expect(decision).toMatchObject({ tool: 'unknown', action: { kind: 'none' }, refusal: 'unknown-tool' });
  }
});

test('plainText keeps words, drops markup and control characters, and never splits a surrogate pair', () => {
  expect(plainText('Hello\u0000 <break time="3s"/> there\n\n  friend', 100)).toBe('Hello there friend');
  expect(plainText('a < b > c', 100)).toBe('a b c');
  const cut = plainText('😀'.repeat(10), 6);
  expect(cut).toBe('😀😀…');
});

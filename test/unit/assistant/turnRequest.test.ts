// What a turn's request must hold before the model is asked (each refusal is the webhook's 400).
import { readTurnRequest } from '../../../shared/assistant/assistantTurn';
import { TwimlInputError } from '../../../shared/twiml/parts/errors';

const CALL = `CA${'0123456789abcdef'.repeat(2)}`;
const url = (turn: string) => new URL(`https://calls.example.test/api/assistant?turn=${turn}`);
const params = (extra: Record<string, string> = {}) => ({
  CallSid: CALL,
  SpeechResult: 'What are your hours?',
  From: ' +15551234567 ',
  ...extra,
});

test('reads the call, the turn, the words and the caller (trimmed)', () => {
  expect(readTurnRequest(params(), url('3'), true)).toEqual({
    callSid: CALL,
    turn: 3,
    speech: 'What are your hours?',
    caller: '+15551234567',
  });
});

test('a turn with no words (silence) still reads', () => {
  expect(readTurnRequest({ CallSid: CALL }, url('1'), true)).toEqual({ callSid: CALL, turn: 1, speech: undefined, caller: undefined });
});

test.each([
  ['the assistant off', params(), url('1'), false, 'The assistant is off: neither VOICE_MODE nor VOICE_CLOSED_MODE is assistant.'],
  ['no CallSid', { SpeechResult: 'hi' }, url('1'), true, 'CallSid is missing or is not a call SID.'],
  ['a CallSid that is not a call', params({ CallSid: `SM${'0'.repeat(32)}` }), url('1'), true, 'CallSid is missing or is not a call SID.'],
  ['no turn', params(), new URL('https://calls.example.test/api/assistant'), true, 'turn must be a whole number from 1.'],
  ['turn 0', params(), url('0'), true, 'turn must be a whole number from 1.'],
  ['turn 1001', params(), url('1001'), true, 'turn must be a whole number from 1.'],
  ['a turn that is not a number', params(), url('1e2'), true, 'turn must be a whole number from 1.'],
])('%s: a TwimlInputError (400) that says why', (_, given, at, active, message) => {
  expect(() => readTurnRequest(given, at, active)).toThrow(new TwimlInputError(message));
});

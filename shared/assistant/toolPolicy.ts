// The four tools the model may call, and what each call is allowed to do. Pure.
//
// Destinations never come from the model: a transfer goes to the configured hand-over, take_message texts
// VOICEMAIL_NOTIFY, send_sms_to_caller texts the number the call comes from. Arguments the model invents (a "to",
// a "number") are ignored; the text it gives is cleaned of markup and cut to length; each text goes out at most
// once per call, under an idempotency key derived from the CallSid, so a retried turn sends nothing twice.
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { costlyOrInvalid } from '../calling/dialPolicy';
import { isAnonymousCaller, isE164 } from '../phone';
import { outboundSms, truncate, type OutboundSms } from '../outbound/smsMessage';
import { xmlSafe } from '../twiml/parts/speech';
import type { AssistantConfig, Handover } from './assistantConfig';

export const TOOL_NAMES = ['transfer_to_human', 'take_message', 'send_sms_to_caller', 'end_call'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export const MAX_NAME = 80;
export const MAX_MESSAGE = 600;
export const MAX_CALLER_SMS = 320;

export const ASSISTANT_TOOLS: ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: {
      name: 'transfer_to_human',
      description: 'Connect the caller to a member of staff. Use when the caller asks for a person or you cannot help.',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
    },
  },
  {
    type: 'function',
    function: {
      name: 'take_message',
      description: "Pass the caller's message to the staff by text message. Ask for their name and message first. Once per call.",
      parameters: {
        type: 'object',
        properties: {
          name: { type: 'string', description: "The caller's name." },
          message: { type: 'string', description: 'The message, in the words the caller used.' },
          callback_number: { type: 'string', description: 'Where to call back, if not the number they are calling from (E.164).' },
        },
        required: ['name', 'message'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'send_sms_to_caller',
      description:
        'Text the caller, on the number they are calling from, something useful from these instructions (an address, hours). Once per call.',
      parameters: {
        type: 'object',
        properties: { text: { type: 'string', description: 'The text message, at most 300 characters.' } },
        required: ['text'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'end_call',
      description: 'End the call after saying goodbye, when the caller has what they need.',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
    },
  },
];

/** What the call already did: each text goes out once per call. */
export interface CallFacts {
  callSid: string;
  /** The caller's number (From) as Twilio sent it; anything but E.164 cannot be texted. */
  caller?: string;
  messageTaken: boolean;
  callerTexted: boolean;
}

export type ToolAction =
  | { kind: 'transfer'; handover: Handover }
  | { kind: 'end' }
  | { kind: 'message'; sms: OutboundSms; message: { name: string; message: string; callbackNumber: string | null } }
  | { kind: 'textCaller'; sms: OutboundSms }
  | { kind: 'none' };

/** Why a call did nothing: the model is told in words, the record and the event carry the code. */
export type ToolRefusal =
  'unknown-tool' | 'bad-arguments' | 'no-handover' | 'no-message-line' | 'once-per-call' | 'no-caller-number' | 'caller-number-refused';

export interface ToolDecision {
  /** The tool's name when it is one of ours, else 'unknown'. */
  tool: ToolName | 'unknown';
  action: ToolAction;
  /** What the model is told the call did: short, with no number and nothing of the settings in it. */
  result: string;
  refusal?: ToolRefusal;
}

/**
 * Plain text fit to speak or text: no control characters, no markup (SSML or TwiML tags are dropped, not escaped:
 * a voice reading "less than speak greater than" helps nobody), whitespace collapsed, at most `max` characters.
 */
export function plainText(text: string, max: number): string {
  const cleaned = xmlSafe(text)
    .replace(/<\/?[A-Za-z!?][^<>]*>/g, ' ')
    .replace(/[<>]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned.length > max ? `${truncate(cleaned, max - 1).trimEnd()}…` : cleaned;
}

function argumentsOf(raw: string): Record<string, unknown> | undefined {
  if (raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const stringArg = (args: Record<string, unknown>, name: string) => (typeof args[name] === 'string' ? args[name] : '');

/** A call-back number worth writing down: a valid number that costs no premium to call; else null. */
function callbackNumber(given: string): string | null {
  const compact = given.replace(/[\s().-]/g, '');
  return compact && !costlyOrInvalid(compact) ? compact : null;
}

export const messageKey = (callSid: string) => `assistant-message-${callSid}`;
export const callerTextKey = (callSid: string) => `assistant-sms-${callSid}`;

function refused(tool: ToolDecision['tool'], refusal: ToolRefusal, result: string): ToolDecision {
  return { tool, action: { kind: 'none' }, result, refusal };
}

/** What a tool call from the model may do on this call. */
export function decideTool(
  call: { name: string; arguments: string },
  facts: CallFacts,
  config: Pick<AssistantConfig, 'handover' | 'voicemailNotify'>,
): ToolDecision {
  const tool = (TOOL_NAMES as readonly string[]).includes(call.name) ? (call.name as ToolName) : 'unknown';
  if (tool === 'unknown') return refused(tool, 'unknown-tool', 'There is no such tool. Only the tools offered can be used.');
  const args = argumentsOf(call.arguments);
  if (!args) return refused(tool, 'bad-arguments', 'The arguments were not a JSON object; nothing was done.');
  switch (tool) {
    case 'transfer_to_human':
      if (!config.handover) return refused(tool, 'no-handover', 'No one can take a transfer now. Offer to take a message.');
      return { tool, action: { kind: 'transfer', handover: config.handover }, result: 'Transferring.' };
    case 'end_call':
      return { tool, action: { kind: 'end' }, result: 'Ending the call.' };
    case 'take_message': {
      if (!config.voicemailNotify) return refused(tool, 'no-message-line', 'Messages cannot be taken on this line. Say so.');
      if (facts.messageTaken) return refused(tool, 'once-per-call', 'A message was already taken on this call; nothing more was sent.');
      const name = plainText(stringArg(args, 'name'), MAX_NAME) || 'not given';
      const message = plainText(stringArg(args, 'message'), MAX_MESSAGE);
      if (!message) return refused(tool, 'bad-arguments', 'The message was empty; ask the caller for it.');
      const givenNumber = stringArg(args, 'callback_number');
      const ownNumber = facts.caller && !costlyOrInvalid(facts.caller) ? facts.caller : null;
      const callback = (givenNumber && callbackNumber(givenNumber)) || ownNumber;
      const body = [
        'Phone message taken by the assistant.',
        `From: ${name}`,
        `Call back: ${callback ?? 'no usable number given'}${givenNumber && !callbackNumber(givenNumber) ? ' (the number they said was not valid or costs a premium)' : ''}`,
        `Message: ${message}`,
      ].join('\n');
      return {
        tool,
        action: {
          kind: 'message',
          sms: outboundSms({ to: config.voicemailNotify, body, idempotencyKey: messageKey(facts.callSid) }),
          message: { name, message, callbackNumber: callback },
        },
        result: 'The message was passed on to the staff.',
      };
    }
    case 'send_sms_to_caller': {
      if (facts.callerTexted)
        return refused(tool, 'once-per-call', 'The caller was already sent a text on this call; nothing more was sent.');
      if (!facts.caller || !isE164(facts.caller) || isAnonymousCaller(facts.caller))
        return refused(tool, 'no-caller-number', 'The caller cannot be texted: their number is hidden or not a phone number.');
      if (costlyOrInvalid(facts.caller)) return refused(tool, 'caller-number-refused', 'The caller cannot be texted on this number.');
      const text = plainText(stringArg(args, 'text'), MAX_CALLER_SMS);
      if (!text) return refused(tool, 'bad-arguments', 'The text was empty; nothing was sent.');
      return {
        tool,
        action: { kind: 'textCaller', sms: outboundSms({ to: facts.caller, body: text, idempotencyKey: callerTextKey(facts.callSid) }) },
        result: 'The text was sent to the caller.',
      };
    }
  }
}

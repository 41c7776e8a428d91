// A genuine request for each Twilio webhook of the app, as Twilio would send it to a number or twimlet URL
// configured with it: the query the URL carries and the full parameter set Twilio posts.
import { smsParams, voiceCallParams } from './twilioRequests';
import { SENTINEL_CREDENTIALS } from './secrets';

export interface GenuineWebhook {
  /** Its route below /api/. */
  name: string;
  /** The registered function's name, when it is not the route (client-voice is clientVoice). */
  functionName?: string;
  /** The query of the configured URL, encoded. */
  query: string;
  params: Record<string, string>;
  /** Registered for POST only: a GET of it never reaches the function (the host answers 404). */
  postOnly?: boolean;
}

/** Words in every caller utterance the assistant hears here: a transcript, which no log line may hold. */
export const CALLER_WORDS = 'zebra-crossing-5e1171e1';

/** A SID of the given kind, unique per call, so relays and notifications are not deduplicated. */
let sidCounter = 0;
export function uniqueSid(prefix: 'SM' | 'RE' | 'CA'): string {
  return `${prefix}${(Date.now().toString(16) + (sidCounter++).toString(16).padStart(8, '0')).padStart(32, '0')}`;
}

const call = () => voiceCallParams({ AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID, CallSid: uniqueSid('CA') });
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

export function genuineWebhooks(): GenuineWebhook[] {
  return [
    { name: 'voice', query: '', params: call() },
    {
      name: 'sms',
      query: '',
      params: smsParams({ AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID, MessageSid: uniqueSid('SM'), Body: 'Is the shop open?' }),
    },
    { name: 'message', query: q({ Message: 'Hello' }), params: call() },
    { name: 'forward', query: q({ PhoneNumber: '+14155550100' }), params: call() },
    { name: 'menu', query: q({ Message: 'Press 1', 'Options[1]': 'https://example.com/sales' }), params: { ...call(), Digits: '1' } },
    { name: 'whisper', query: q({ Message: 'Press a key' }), params: call() },
    { name: 'callme', query: q({ PhoneNumber: '+14155550100' }), params: call() },
    { name: 'simulring', query: q({ 'PhoneNumbers[0]': '+14155550100', 'PhoneNumbers[1]': '+14155550101' }), params: call() },
    { name: 'findme', query: q({ 'PhoneNumbers[0]': '+14155550100', 'PhoneNumbers[1]': '+14155550101' }), params: call() },
    { name: 'voicemail', query: '', params: recordingCallback() },
    { name: 'conference', query: q({ Name: 'Room' }), params: call() },
    { name: 'echo', query: q({ Twiml: '<Response><Say>Hi</Say></Response>' }), params: call() },
    { name: 'queue', query: q({ Name: 'support', MaxWait: '120' }), params: call() },
    // The TwiML App's voice URL: a browser (client:...) calling another browser.
    {
      name: 'client-voice',
      functionName: 'clientVoice',
      query: '',
      params: { ...call(), From: 'client:alice', Caller: 'client:alice', To: 'client:bob' },
    },
    // The assistant's first turn (VOICE_MODE=assistant): what the caller said to the greeting's speech Gather.
    {
      name: 'assistant',
      query: q({ turn: '1' }),
      params: { ...call(), CallStatus: 'in-progress', SpeechResult: `What are your opening hours? ${CALLER_WORDS}`, Confidence: '0.9' },
      postOnly: true,
    },
  ];
}

/** Twilio's request to the voicemail Record action: the recording is done, the notification SMS goes out. */
export function recordingCallback(): Record<string, string> {
  const recordingSid = uniqueSid('RE');
  return {
    ...call(),
    CallStatus: 'in-progress',
    RecordingSid: recordingSid,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID}/Recordings/${recordingSid}`,
    RecordingDuration: '7',
  };
}

export function webhookUrl(baseUrl: string, webhook: GenuineWebhook): string {
  return `${baseUrl}/api/${webhook.name}${webhook.query ? `?${webhook.query}` : ''}`;
}

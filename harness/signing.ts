// Twilio's webhook signature (HMAC-SHA1 over the URL plus the sorted POST parameters), computed with
// node:crypto alone so that benchmark baselines and children load nothing else.
import { createHmac } from 'node:crypto';

export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(data).digest('base64');
}

/** The parameters Twilio posts for an incoming call. */
export const VOICE_CALL_PARAMS: Record<string, string> = {
  AccountSid: 'AC00000000000000000000000000000000',
  ApiVersion: '2010-04-01',
  CallSid: 'CA1234567890abcdef1234567890abcdef',
  CallStatus: 'ringing',
  Called: '+15005550006',
  CalledCity: 'SAN FRANCISCO',
  CalledCountry: 'US',
  CalledState: 'CA',
  CalledZip: '94105',
  Caller: '+14158675309',
  CallerCity: 'OAKLAND',
  CallerCountry: 'US',
  CallerState: 'CA',
  CallerZip: '94612',
  Direction: 'inbound',
  From: '+14158675309',
  FromCity: 'OAKLAND',
  FromCountry: 'US',
  FromState: 'CA',
  FromZip: '94612',
  To: '+15005550006',
  ToCity: 'SAN FRANCISCO',
  ToCountry: 'US',
  ToState: 'CA',
  ToZip: '94105',
};

/** The parameters Twilio posts for an incoming SMS. */
export const SMS_PARAMS: Record<string, string> = {
  AccountSid: 'AC00000000000000000000000000000000',
  ApiVersion: '2010-04-01',
  Body: 'Hello there',
  From: '+14158675309',
  FromCity: 'OAKLAND',
  FromCountry: 'US',
  FromState: 'CA',
  FromZip: '94612',
  MessageSid: 'SM1234567890abcdef1234567890abcdef',
  MessagingServiceSid: '',
  NumMedia: '0',
  NumSegments: '1',
  SmsMessageSid: 'SM1234567890abcdef1234567890abcdef',
  SmsSid: 'SM1234567890abcdef1234567890abcdef',
  SmsStatus: 'received',
  To: '+15005550006',
  ToCity: 'SAN FRANCISCO',
  ToCountry: 'US',
  ToState: 'CA',
  ToZip: '94105',
};

// Event Streams events the way Twilio sends them, for `npm run simulate -- stream` and the tests. Pure.
import { createHash } from 'node:crypto';

/** A messaging status event (com.twilio.messaging.message.delivered, schema Messaging.MessageStatus/6). */
export function exampleStreamEvent(n: number, accountSid: string, overrides: Record<string, unknown> = {}) {
  const sid = `SM${n.toString(16).padStart(32, '0')}`;
  const time = new Date(Date.UTC(2026, 11, 6, 12, 0, n % 60)).toISOString();
  return {
    specversion: '1.0' as const,
    type: 'com.twilio.messaging.message.delivered',
    source: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    id: `EZ${n.toString(16).padStart(32, '0')}`,
    dataschema: 'https://events-schemas.twilio.com/Messaging.MessageStatus/6',
    datacontenttype: 'application/json',
    time,
    data: {
      accountSid,
      messageSid: sid,
      messageStatus: 'DELIVERED',
      to: '+14155550111',
      from: '+18005550100',
      eventName: 'com.twilio.messaging.message.delivered',
      timestamp: time,
    },
    ...overrides,
  };
}

/** The URL Twilio requests for a JSON body: the sink's URL with the body's SHA-256 as bodySHA256. */
export function urlWithBodyHash(sinkUrl: string, body: string): string {
  return `${sinkUrl}${sinkUrl.includes('?') ? '&' : '?'}bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
}

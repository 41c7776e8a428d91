// The incoming-SMS webhook's real I/O and configuration (see ./smsAnswer.ts).
import { recordInboundActivity } from '../activity/activityTable';
import { publishWebhookEvent } from '../events/eventsIo';
import { takeAutoReply } from '../guards/autoReplyTable';
import { recordOptIn, recordOptOut } from '../outbound/optOutTable';
import { enqueueOutbound } from '../outbound/outboundQueue';
import { settings } from '../platform/settings';
import type { SmsConfig, SmsIo } from './smsAnswer';

export const liveSmsIo: SmsIo = {
  optOuts: { recordOptOut, recordOptIn },
  enqueueOutbound: (message) => enqueueOutbound(message),
  publishEvent: publishWebhookEvent,
  takeAutoReply: (sender, limit) => takeAutoReply(sender, limit),
  recordActivity: (event, outcome) => recordInboundActivity(settings().activity.table, event, outcome),
};

export function liveSmsConfig(): SmsConfig {
  const { sms, optOutScope, events } = settings();
  return { sms, optOutScope, eventsSource: events.source };
}

// The number's SMS webhook: an auto-reply and a relay (the guards add the blocklist and the reply limit).
import { declareSettings } from '../platform/declareSettings';
import { e164, text } from '../platform/settingParsers';

export const smsSettings = declareSettings(
  'SMS webhook',
  'shared/twiml/smsSettings.ts',
  {
    SMS_AUTO_REPLY: {
      description: 'Reply text for incoming SMS; {from} and {body} are replaced. Empty sends no reply.',
      deployed: true,
      parser: text,
    },
    SMS_FORWARD_TO: {
      description: 'E.164 number incoming SMS are relayed to through the outbound queue.',
      deployed: true,
      parser: e164,
    },
  },
  (values) => ({ sms: { autoReply: values.SMS_AUTO_REPLY, forwardTo: values.SMS_FORWARD_TO } }),
);

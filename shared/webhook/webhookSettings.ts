// How the webhooks check that a request comes from Twilio.
import { declareSettings, SettingsError } from '../platform/declareSettings';
import { boolean, url } from '../platform/settingParsers';

export const webhookSettings = declareSettings(
  'Webhooks',
  'shared/webhook/webhookSettings.ts',
  {
    WEBHOOK_BASE_URL: {
      description:
        'Public base URL exactly as configured in Twilio, e.g. https://calls.example.com. Signature checks and callbacks use it.',
      deployed: true,
      parser: url,
    },
    TWILIO_VALIDATE_SIGNATURES: {
      description: 'false skips X-Twilio-Signature checks. Allowed only when AZURE_FUNCTIONS_ENVIRONMENT=Development.',
      default: 'true',
      deployed: false,
      parser: boolean,
    },
  },
  (values, { isDevelopment }) => {
    if (!values.TWILIO_VALIDATE_SIGNATURES && !isDevelopment) {
      throw new SettingsError(
        'TWILIO_VALIDATE_SIGNATURES',
        'may be false only when AZURE_FUNCTIONS_ENVIRONMENT=Development; refusing to start with signature checks off',
      );
    }
    return { webhookBaseUrl: values.WEBHOOK_BASE_URL, validateSignatures: values.TWILIO_VALIDATE_SIGNATURES };
  },
);

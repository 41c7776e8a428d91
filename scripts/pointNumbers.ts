// npm run point-numbers: points the Twilio numbers in TWILIO_PHONE_NUMBERS at this app (voice, SMS, status callback and
// fallback URLs) through Twilio's IncomingPhoneNumbers API. It shows each change first, and applies them only with
// --yes; a number that already points here is left alone. azure.yaml runs it after `azd deploy` when
// TWILIO_PHONE_NUMBERS is set.
import { useLocalSettings } from '../devhost/localSettings';
import { desiredNumberWebhooks, numberWebhookChanges } from '../shared/operations/numberConfig';
import { findNumber, updateNumberWebhooks } from '../shared/operations/phoneNumbersApi';
import { settings } from '../shared/platform/settings';
import { parseToolArgs, runTool, UsageError } from './toolCli';

const USAGE = `Usage:
  npm run point-numbers -- [--yes] [--base URL] [--number N]...

Points TWILIO_PHONE_NUMBERS (or --number, E.164 or PN... SID) at WEBHOOK_BASE_URL (or --base): voice URL /api/voice,
SMS URL /api/sms, status callback /api/status, and fallback URL TWILIO_FALLBACK_URL. Without --yes it only shows
what it would change.`;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(
    args,
    {
      yes: { type: 'boolean' },
      base: { type: 'string' },
      number: { type: 'string', multiple: true },
    },
    true,
  );
  if (positionals.length) throw new UsageError(`Unexpected argument: ${positionals.join(' ')}`);
  useLocalSettings(process.cwd());
  const config = settings();
  const base = values.base ?? config.webhookBaseUrl;
  if (!base)
    throw new Error('No WEBHOOK_BASE_URL: set it (the public base URL of the app, e.g. https://<app>.azurewebsites.net), or pass --base.');
  const numbers = values.number ?? config.twilio.phoneNumbers;
  if (!numbers.length) {
    console.log('TWILIO_PHONE_NUMBERS is empty: no number to point at the app.');
    return 0;
  }
  const desired = desiredNumberWebhooks(base, config.twilio.fallbackUrl);
  let failures = 0;
  for (const entry of numbers) {
    const found = await findNumber(entry);
    if ('problem' in found) {
      console.log(`${entry}: ${found.problem}`);
      failures++;
      continue;
    }
    const { number } = found;
    const changes = numberWebhookChanges(number, desired);
    if (!changes.length) {
      console.log(`${number.phoneNumber} (${number.sid}): already points at ${base}`);
      continue;
    }
    console.log(`${number.phoneNumber} (${number.sid}):`);
    for (const change of changes) console.log(`  ${change.field}: ${change.from ?? '(none)'} -> ${change.to}`);
    if (!values.yes) continue;
    await updateNumberWebhooks(number.sid, Object.fromEntries(changes.map((c) => [c.field, c.to])));
    console.log(`  updated`);
  }
  if (!values.yes) console.log('Nothing was changed: run with --yes to apply.');
  return failures ? 1 : 0;
}

void runTool({ usage: USAGE, main });

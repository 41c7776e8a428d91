// The console's Health: the checks of npm run doctor that run inside the app, each ok or not with what to do.
import { keyVaultChecks, signatureCheck, storageChecks, twilioChecks } from '../operations/doctorIo';
import type { Check } from '../operations/doctorReport';
import { settings } from '../platform/settings';

export async function healthChecks(): Promise<Check[]> {
  const config = settings();
  const [storage, vault, twilio] = await Promise.all([storageChecks(config), keyVaultChecks(config), twilioChecks(config)]);
  return [signatureCheck(config), ...storage, ...vault, ...twilio];
}

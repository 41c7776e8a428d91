// Imported first by the app entry: a bad or missing setting stops the app at load, naming the setting,
// instead of failing on the first request. Then the Twilio credentials start loading from Key Vault in the
// background, so the first webhook does not wait for the vault.
import { prefetchTwilioCredentials } from './twilioCredentials';
import { settings } from './settings';

settings();
prefetchTwilioCredentials();

// The verb table in docs/call-handling.md runs: each row's example URL, signed as Twilio signs it, goes to the function it names
// with the settings the row gives, and the answer must contain the row's verb.
import { skippedRegistrations } from '../../harness/functionsTestMode';
import { InvocationContext, type HttpHandler, type HttpResponseInit } from '@azure/functions';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { forward } from '../../functions/forward';
import { menu } from '../../functions/menu';
import { message } from '../../functions/message';
import { queue } from '../../functions/queue';
import { sms } from '../../functions/sms';
import { voice } from '../../functions/voice';
import { voicemail } from '../../functions/voicemail';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { resetStorageClientsForTests } from '../../shared/platform/storageClients';
import { between, docPage } from '../../harness/docPages';
import { SENTINEL_CREDENTIALS } from '../../harness/secrets';
import { parseTwiml, type TwimlNode } from '../../harness/twiml';
import { smsParams, voiceCallParams } from '../../harness/twilioRequests';
import { signedWebhookRequest } from '../../harness/inProcessRequests';

const HANDLERS: Record<string, HttpHandler> = { forward, menu, message, queue, sms, voice, voicemail };
const ORIGIN = 'https://calls.example.com';

interface Row {
  verb: string;
  settings: Record<string, string>;
  example: string;
}

function verbRows(): Row[] {
  const table = between(docPage('call-handling'), '<!-- verbs: start -->', '<!-- verbs: end -->');
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `<'))
    .map((line) => {
      const [verb, , settings, example] = line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim());
      const pairs = [...settings.matchAll(/`([A-Z_]+)=([^`]*)`/g)].map(([, name, value]) => [name, value]);
      return { verb: verb.replace(/[`<>]/g, ''), settings: Object.fromEntries(pairs), example: example.replace(/`/g, '') };
    });
}

const rows = verbRows();
const names = (node: TwimlNode): string[] => [node.name, ...node.children.flatMap(names)];

let azurite: RunningAzurite;
const savedEnv = { ...process.env };

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  process.env = { ...savedEnv };
  resetSettingsForTests();
  resetStorageClientsForTests();
  await azurite?.stop();
});

test('the table lists every verb of the seed', () => {
  expect(rows.map((r) => r.verb).sort()).toEqual(
    ['Dial', 'Enqueue', 'Gather', 'Hangup', 'Leave', 'Pause', 'Play', 'Queue', 'Record', 'Redirect', 'Reject', 'Say', 'Sms'].sort(),
  );
});

test.each(rows.map((row) => [row.verb, row] as const))('<%s>: the example answers TwiML with the verb', async (verb, row) => {
  process.env = {
    ...savedEnv,
    AzureWebJobsStorage: azurite.connectionString,
    ...SENTINEL_CREDENTIALS,
    OUTBOUND_QUEUE: 'verbs-outbound',
    AUTO_REPLY_TABLE: 'verbsautoreplies',
    ...row.settings,
  };
  resetSettingsForTests();
  resetStorageClientsForTests();
  const url = new Request(`${ORIGIN}${row.example}`).url;
  const fn = new URL(url).pathname.split('/')[2];
  const params = fn === 'sms' ? smsParams({ AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID }) : voiceCallParams();
  const request = signedWebhookRequest(SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN, url, params);
  const response = (await HANDLERS[fn](request, new InvocationContext({ functionName: fn }))) as HttpResponseInit;
  expect(response.status).toBe(200);
  const expected = verb === 'Sms' ? 'Message' : verb;
  expect(names(parseTwiml(String(response.body)))).toContain(expected);
});

test('the functions imported here register nothing outside the host: test mode says so once for each, and nothing else', () => {
  expect(skippedRegistrations().sort()).toEqual(Object.keys(HANDLERS).sort());
});

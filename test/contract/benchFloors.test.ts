// The bench's hand-written floors are programs the figures rest on: each must still do its work, or a ratio to it
// means nothing. The first-response floor answers its one signed webhook with TwiML, as the app's child does.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../harness/localHost';

const env = {
  ...process.env,
  BENCH_APP_ROOT: repoRoot,
  BENCH_FUNCTION_COUNT: '37',
  BENCH_FUNCTION: 'voice',
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
  TWILIO_AUTH_TOKEN: 'offline-mock-auth-token',
  TWILIO_FROM_NUMBER: '+15005550006',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  EVENTS_QUEUE: '',
  ACTIVITY_TABLE: '',
  KEY_VAULT_URL: '',
  WEBHOOK_BASE_URL: '',
};

test.each(['bench-first-floor.js', 'bench-first.js'])('%s answers its first webhook with TwiML', (child) => {
  const run = spawnSync(process.execPath, [join(repoRoot, 'build', child)], { env, encoding: 'utf8', timeout: 60_000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
});

test('the first-response floor refuses a webhook signed with another token', () => {
  const run = spawnSync(process.execPath, [join(repoRoot, 'build', 'bench-first-floor.js')], {
    env: { ...env, BENCH_SIGN_WITH: 'another-token' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stderr).toContain('unexpected response 403');
});

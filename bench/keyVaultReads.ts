// Key Vault reads per 1,000 webhook invocations, over the real credential chain (ManagedIdentityCredential
// and SecretClient against the loopback identity endpoint and HTTPS vault used by the tests).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FORCED_REFRESH_INTERVAL_MS, TWILIO_SECRET_NAMES } from '../shared/platform/twilioCredentials';
import { voiceCallParams } from '../harness/twilioRequests';
import { startVaultChain } from '../harness/vaultChain';

function run(command: string, args: string[], options: { env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(command, args, { env: options.env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

interface Scenario {
  name: string;
  invocations: number;
  forged?: number;
  spreadMs: number;
  ttlSeconds: number;
}

export async function keyVaultReads(root: string, quick: boolean) {
  const chain = await startVaultChain();
  const authToken = 'bench-vault-auth-token';
  // The SID the webhooks carry: forged ones then name the account, the worst case (only those may force a re-read).
  chain.vault.setSecret(TWILIO_SECRET_NAMES.accountSid, voiceCallParams().AccountSid);
  chain.vault.setSecret(TWILIO_SECRET_NAMES.authToken, authToken);
  const scenarios: Scenario[] = [
    { name: '1,000 webhooks within one TTL (300 s)', invocations: 1000, spreadMs: 0, ttlSeconds: 300 },
    { name: `1,000 webhooks over ${quick ? 3 : 6} s, TTL 1 s`, invocations: 1000, spreadMs: quick ? 3000 : 6000, ttlSeconds: 1 },
    { name: '1,000 webhooks + 1,000 forged ones', invocations: 1000, forged: 1000, spreadMs: 0, ttlSeconds: 300 },
  ];
  const rows = [];
  try {
    for (const scenario of scenarios) {
      const before = chain.vault.readsOf(TWILIO_SECRET_NAMES.authToken);
      const beforeSid = chain.vault.readsOf(TWILIO_SECRET_NAMES.accountSid);
      const started = Date.now();
      // Asynchronous: the vault and identity fakes answer from this process's event loop.
      const child = await run(process.execPath, [join(root, 'build', 'bench-webhooks.js')], {
        env: {
          PATH: process.env.PATH,
          ...chain.childEnv(),
          AzureWebJobsStorage: 'UseDevelopmentStorage=true',
          EVENTS_QUEUE: '',
          ACTIVITY_TABLE: '',
          SECRETS_CACHE_TTL_SECONDS: String(scenario.ttlSeconds),
          BENCH_APP_ROOT: root,
          BENCH_AUTH_TOKEN: authToken,
          BENCH_INVOCATIONS: String(scenario.invocations),
          BENCH_FORGED: String(scenario.forged ?? 0),
          BENCH_SPREAD_MS: String(scenario.spreadMs),
        },
      });
      if (child.status !== 0) throw new Error(`webhook child failed: ${child.stderr}`);
      const elapsedS = (Date.now() - started) / 1000;
      const authTokenReads = chain.vault.readsOf(TWILIO_SECRET_NAMES.authToken) - before;
      rows.push({
        name: scenario.name,
        invocations: scenario.invocations + (scenario.forged ?? 0),
        elapsedS: Number(elapsedS.toFixed(1)),
        authTokenReads,
        accountSidReads: chain.vault.readsOf(TWILIO_SECRET_NAMES.accountSid) - beforeSid,
        // A fresh process reads once at start, then once per TTL that passes; a failed signature may force one
        // extra read per FORCED_REFRESH_INTERVAL_MS (rotation), however many forged requests arrive.
        goalReadsPerSecret:
          1 +
          Math.floor(elapsedS / scenario.ttlSeconds) +
          (scenario.forged ? Math.ceil((elapsedS * 1000) / FORCED_REFRESH_INTERVAL_MS) : 0),
      });
    }
  } finally {
    await chain.stop();
  }
  return rows;
}

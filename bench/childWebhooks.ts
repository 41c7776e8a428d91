// Child process for the Key Vault benchmark: loads the built app (credentials from Key Vault) and answers
// BENCH_INVOCATIONS signed /api/voice webhooks spread over BENCH_SPREAD_MS, plus BENCH_FORGED forged ones.
import { sign, voiceCallParams } from '../harness/twilioRequests';
import { loadBuiltApp, postForm, registeredFunction } from './inProcess';

async function main(): Promise<void> {
  const registry = await loadBuiltApp();
  const voice = registeredFunction(registry, 'voice');
  const url = 'https://bench.example.com/api/voice';
  const params = voiceCallParams();
  const genuine = { url, params, signature: sign(process.env.BENCH_AUTH_TOKEN!, url, params) };
  const forgedRequest = { ...genuine, signature: 'Zm9yZ2VkIHNpZ25hdHVyZQ==' };
  const invocations = Number(process.env.BENCH_INVOCATIONS);
  const forged = Number(process.env.BENCH_FORGED ?? 0);
  const spreadMs = Number(process.env.BENCH_SPREAD_MS ?? 0);
  const started = Date.now();
  for (let i = 0; i < invocations; i++) {
    const due = started + (spreadMs * i) / invocations;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const { status } = await postForm(registry, voice, genuine);
    if (status !== '200') throw new Error(`webhook ${i} answered ${status}`);
  }
  for (let i = 0; i < forged; i++) {
    const { status } = await postForm(registry, voice, forgedRequest);
    if (status !== '403') throw new Error(`forged webhook ${i} answered ${status}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

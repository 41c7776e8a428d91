// Child process for the Key Vault benchmark: loads the built app (credentials from Key Vault) and answers
// BENCH_INVOCATIONS signed /api/voice webhooks spread over BENCH_SPREAD_MS, plus BENCH_FORGED forged ones.
import { FunctionRegistry } from '../devhost/core';
import { twilioSignature, VOICE_CALL_PARAMS } from '../harness/signing';

async function invoke(registry: FunctionRegistry, signature: string): Promise<string | undefined> {
  const fn = registry.functions.find((f) => f.metadata.name === 'voice')!;
  const url = 'https://bench.example.com/api/voice';
  const result = await registry.invoke(
    fn,
    {
      http: {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        query: {},
        params: {},
        body: { bytes: Buffer.from(new URLSearchParams(VOICE_CALL_PARAMS).toString()) },
      },
    },
    {},
  );
  return result?.http?.statusCode ?? undefined;
}

async function main(): Promise<void> {
  const registry = new FunctionRegistry(() => undefined);
  registry.install();
  require(process.env.BENCH_APP_MAIN!);
  const signature = twilioSignature(process.env.BENCH_AUTH_TOKEN!, 'https://bench.example.com/api/voice', VOICE_CALL_PARAMS);
  const invocations = Number(process.env.BENCH_INVOCATIONS);
  const forged = Number(process.env.BENCH_FORGED ?? 0);
  const spreadMs = Number(process.env.BENCH_SPREAD_MS ?? 0);
  const started = Date.now();
  for (let i = 0; i < invocations; i++) {
    const due = started + (spreadMs * i) / invocations;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const status = await invoke(registry, signature);
    if (status !== '200') throw new Error(`webhook ${i} answered ${status}`);
  }
  for (let i = 0; i < forged; i++) {
    const status = await invoke(registry, 'Zm9yZ2VkIHNpZ25hdHVyZQ==');
    if (status !== '403') throw new Error(`forged webhook ${i} answered ${status}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

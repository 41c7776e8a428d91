// Child process for the webhook figures: loads the built app under the settings it is given (one process per
// configuration, since settings are read once) and prints the webhook cost rows of BENCH_CASES as JSON.
import type { HttpHandler } from '@azure/functions';
import { loadBuiltApp } from './inProcess';
import { webhookCost, type WebhookCase } from './webhookCost';

async function main(): Promise<void> {
  const registry = await loadBuiltApp();
  const handlers = new Map(registry.functions.map((f) => [f.metadata.name, f.callback as unknown as HttpHandler]));
  const cases = JSON.parse(process.env.BENCH_CASES!) as WebhookCase[];
  const rows = await webhookCost(handlers, cases, process.env.TWILIO_AUTH_TOKEN!, Number(process.env.BENCH_ITERATIONS));
  process.stdout.write(`${JSON.stringify(rows)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

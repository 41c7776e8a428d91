// What the console, the assistant and the Event Streams sink add to the cold start of a function that does not use
// them: the first /api/voice of this build against a copy whose entry registers none of their functions (their
// three HTTP functions and the assistant's retention timer), interleaved in fresh processes.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, pairedRatio, timeProcessRuns } from '../harness/stats';

const FEATURE_FUNCTIONS = [
  ['http', 'console'],
  ['http', 'assistant'],
  ['http', 'eventStreams'],
  ['timer', 'assistantRetention'],
] as const;

/** A copy of the built app whose entry leaves out the features' registrations. */
function buildWithout(root: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'bench-without-features-'));
  cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
  for (const file of ['package.json', 'host.json']) cpSync(join(root, file), join(copy, file));
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  // The registrations are in the chunk that holds what every start needs.
  const dist = join(copy, 'dist');
  const file = readdirSync(dist).find((f) => f.endsWith('.cjs') && readFileSync(join(dist, f), 'utf8').includes('.app.http("voice",'));
  if (!file) throw new Error('dist/: no file registers voice');
  let code = readFileSync(join(dist, file), 'utf8');
  for (const [kind, name] of FEATURE_FUNCTIONS) {
    const registration = new RegExp(`\\bimport_functions\\d*\\.app\\.${kind}\\("${name}",\\{[^;]*?\\}\\);`);
    if (!registration.test(code)) throw new Error(`dist/${file}: no ${kind} registration of ${name} to leave out`);
    code = code.replace(registration, '');
  }
  writeFileSync(join(dist, file), code);
  return copy;
}

export function featuresAtStart(root: string, appEnv: NodeJS.ProcessEnv, quick: boolean) {
  const without = buildWithout(root);
  try {
    const runs = quick ? 5 : 21;
    const env = { ...appEnv, BENCH_FUNCTION: 'voice' };
    const first = join(root, 'build', 'bench-first.js');
    const samples = timeProcessRuns(
      [
        { name: 'with', args: [first], env: { ...env, BENCH_APP_ROOT: root } },
        { name: 'without', args: [first], env: { ...env, BENCH_APP_ROOT: without } },
      ],
      runs,
    );
    return {
      node: process.version,
      runs,
      leftOut: FEATURE_FUNCTIONS.map(([, name]) => name),
      firstVoiceMs: median(samples.with),
      firstVoiceWithoutMs: median(samples.without),
      ...pairedRatio(samples.with, samples.without),
    };
  } finally {
    rmSync(without, { recursive: true, force: true });
  }
}

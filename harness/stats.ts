// Small statistics and timing helpers for the benchmarks. Figures are always reported as ratios against a
// baseline measured in the same run, so machine speed and load cancel out.
import { spawnSync } from 'node:child_process';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Each round's figure against the baseline of the same round: the median ratio and its spread over the rounds. */
export function pairedRatio(figures: number[], baselines: number[]): { ratio: number; range: [number, number] } {
  const ratios = figures.map((value, i) => value / baselines[i]);
  return { ratio: median(ratios), range: [Math.min(...ratios), Math.max(...ratios)] };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Wall time in ms of a fresh process, median of `runs`, alternating with the other commands given. */
export function timeProcesses(
  commands: Array<{ name: string; args: string[]; env?: NodeJS.ProcessEnv }>,
  runs: number,
): Record<string, number> {
  const samples = timeProcessRuns(commands, runs);
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/**
 * Wall time in ms of each of `runs` fresh processes per command (run by `node`), the commands alternating (sample i of
 * each is one round).
 */
export function timeProcessRuns(
  commands: Array<{ name: string; args: string[]; env?: NodeJS.ProcessEnv }>,
  runs: number,
  node = process.execPath,
): Record<string, number[]> {
  const samples: Record<string, number[]> = Object.fromEntries(commands.map((c) => [c.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const command of commands) {
      const started = process.hrtime.bigint();
      const result = spawnSync(node, command.args, { env: command.env ?? process.env, encoding: 'utf8' });
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0) throw new Error(`${command.name} failed (${result.status}): ${result.stderr}${result.stdout}`);
      samples[command.name].push(elapsed);
    }
  }
  return samples;
}

/** Operations per second of an async operation run `count` times with `concurrency` in flight. */
export async function throughput(count: number, concurrency: number, operation: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await operation(next++);
    }),
  );
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

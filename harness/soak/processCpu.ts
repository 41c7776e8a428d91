// Where the soak's CPU goes: every few seconds, the CPU time of each named process and its descendants (from
// /proc, Linux only), and of the whole machine, as a share of one core over the interval. With the latency of each
// minute beside it, a slow run shows which process was busy: the app's host, Azurite, or the load generator.
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuSample {
  /** Seconds since sampling started. */
  atSeconds: number;
  /** Per process name, and 'machine' for all of it: the share of one core used since the last sample. */
  cores: Record<string, number>;
}

export interface CpuSampler {
  stop(): CpuSample[];
}

const TICKS_PER_SECOND = 100;

function parentsAndTicks(): Map<number, { parent: number; ticks: number }> {
  const table = new Map<number, { parent: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After the command name in parentheses: state, ppid, ... utime (14th field) and stime (15th).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended while the table was read
    }
  }
  return table;
}

/** CPU ticks of each root process and everything it started. */
export function treeTicks(roots: Record<string, number>): Record<string, number> {
  const table = parentsAndTicks();
  const children = new Map<number, number[]>();
  for (const [pid, { parent }] of table) children.set(parent, [...(children.get(parent) ?? []), pid]);
  const rootPids = new Set(Object.values(roots));
  const ticks: Record<string, number> = {};
  for (const [name, root] of Object.entries(roots)) {
    let total = 0;
    const stack = [root];
    while (stack.length) {
      const pid = stack.pop()!;
      total += table.get(pid)?.ticks ?? 0;
      stack.push(...(children.get(pid) ?? []).filter((child) => !rootPids.has(child)));
    }
    ticks[name] = total;
  }
  return ticks;
}

function machineTicks(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  // user, nice, system, (idle, iowait left out), irq, softirq, steal
  return [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
}

export function startCpuSampler(roots: Record<string, number>, intervalMs = 10_000): CpuSampler {
  const samples: CpuSample[] = [];
  const startedAt = Date.now();
  let last = { at: startedAt, ticks: treeTicks(roots), machine: machineTicks() };
  const timer = setInterval(() => {
    const now = { at: Date.now(), ticks: treeTicks(roots), machine: machineTicks() };
    const seconds = (now.at - last.at) / 1000;
    const share = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 100) / 100;
    samples.push({
      atSeconds: Math.round((now.at - startedAt) / 1000),
      cores: {
        ...Object.fromEntries(Object.keys(roots).map((name) => [name, share(now.ticks[name] - last.ticks[name])])),
        machine: share(now.machine - last.machine),
      },
    });
    last = now;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

/** Each process's mean share of a core over the samples. */
export function meanCores(samples: CpuSample[]): Record<string, number> {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.cores)))];
  return Object.fromEntries(
    names.map((name) => [
      name,
      Math.round((samples.reduce((sum, s) => sum + (s.cores[name] ?? 0), 0) / Math.max(1, samples.length)) * 100) / 100,
    ]),
  );
}

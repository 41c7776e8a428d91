// The soak's view from inside the host: with DEVHOST_SAMPLE_FILE set, the local host appends one JSON line every
// DEVHOST_SAMPLE_INTERVAL_MS (default 10 s) with its own resident memory, heap and event-loop delay, so a long soak
// measures the process that serves the app and not the load generator. Started with node's --expose-gc, each
// sample also records the heap after a full collection (`liveHeapBytes`): the heap in use moves with garbage not
// yet collected, the live heap only with what the app keeps, which is what a leak grows.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

export interface HostSample {
  /** The sampled process: the host's, never the load generator's. */
  pid: number;
  /** Milliseconds since the sampler started. */
  atMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** The heap used right after a full collection; absent without --expose-gc. */
  liveHeapBytes?: number;
  /** Event-loop delay over the interval since the last sample (milliseconds). */
  loopDelayMs: { mean: number; p99: number; max: number };
  /** The heap snapshot written right after this sample's collection, when one was asked for at this time. */
  heapSnapshot?: string;
}

const ns = (value: number) => Math.round(value / 1e4) / 100;

/** Starts sampling when the environment asks for it; returns a stop function (or undefined when not asked). */
export function startHostSampler(env: NodeJS.ProcessEnv = process.env): (() => void) | undefined {
  const file = env.DEVHOST_SAMPLE_FILE;
  if (!file) return undefined;
  const intervalMs = Number(env.DEVHOST_SAMPLE_INTERVAL_MS) || 10_000;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  const collect = (globalThis as { gc?: () => void }).gc;
  // DEVHOST_HEAP_SNAPSHOTS_AT_MS: comma-separated times; the first sample at or after each writes a snapshot, so
  // two of them (the warm-up's end, the run's end) show what a rising live heap holds.
  const snapshotsAt = (env.DEVHOST_HEAP_SNAPSHOTS_AT_MS ?? '').split(',').filter(Boolean).map(Number);
  const snapshotDir = env.DEVHOST_HEAP_SNAPSHOT_DIR ?? '.';
  const timer = setInterval(() => {
    const before = process.memoryUsage();
    collect?.();
    const sample: HostSample = {
      pid: process.pid,
      atMs: Math.round(performance.now() - started),
      rssBytes: before.rss,
      heapUsedBytes: before.heapUsed,
      heapTotalBytes: before.heapTotal,
      ...(collect ? { liveHeapBytes: process.memoryUsage().heapUsed } : {}),
      loopDelayMs: { mean: ns(delay.mean), p99: ns(delay.percentile(99)), max: ns(delay.max) },
    };
    const due = snapshotsAt.findIndex((at) => sample.atMs >= at);
    if (due >= 0) {
      snapshotsAt.splice(due, 1);
      sample.heapSnapshot = writeHeapSnapshot(join(snapshotDir, `host-${sample.atMs}ms.heapsnapshot`));
    }
    delay.reset();
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    delay.disable();
  };
}

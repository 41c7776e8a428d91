// The hour-long soak's artefacts, from a short run of the same command: the host's own samples of its memory and
// event-loop delay (taken inside the host's process, not the load generator's), the CSV, the PNG plot and the
// verdict in the results, beside the webhook load and the outbound stream. Then the verdict's rule on its own.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../harness/localHost';
import { heapBytes, heapGroups, heapGrowth } from '../../harness/soak/heapSnapshots';
import { memoryVerdict, readSamples, type HostSample } from '../../harness/soak/hostSamples';
import { startSoakApp } from '../../harness/soak/soakApp';

interface Phase {
  name: string;
  problems: string[];
  figures: Record<string, unknown>;
}

const RATE = 40;

describe('npm run soak, short', () => {
  let out: string;
  let exitCode: number | null;
  let output = '';

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'soak-memory-'));
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'build', 'soak.js'),
        ...['--duration', '12', '--sample-every', '1', '--connections', '4', '--rate', String(RATE), '--out', out],
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exitCode = await new Promise((resolve) => child.once('exit', resolve));
  }, 240_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('answers every webhook and opt-out request right and sends every outbound message once, and says so in the results', () => {
    const results = JSON.parse(readFileSync(join(out, 'soak-results.json'), 'utf8')) as { phases: Phase[] };
    const phase = (name: string) => results.phases.find((p) => p.name === name)!;
    expect(results.phases.map((p) => p.name)).toEqual(['webhook load', 'host output', 'host memory']);
    expect(phase('webhook load').problems).toEqual([]);
    expect(phase('host output').problems).toEqual([]);
    const outbound = phase('webhook load').figures.outbound as Record<string, number>;
    expect(outbound.accepted).toBeGreaterThan(0);
    expect(outbound).toMatchObject({ sentOnce: outbound.accepted, lost: 0, duplicated: 0, refused: {} });
    // The opt-out API's cycles (PUT, GET, DELETE, GET 404, a page of the list) ran beside the load, every answer right.
    const optOuts = phase('webhook load').figures.optOuts as Record<string, number>;
    expect(optOuts.cycles).toBeGreaterThan(0);
    expect(optOuts.requests).toBeGreaterThanOrEqual(optOuts.cycles * 4);
    expect(optOuts).toMatchObject({ wrong: 0, examples: [] });
    // Every Event Streams event the load sent reached the events queue once; latency and CPU were attributed.
    const figures = phase('webhook load').figures as {
      events: { sinkEvents: Record<string, number> };
      latencyByMinute: unknown[];
      cpu: { meanCores: Record<string, number> };
    };
    expect(figures.events.sinkEvents.sent).toBeGreaterThan(0);
    expect(figures.events.sinkEvents).toMatchObject({ once: figures.events.sinkEvents.sent, lost: 0, duplicated: 0 });
    expect(figures.latencyByMinute.length).toBeGreaterThan(0);
    expect(Object.keys(figures.cpu.meanCores).sort()).toEqual(['azurite', 'host', 'load and stand-ins', 'machine']);
    expect(figures.cpu.meanCores.host).toBeGreaterThan(0);
    // The exit code follows the verdicts, the memory one included.
    expect(exitCode).toBe(results.phases.some((p) => p.problems.length) ? 1 : 0);
    expect(output).toContain('host memory:');
  });

  test('the samples come from the host process, every second, with memory and loop delay', () => {
    const samples = readSamples(join(out, 'soak-samples.jsonl'));
    const results = JSON.parse(readFileSync(join(out, 'soak-results.json'), 'utf8')) as { phases: Phase[] };
    const memory = results.phases.find((p) => p.name === 'host memory')!;
    expect(samples.length).toBeGreaterThanOrEqual(8);
    expect(new Set(samples.map((s) => s.pid))).toEqual(new Set([memory.figures.hostPid]));
    expect(memory.figures.hostPid).not.toBe(process.pid);
    for (const sample of samples) {
      expect(sample.rssBytes).toBeGreaterThan(sample.heapUsedBytes);
      // The soak starts the host with --expose-gc, so the live heap is measured and is at most the heap in use.
      expect(sample.liveHeapBytes).toBeLessThanOrEqual(sample.heapUsedBytes);
      expect(sample.loopDelayMs.max).toBeGreaterThanOrEqual(sample.loopDelayMs.p99);
    }
    expect(memory.figures).toMatchObject({ samples: samples.length, warmUpSeconds: 6, judged: true });
    const csv = readFileSync(join(out, 'soak-samples.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('seconds,rss_mb,heap_used_mb,heap_total_mb,live_heap_mb,loop_delay_mean_ms,loop_delay_p99_ms,loop_delay_max_ms');
    expect(csv).toHaveLength(samples.length + 1);
  });

  test('--rate holds the webhook load to that many requests a second over all connections', () => {
    const results = JSON.parse(readFileSync(join(out, 'soak-results.json'), 'utf8')) as { phases: Phase[] };
    const load = results.phases.find((p) => p.name === 'webhook load')!.figures as { requests: number; durationSeconds: number };
    expect(load.requests).toBeGreaterThan(0);
    // Four connections answered as fast as the host can are hundreds a second; the rate allows 40 (and one
    // request in flight per connection when the run ends).
    expect(load.requests).toBeLessThanOrEqual(RATE * load.durationSeconds + 4);
  });

  test('the plot is a PNG of the chart', () => {
    const png = readFileSync(join(out, 'soak-memory.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // IHDR: width and height, big-endian, right after the signature and the chunk header.
    // Four panels: memory, loop delay, the latency per minute and each process's CPU.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1000, 1320]);
    expect(png.length).toBeGreaterThan(10_000);
  });
});

describe('heap snapshots of the host', () => {
  test('the soak app host writes one at the first sample after each time asked, into the folder asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soak-snapshots-'));
    const sampleFile = join(dir, 'samples.jsonl');
    const app = await startSoakApp({ sampleFile, sampleIntervalMs: 500, heapSnapshotsAtMs: [1000, 2500], heapSnapshotDir: dir });
    try {
      const deadline = Date.now() + 90_000;
      while (readSamples(sampleFile).filter((s) => s.heapSnapshot).length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await app.stop();
    }
    try {
      const samples = readSamples(sampleFile);
      const taken = samples.filter((s) => s.heapSnapshot);
      expect(taken).toHaveLength(2);
      expect(taken[0].atMs).toBeGreaterThanOrEqual(1000);
      expect(taken[1].atMs).toBeGreaterThanOrEqual(2500);
      // Each at the first sample after its time: the sample before it had not reached the time.
      for (const [sample, at] of [
        [taken[0], 1000],
        [taken[1], 2500],
      ] as const) {
        expect(samples[samples.indexOf(sample) - 1]?.atMs ?? 0).toBeLessThan(at);
        expect(sample.heapSnapshot!.startsWith(dir)).toBe(true);
        expect(heapBytes(heapGroups(sample.heapSnapshot!))).toBeGreaterThan(1024 * 1024);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('what a heap snapshot holds', () => {
  test('the groups that grew between two snapshots, largest first, with their counts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heap-growth-'));
    try {
      // A process that keeps 20,000 objects of one class between its two snapshots.
      const script = `
        const { writeHeapSnapshot } = require('node:v8');
        class KeptBetweenSnapshots { constructor(i) { this.i = i; this.label = 'kept ' + i; } }
        writeHeapSnapshot(${JSON.stringify(join(dir, 'a.heapsnapshot'))});
        globalThis.kept = Array.from({ length: 20000 }, (_, i) => new KeptBetweenSnapshots(i));
        writeHeapSnapshot(${JSON.stringify(join(dir, 'b.heapsnapshot'))});`;
      const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      const before = heapGroups(join(dir, 'a.heapsnapshot'));
      const after = heapGroups(join(dir, 'b.heapsnapshot'));
      expect(heapBytes(after)).toBeGreaterThan(heapBytes(before));
      const growth = heapGrowth(before, after, 5);
      const kept = growth.find((g) => g.name === 'KeptBetweenSnapshots');
      expect(kept).toMatchObject({ count: 20000, countDelta: 20000 });
      expect(kept!.bytesDelta).toBeGreaterThanOrEqual(20000 * 16);
      expect(growth.map((g) => g.bytesDelta)).toEqual([...growth.map((g) => g.bytesDelta)].sort((a, b) => b - a));
      expect(growth.map((g) => g.name)).toContain('(strings)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the memory verdict', () => {
  const MB = 1024 * 1024;
  const line = (minutes: number, liveMb: (minute: number) => number): HostSample[] =>
    Array.from({ length: minutes * 6 }, (_, i) => ({
      pid: 1,
      atMs: i * 10_000,
      rssBytes: 150 * MB,
      heapUsedBytes: 60 * MB,
      heapTotalBytes: 80 * MB,
      liveHeapBytes: liveMb(i / 6) * MB,
      loopDelayMs: { mean: 1, p99: 5, max: 9 },
    }));

  test('a line that settles after the warm-up and stays within 10 % passes', () => {
    const verdict = memoryVerdict(
      line(60, (m) => (m < 10 ? 20 + m * 2 : 40 + Math.sin(m * 2 * Math.PI) * 3)),
      600,
    );
    expect(verdict).toMatchObject({ judged: true, problems: [] });
    expect(verdict.referenceBytes! / MB).toBeCloseTo(40, 0);
  });

  test('a slow leak that passes 10 % within the hour fails, with the range', () => {
    const verdict = memoryVerdict(
      line(60, (m) => 40 + Math.max(0, m - 10) * 0.15),
      600,
    );
    expect(verdict.problems).toHaveLength(1);
    expect(verdict.problems[0]).toMatch(
      /samples after the first 600 s have a live heap more than 10 % from 40.1 MB \(99\.8 % to 118\.5 %\)/,
    );
    expect(verdict.slopeMbPerHour).toBeCloseTo(9, 0);
  });

  test('a run too short to judge is not judged, and one without samples is a problem', () => {
    expect(
      memoryVerdict(
        line(1, () => 40),
        60,
      ),
    ).toMatchObject({ judged: false, problems: [] });
    expect(memoryVerdict([], 600).problems).toEqual(['the host wrote no samples']);
  });
});

// The soak's memory line: the samples the host wrote about itself (devhost/hostSampler.ts), the verdict on them,
// and the plot. The verdict: after a warm-up (the first 10 minutes, or the first half of a shorter run), every
// sample's live heap (heap after a full collection) stays within ±10 % of the warm-up's end (the median of the
// first 6 samples after it). The plot is an SVG drawn here and turned into a PNG by the browser the tests use.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { HostSample } from '../../devhost/hostSampler';
import { launchBrowser } from '../browser';
import { median } from '../stats';

export type { HostSample };

export interface MemoryVerdict {
  samples: number;
  warmUpSeconds: number;
  tolerance: number;
  /** Whether enough samples came after the warm-up to judge (at least 6). */
  judged: boolean;
  /** The live heap the later samples are held to, in bytes. */
  referenceBytes?: number;
  /** The lowest and highest later sample as a fraction of the reference. */
  lowest?: number;
  highest?: number;
  /** Least-squares slope of the live heap after the warm-up, MB per hour. */
  slopeMbPerHour?: number;
  rssMb: { first: number; last: number; max: number };
  loopDelayP99Ms: { median: number; max: number };
  problems: string[];
}

const MB = 1024 * 1024;
const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places;
const heapOf = (s: HostSample) => s.liveHeapBytes ?? s.heapUsedBytes;

export function readSamples(file: string): HostSample[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as HostSample);
}

export function warmUpFor(durationSeconds: number): number {
  return Math.min(600, durationSeconds / 2);
}

export function memoryVerdict(samples: HostSample[], warmUpSeconds: number, tolerance = 0.1): MemoryVerdict {
  const after = samples.filter((s) => s.atMs >= warmUpSeconds * 1000);
  const rss = samples.map((s) => s.rssBytes / MB);
  const delays = samples.map((s) => s.loopDelayMs.p99);
  const verdict: MemoryVerdict = {
    samples: samples.length,
    warmUpSeconds,
    tolerance,
    judged: after.length >= 6,
    rssMb: samples.length
      ? { first: round(rss[0]), last: round(rss[rss.length - 1]), max: round(Math.max(...rss)) }
      : { first: 0, last: 0, max: 0 },
    loopDelayP99Ms: samples.length ? { median: round(median(delays)), max: round(Math.max(...delays)) } : { median: 0, max: 0 },
    problems: [],
  };
  if (!samples.length) verdict.problems.push('the host wrote no samples');
  if (!verdict.judged) return verdict;
  const reference = median(after.slice(0, 6).map(heapOf));
  const ratios = after.map((s) => heapOf(s) / reference);
  verdict.referenceBytes = reference;
  verdict.lowest = round(Math.min(...ratios), 3);
  verdict.highest = round(Math.max(...ratios), 3);
  verdict.slopeMbPerHour = round(slope(after.map((s) => [s.atMs / 3_600_000, heapOf(s) / MB])), 2);
  const outside = after.filter((s) => Math.abs(heapOf(s) / reference - 1) > tolerance);
  if (outside.length)
    verdict.problems.push(
      `${outside.length} of ${after.length} samples after the first ${warmUpSeconds} s have a live heap more than ${tolerance * 100} % from ${round(reference / MB)} MB (${round(verdict.lowest * 100)} % to ${round(verdict.highest * 100)} %)`,
    );
  return verdict;
}

function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx ? points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx : 0;
}

export function samplesCsv(samples: HostSample[]): string {
  const header = 'seconds,rss_mb,heap_used_mb,heap_total_mb,live_heap_mb,loop_delay_mean_ms,loop_delay_p99_ms,loop_delay_max_ms';
  const rows = samples.map((s) =>
    [
      s.atMs / 1000,
      round(s.rssBytes / MB, 2),
      round(s.heapUsedBytes / MB, 2),
      round(s.heapTotalBytes / MB, 2),
      s.liveHeapBytes === undefined ? '' : round(s.liveHeapBytes / MB, 2),
      s.loopDelayMs.mean,
      s.loopDelayMs.p99,
      s.loopDelayMs.max,
    ].join(','),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

const WIDTH = 1000;
const PANEL = { left: 70, right: 170, height: 260, gap: 60, top: 50 };

interface Series {
  label: string;
  color: string;
  values: number[];
  /** When each value was taken, if not at the memory samples' times. */
  seconds?: number[];
}

/** What the load saw beside the host's samples, each on its own panel. */
export interface LoadPanels {
  /** Per minute of the load: p50 and p99 latency. */
  latency?: Array<{ minute: number; p50: number; p99: number }>;
  /** Per sample: the share of a core each process used. */
  cpu?: Array<{ atSeconds: number; cores: Record<string, number> }>;
}

const CPU_COLORS = ['#c33', '#36c', '#183', '#999', '#a50'];

/**
 * Panels over time: memory (RSS, heap used, live heap, with the ±band after the warm-up) and loop delay; with the
 * load's figures, also its latency per minute and each process's CPU.
 */
export function samplesSvg(samples: HostSample[], verdict: MemoryVerdict, title: string, load: LoadPanels = {}): string {
  const seconds = samples.map((s) => s.atMs / 1000);
  const maxX = Math.max(1, ...seconds);
  const plotWidth = WIDTH - PANEL.left - PANEL.right;
  const x = (t: number) => PANEL.left + (Math.min(t, maxX) / maxX) * plotWidth;
  const panels = 2 + (load.latency?.length ? 1 : 0) + (load.cpu?.length ? 1 : 0);
  const height = PANEL.top + panels * PANEL.height + (panels - 1) * PANEL.gap + 50;
  const parts: string[] = [];
  const panel = (top: number, unit: string, series: Series[], band?: [number, number]) => {
    const maxY = Math.max(1, ...series.flatMap((s) => s.values), ...(band ?? [])) * 1.1;
    const y = (v: number) => top + PANEL.height - (v / maxY) * PANEL.height;
    parts.push(`<rect x="${PANEL.left}" y="${top}" width="${plotWidth}" height="${PANEL.height}" fill="none" stroke="#999"/>`);
    for (let i = 0; i <= 4; i++) {
      const v = (maxY * i) / 4;
      parts.push(`<line x1="${PANEL.left}" x2="${PANEL.left + plotWidth}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
      parts.push(`<text x="${PANEL.left - 6}" y="${y(v) + 4}" text-anchor="end">${round(v)}</text>`);
    }
    parts.push(
      `<text x="14" y="${top + PANEL.height / 2}" transform="rotate(-90 14 ${top + PANEL.height / 2})" text-anchor="middle">${unit}</text>`,
    );
    if (verdict.warmUpSeconds < maxX)
      parts.push(
        `<rect x="${PANEL.left}" y="${top}" width="${x(verdict.warmUpSeconds) - PANEL.left}" height="${PANEL.height}" fill="#f3f3f3"/>`,
      );
    if (band)
      parts.push(
        `<rect x="${x(verdict.warmUpSeconds)}" y="${y(band[1])}" width="${x(maxX) - x(verdict.warmUpSeconds)}" height="${y(band[0]) - y(band[1])}" fill="#2a7" fill-opacity="0.25"/>`,
      );
    series.forEach((s, i) => {
      const points = s.values.map((v, j) => `${round(x((s.seconds ?? seconds)[j]), 1)},${round(y(v), 1)}`).join(' ');
      parts.push(`<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
      parts.push(
        `<line x1="${WIDTH - PANEL.right + 15}" x2="${WIDTH - PANEL.right + 35}" y1="${top + 15 + i * 20}" y2="${top + 15 + i * 20}" stroke="${s.color}" stroke-width="3"/>`,
      );
      parts.push(`<text x="${WIDTH - PANEL.right + 40}" y="${top + 19 + i * 20}">${s.label}</text>`);
    });
  };
  const mb = (pick: (s: HostSample) => number | undefined) => samples.map((s) => (pick(s) ?? 0) / MB);
  const memory: Series[] = [
    { label: 'RSS', color: '#c33', values: mb((s) => s.rssBytes) },
    { label: 'heap used', color: '#36c', values: mb((s) => s.heapUsedBytes) },
  ];
  if (samples.some((s) => s.liveHeapBytes !== undefined))
    memory.push({ label: 'live heap', color: '#183', values: mb((s) => s.liveHeapBytes) });
  const reference = verdict.referenceBytes === undefined ? undefined : verdict.referenceBytes / MB;
  panel(
    PANEL.top,
    'MB',
    memory,
    reference === undefined ? undefined : [reference * (1 - verdict.tolerance), reference * (1 + verdict.tolerance)],
  );
  const delayTop = PANEL.top + PANEL.height + PANEL.gap;
  panel(delayTop, 'event-loop delay, ms', [
    { label: 'p99', color: '#a50', values: samples.map((s) => s.loopDelayMs.p99) },
    { label: 'mean', color: '#666', values: samples.map((s) => s.loopDelayMs.mean) },
  ]);
  let lastTop = delayTop;
  if (load.latency?.length) {
    lastTop += PANEL.height + PANEL.gap;
    const at = load.latency.map((m) => m.minute * 60 + 30);
    panel(lastTop, 'webhook latency, ms', [
      { label: 'p99 per minute', color: '#a50', values: load.latency.map((m) => m.p99), seconds: at },
      { label: 'p50 per minute', color: '#666', values: load.latency.map((m) => m.p50), seconds: at },
    ]);
  }
  if (load.cpu?.length) {
    lastTop += PANEL.height + PANEL.gap;
    const at = load.cpu.map((c) => c.atSeconds);
    const names = Object.keys(load.cpu[0].cores);
    panel(
      lastTop,
      'CPU, cores',
      names.map((name, i) => ({
        label: name,
        color: CPU_COLORS[i % CPU_COLORS.length],
        values: load.cpu!.map((c) => c.cores[name] ?? 0),
        seconds: at,
      })),
    );
  }
  for (let i = 0; i <= 5; i++) {
    const t = (maxX * i) / 5;
    parts.push(`<text x="${x(t)}" y="${lastTop + PANEL.height + 18}" text-anchor="middle">${round(t / 60)} min</text>`);
  }
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${PANEL.left}" y="24" font-size="15">${escape(title)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

/** Renders the SVG to a PNG file with headless Chromium. */
export async function writePng(svg: string, file: string): Promise<void> {
  const browser = await launchBrowser();
  try {
    const size = /width="(\d+)" height="(\d+)"/.exec(svg)!;
    const page = await browser.newPage({ viewport: { width: Number(size[1]), height: Number(size[2]) } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: file });
  } finally {
    await browser.close();
  }
}

export function writeSamplesJson(samples: HostSample[], verdict: MemoryVerdict, file: string): void {
  writeFileSync(file, `${JSON.stringify({ verdict, samples }, null, 2)}\n`);
}

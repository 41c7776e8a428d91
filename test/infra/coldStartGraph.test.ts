// What a cold start loads: the entry (package.json "main") and the chunks it requires at load. Every function's own
// code is a chunk loaded on its first call, so the start holds only the registrations, the settings (declared beside each feature,
// with the pure parsers they use), the platform's start-up and the modules of the queue and timer functions, whose
// code loads on their first message. Read from the build's source maps.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './armTemplate';

const dist = join(repoRoot, 'dist');
const { main } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { main: string };

function staticallyLoaded(entry: string): Set<string> {
  const files = new Set<string>();
  const walk = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const code = readFileSync(join(dist, file), 'utf8');
    // At load a chunk assigns what it requires (`var import_x = require("./x.cjs")`); a chunk loaded later is required
    // inside a function (`() => __toESM(require("./x.cjs"))`).
    for (const m of code.matchAll(/\b\w+\s*=\s*require\("\.\/([^"]+)"\)/g)) walk(m[1]);
  };
  walk(entry);
  return files;
}

function sourcesOf(files: Set<string>): string[] {
  const sources = new Set<string>();
  for (const file of files) {
    const map = join(dist, `${file}.map`);
    if (!existsSync(map)) continue;
    for (const source of (JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }).sources)
      if (!source.includes('node_modules') && !source.startsWith('webpack:')) sources.add(source.replace(/^(\.\.\/)+/, ''));
  }
  return [...sources].sort();
}

/** Function modules that register at start: their queue names and schedules are settings. */
const registersAtStart = readdirSync(join(repoRoot, 'functions'))
  .filter((f) => /\bapp\.(?!http\()\w+\(/.test(readFileSync(join(repoRoot, 'functions', f), 'utf8')))
  .map((f) => `functions/${f}`);

/** Pure modules the settings declarations parse with. */
const SETTINGS_HELPERS = [
  'shared/phone.ts',
  'shared/hours/businessHours.ts',
  'shared/hours/zonedClock.ts',
  'shared/guards/callingCodes.ts',
  'shared/audio/audioNames.ts',
  'shared/calling/identity.ts',
  'shared/calling/principal.ts',
  'shared/twiml/voiceModes.ts',
  'shared/outbound/optOuts.ts',
  'shared/assistant/assistantConfig.ts',
];

function allowedAtStart(source: string): boolean {
  return (
    source === 'build/app-entry.ts' ||
    // What the build adds and maps to no source of ours: the entry's requires and esbuild's helpers.
    source.startsWith('build/app-split/') ||
    source.startsWith('shared/platform/') ||
    /Settings\.ts$/.test(source) ||
    SETTINGS_HELPERS.includes(source) ||
    registersAtStart.includes(source)
  );
}

test('a cold start loads the registrations, the settings and the start-up, and no function its own code', () => {
  const loaded = sourcesOf(staticallyLoaded(main.slice('dist/'.length)));
  expect(loaded).toEqual(expect.arrayContaining(['shared/platform/settings.ts', 'shared/platform/startup.ts']));
  expect(loaded.filter((source) => !allowedAtStart(source))).toEqual([]);
});

test('every HTTP function is a chunk of its own that the entry does not import at start', () => {
  const loaded = new Set(sourcesOf(staticallyLoaded(main.slice('dist/'.length))));
  const http = readdirSync(join(repoRoot, 'functions'))
    .map((f) => `functions/${f}`)
    .filter((f) => !registersAtStart.includes(f));
  expect(http.length).toBeGreaterThan(20);
  expect(http.filter((f) => loaded.has(f))).toEqual([]);
});

test('a start reads the entry and the one chunk that holds what every start needs, not a file per shared module', () => {
  const files = [...staticallyLoaded(main.slice('dist/'.length))];
  // The third file is esbuild's helpers, which every chunk shares.
  expect(files.length).toBeLessThanOrEqual(3);
  expect(files.filter((file) => sourcesOf(new Set([file])).includes('shared/platform/settings.ts'))).toHaveLength(1);
});

// The folder that goes to Azure (scripts/package.mjs): built here into a temporary folder outside the project, so
// nothing it needs can be found in the project's own node_modules, then checked the way Azure will use it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from './armTemplate';

jest.setTimeout(300_000);

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
}

const scratch = mkdtempSync(join(tmpdir(), 'deploy-package-'));
const folder = join(scratch, 'package');
const zip = join(scratch, 'package.zip');
let files: string[] = [];
let report = '';

beforeAll(() => {
  report = execFileSync(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--out', folder, '--zip', zip, '--no-build'], {
    encoding: 'utf8',
  });
  files = execFileSync('find', ['.', '-type', 'f'], { cwd: folder, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.slice(2));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { main: string; devDependencies: Record<string, string> };

test('nothing above the package folder has a node_modules that could stand in for a missing package', () => {
  for (let dir = dirname(folder); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules'))).toBe(false);
});

test('holds the bundle, host.json, package.json, the lockfile and node_modules, and no source, tests or tools', () => {
  const top = [...new Set(files.map((f) => f.split('/')[0]))].sort();
  expect(top).toEqual(['.funcignore', 'dist', 'host.json', 'node_modules', 'package-lock.json', 'package.json']);
  // npm test builds dist/ first; the package carries that very build: the entry package.json names, the chunks
  // that load on a function's first use, and the browser phone's script, and no source map (main.js.map was the
  // whole TypeScript source).
  const built = readdirSync(join(repoRoot, 'dist'), { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(repoRoot, 'dist', f)).isFile())
    .map((f) => `dist/${f}`);
  const bundles = built.filter((f) => !f.endsWith('.map'));
  expect(files.filter((f) => f.startsWith('dist/')).sort()).toEqual(bundles.sort());
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  expect(bundles).toEqual(expect.arrayContaining([pkg.main, 'dist/softphone.js']));
  for (const file of bundles) expect(readFileSync(join(folder, file), 'utf8')).toBe(readFileSync(join(repoRoot, file), 'utf8'));
  expect(readFileSync(join(folder, 'host.json'), 'utf8')).toBe(readFileSync(join(repoRoot, 'host.json'), 'utf8'));
  const deployed = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { main: string; scripts?: unknown };
  expect(deployed.main).toBe(pkg.main);
  expect(deployed.scripts).toBeUndefined();
});

test('node_modules holds no devDependency, nor any package the lockfile marks dev-only', () => {
  // A devDependency the app also needs at run time (a test importing @azure/logger) is in the lockfile as production.
  for (const name of Object.keys(pkg.devDependencies).filter((n) => lock.packages[`node_modules/${n}`]?.dev))
    expect({ name, shipped: existsSync(join(folder, 'node_modules', name)) }).toEqual({ name, shipped: false });
  const devOnly = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev)
    .map(([path]) => path)
    .filter((path) => existsSync(join(folder, path, 'package.json')));
  expect(devOnly).toEqual([]);
});

test('node_modules holds every production package of the lockfile, at the locked version', () => {
  const missing = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev && !entry.optional)
    .filter(([path, entry]) => {
      const manifest = join(folder, path, 'package.json');
      return !existsSync(manifest) || (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version !== entry.version;
    })
    .map(([path]) => path);
  expect(missing).toEqual([]);
});

test('its .funcignore ignores nothing, so azd keeps node_modules (without one it leaves them out)', () => {
  const lines = readFileSync(join(folder, '.funcignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  expect(lines).toEqual([]);
});

test('loaded on its own, as the worker loads it, it registers every function in functions/', () => {
  const run = (appRoot: string) =>
    spawnSync(process.execPath, [join(repoRoot, 'build', 'devhost.js'), 'functions'], {
      cwd: appRoot,
      env: {
        PATH: process.env.PATH,
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        DEVHOST_APP_ROOT: appRoot,
        DEVHOST_SKIP_LOCAL_SETTINGS: '1',
      },
      encoding: 'utf8',
    });
  const fromPackage = run(folder);
  expect(fromPackage.stderr).toBe('');
  expect(fromPackage.status).toBe(0);
  const names = (JSON.parse(fromPackage.stdout) as { name: string }[]).map((f) => f.name).sort();
  const fromProject = (JSON.parse(run(repoRoot).stdout) as { name: string }[]).map((f) => f.name).sort();
  expect(names).toEqual(fromProject);
  // One function per file in functions/.
  expect(names.length).toBe(readdirSync(join(repoRoot, 'functions')).filter((f) => f.endsWith('.ts')).length);
});

test('every package the build requires or imports, on first use or at load, resolves and loads from the package folder alone', () => {
  const bundle = readdirSync(join(folder, 'dist'))
    .filter((f) => f.endsWith('.cjs'))
    .map((f) => readFileSync(join(folder, 'dist', f), 'utf8'))
    .join('\n');
  const builtins = new Set(builtinModules);
  // A chunk requires a package through esbuild's require helper: `(0, import_chunk.__require)("<package>")`.
  const specifiers = [...bundle.matchAll(/(?:require\)?\(|import\(|\bfrom ?)"([^"]+)"/g)].map((m) => m[1]);
  const required = [...new Set(specifiers)]
    .filter((s) => /^(@[\w-][\w.-]*\/)?\w[\w.-]*(\/[\w.@-]+)*$/.test(s))
    .filter((s) => !s.startsWith('node:') && !builtins.has(s) && s !== '@azure/functions-core');
  // The lazy ones: every `await import('<package>')` in the app's sources must be among them.
  const sources = execFileSync('grep', ['-rhoE', "import\\('[^'.][^']*'\\)", join(repoRoot, 'shared'), join(repoRoot, 'functions')], {
    encoding: 'utf8',
  });
  const lazy = [...new Set([...sources.matchAll(/import\('([^']+)'\)/g)].map((m) => m[1]))];
  expect(lazy.length).toBeGreaterThan(3);
  expect(required).toEqual(expect.arrayContaining(lazy));
  // Loaded in a fresh process whose only node_modules is the package's, as the worker's would be.
  const loader = `const r = require('node:module').createRequire(${JSON.stringify(join(folder, pkg.main))});
    const failed = {};
    for (const s of JSON.parse(process.argv[1])) { try { r(s); } catch (e) { failed[s] = String(e.message).split('\\n')[0]; } }
    console.log(JSON.stringify(failed));`;
  const result = spawnSync(process.execPath, ['-e', loader, JSON.stringify(required)], {
    cwd: folder,
    env: { PATH: process.env.PATH },
    encoding: 'utf8',
  });
  expect(result.status).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual({});
});

test("the docs' package figures are the ones measured now (npm run package:docs writes them)", () => {
  const bytes = files.reduce((n, f) => n + statSync(join(folder, f)).size, 0);
  // The script is an ES module: asked in a child Node, as the other scripts' tests do.
  const code = `import(${JSON.stringify(join(repoRoot, 'scripts', 'package.mjs'))}).then((m) =>
    console.log(JSON.stringify([m.documentedFigures(), m.figuresSentence(JSON.parse(process.argv[1]))])))`;
  const [documented, measured] = JSON.parse(
    execFileSync(process.execPath, ['-e', code, JSON.stringify({ files: files.length, bytes, zipBytes: statSync(zip).size })], {
      encoding: 'utf8',
    }),
  ) as string[];
  expect(measured).toMatch(/about [\d,]+ files, [\d.]+ MB unpacked and [\d.]+ MB zipped/);
  expect(documented).toBe(measured);
});

test('zips to at most 25 MB (printed by the script)', () => {
  const size = statSync(zip).size;
  expect(report).toMatch(/\d+ files, [\d.]+ MB; .*: [\d.]+ MB zipped/);
  expect(size).toBeLessThanOrEqual(25 * 1000 * 1000);
  const listing = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n')
    .filter(Boolean);
  expect(listing.sort()).toEqual([...files].sort());
});

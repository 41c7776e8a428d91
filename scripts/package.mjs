// npm run package: the one folder that goes to Azure, build/package/ by default. It holds what the Node worker
// loads and nothing else: dist/ (the bundle package.json "main" names), host.json, package.json (without its
// scripts), the lockfile, and production-only node_modules from `npm ci --omit=dev`. azure.yaml points azd's
// `dist` at it (a prepackage hook runs this script); `func azure functionapp publish` runs from inside it.
//   node scripts/package.mjs [--out DIR] [--zip FILE] [--no-build] [--write-docs]
// --zip also writes the folder as a zip (what azd uploads; `az functionapp deploy --src-path` takes it) and prints
// its size; with --write-docs the measured figures replace the ones in docs/deploying.md (`npm run package:docs`).
// --no-build packages the dist/ already built (the tests do, so that nothing rebuilds it under other tests' feet).
// The folder's own .funcignore ignores nothing: without an ignore file azd would drop node_modules.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? resolve(process.argv[index + 1]) : fallback;
}

/** Every file under dir, as paths relative to it with forward slashes, sorted. */
export function filesUnder(dir) {
  const found = [];
  const walk = (at) => {
    for (const name of readdirSync(at).sort()) {
      const full = join(at, name);
      const info = lstatSync(full);
      if (info.isSymbolicLink()) throw new Error(`${relative(dir, full)} is a symbolic link, which a zip deployment cannot carry`);
      if (info.isDirectory()) walk(full);
      else found.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return found;
}

/** A plain zip (deflate, no zip64) of every file under dir. */
export function zipFolder(dir, zipFile) {
  const chunks = [];
  const central = [];
  let offset = 0;
  for (const name of filesUnder(dir)) {
    const data = readFileSync(join(dir, name));
    const deflated = deflateRawSync(data, { level: 9 });
    const stored = deflated.length < data.length;
    const body = stored ? deflated : data;
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(0x0800, 6); // UTF-8 names
    header.writeUInt16LE(stored ? 8 : 0, 8);
    header.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00: reproducible
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(body.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(0x031e, 4); // made by Unix, so the mode below is read
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(stored ? 8 : 0, 10);
    entry.writeUInt32LE(0x00210000, 12);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(body.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE((((statSync(join(dir, name)).mode & 0o777) | 0o100000) << 16) >>> 0, 38);
    entry.writeUInt32LE(offset, 42);
    chunks.push(header, nameBytes, body);
    central.push(entry, nameBytes);
    offset += header.length + nameBytes.length + body.length;
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0);
  const count = central.length / 2;
  if (count > 0xffff || offset > 0xffffffff) throw new Error('too many files or bytes for a zip without zip64');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(zipFile, Buffer.concat([...chunks, ...central, end]));
  return statSync(zipFile).size;
}

/** Type declarations and source maps, which Node never loads. */
const NOT_LOADED = /\.(d\.[cm]?ts|map)$/;
/** The Azure SDK packages' browser and React Native builds: on Node their package.json exports choose commonjs or esm. */
const OTHER_PLATFORMS = /^node_modules\/@azure\/[^/]+\/dist\/(browser|react-native)\//;

/** Drops from node_modules what the Node worker never loads, to keep the zip small (about a third of the Azure SDKs). */
function pruneForNode(modules) {
  const base = dirname(modules);
  for (const file of filesUnder(modules)) {
    const path = `node_modules/${file}`;
    if (NOT_LOADED.test(file) || OTHER_PLATFORMS.test(path)) rmSync(join(base, path));
  }
}

export function buildPackage(out, { build = true } = {}) {
  if (build) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const { main } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (!build && !existsSync(join(root, main))) throw new Error(`--no-build: ${main} is missing; run npm run build first`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'dist'), { recursive: true });
  // The entry, the chunks it loads on each function's first use, and the browser phone's script; not their source
  // maps: main.js.map alone was 1.1 MB of the whole TypeScript source, which Node never reads without
  // --enable-source-maps, and which would ship the app's code to anyone who can read the package.
  cpSync(join(root, 'dist'), join(out, 'dist'), { recursive: true, filter: (source) => !source.endsWith('.map') });
  cpSync(join(root, 'host.json'), join(out, 'host.json'));
  cpSync(join(root, 'package-lock.json'), join(out, 'package-lock.json'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  // --omit=dev: devDependencies (Azurite, Prism, jest, esbuild, TypeScript...) stay home. --no-bin-links: a zip
  // deployment cannot carry symbolic links, and nothing at run time needs node_modules/.bin.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = (...extra) =>
    execFileSync(npm, ['ci', '--omit=dev', '--ignore-scripts', '--no-bin-links', '--no-audit', '--no-fund', '--loglevel=error', ...extra], {
      cwd: out,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
  try {
    install('--prefer-offline');
  } catch {
    // A cache entry another npm process is still writing can be missing: one more try, from the registry.
    install();
  }
  pruneForNode(join(out, 'node_modules'));
  // Without scripts a remote (Oryx) build, should one ever run, builds nothing: dist/ is already built.
  delete pkg.scripts;
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(
    join(out, '.funcignore'),
    '# Everything in this folder is deployed. The file exists because azd, finding no ignore file, would leave out node_modules.\n',
  );
  for (const leftover of ['node_modules/.package-lock.json']) rmSync(join(out, leftover), { force: true });
  return filesUnder(out);
}

const DOCS = join(root, 'docs', 'deploying.md');
const FIGURES = /<!-- package-figures -->[^]*?<!-- \/package-figures -->/;

/** The sentence docs/deploying.md gives the package's size in, rounded so that a small change moves no figure. */
export function figuresSentence({ files, bytes, zipBytes }) {
  const count = (n) => (Math.round(n / 100) * 100).toLocaleString('en-US');
  const mb = (n) => `${(n / 1e6).toFixed(n < 10e6 ? 1 : 0)} MB`;
  return `<!-- package-figures -->about ${count(files)} files, ${mb(bytes)} unpacked and ${mb(zipBytes)} zipped<!-- /package-figures -->`;
}

export function documentedFigures(text = readFileSync(DOCS, 'utf8')) {
  return FIGURES.exec(text)?.[0];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = option('out', join(root, 'build', 'package'));
  const zip = option('zip', undefined);
  if (existsSync(out) && relative(root, out) === '') throw new Error('--out must not be the project itself');
  const files = buildPackage(out, { build: !process.argv.includes('--no-build') });
  const bytes = files.reduce((n, f) => n + statSync(join(out, f)).size, 0);
  let line = `package: ${relative(process.cwd(), out) || '.'}: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB`;
  const zipBytes = zip ? zipFolder(out, zip) : undefined;
  if (zip) line += `; ${relative(process.cwd(), zip)}: ${(zipBytes / 1e6).toFixed(1)} MB zipped`;
  console.log(line);
  if (process.argv.includes('--write-docs')) {
    if (!zip) throw new Error('--write-docs needs --zip: the docs give the zipped size too');
    const text = readFileSync(DOCS, 'utf8');
    if (!documentedFigures(text)) throw new Error(`${relative(root, DOCS)} has no <!-- package-figures --> block`);
    writeFileSync(DOCS, text.replace(FIGURES, figuresSentence({ files: files.length, bytes, zipBytes })));
    console.log(`package: wrote the figures into ${relative(root, DOCS)}`);
  }
}

// Compiles infra/main.bicep with a pinned Bicep CLI and lints it.
//   node scripts/bicep.mjs         check: fails when infra/main.json differs from what main.bicep compiles to
//                                  (drift), or when build or lint reports any warning or error
//   node scripts/bicep.mjs build   rewrites infra/main.json (commit it)
// The CLI comes from NuGet (Azure.Bicep.CommandLine.linux-x64) through `dotnet restore` of a throwaway project,
// cached in the git-ignored infra/.bicep/. Without dotnet or that exact CLI on PATH, the check is skipped, loudly.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BICEP_VERSION = '0.49.2';
const PACKAGE = 'Azure.Bicep.CommandLine.linux-x64';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const infra = join(root, 'infra');
const mainBicep = join(infra, 'main.bicep');
const mainJson = join(infra, 'main.json');
const cache = join(infra, '.bicep');
const packagesDir = join(cache, 'packages');
const cachedBinary = join(packagesDir, PACKAGE.toLowerCase(), BICEP_VERSION, 'tools', 'bicep');

const run = promisify(execFile);

class BicepCheckFailed extends Error {
  name = 'BicepCheckFailed';
}

async function outputOf(file, args, options = {}) {
  try {
    const { stdout, stderr } = await run(file, args, { maxBuffer: 16 * 1024 * 1024, ...options });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    if (error.code === 'ENOENT') return { ok: false, missing: true, output: '' };
    return { ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` || String(error) };
  }
}

const dotnetEnv = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' };

/** Restores the pinned CLI package into infra/.bicep/packages. A no-op once it is there. */
async function fetchWithDotnet() {
  const project = join(cache, 'fetch');
  mkdirSync(project, { recursive: true });
  // PackageDownload fetches a package without referencing it; the exact-version range is required.
  writeFileSync(
    join(project, 'fetch-bicep.csproj'),
    `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net$(BundledNETCoreAppTargetFrameworkVersion)</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="${PACKAGE}" Version="[${BICEP_VERSION}]" />
  </ItemGroup>
</Project>
`,
  );
  const restored = await outputOf('dotnet', ['restore', join(project, 'fetch-bicep.csproj'), '--packages', packagesDir], {
    env: dotnetEnv,
  });
  if (restored.missing) return undefined;
  if (!restored.ok || !existsSync(cachedBinary)) {
    throw new BicepCheckFailed(`dotnet restore could not fetch ${PACKAGE} ${BICEP_VERSION}:\n${restored.output}`);
  }
  return cachedBinary;
}

/** The pinned Bicep CLI: cached, fetched now with dotnet, or on PATH. Undefined when none of those works. */
async function findBicep() {
  if (existsSync(cachedBinary)) return cachedBinary;
  if (process.platform === 'linux' && process.arch === 'x64') {
    const fetched = await fetchWithDotnet();
    if (fetched) return fetched;
  }
  // A different version compiles to different JSON (its version is in the metadata), so only the pinned one will do.
  const onPath = await outputOf('bicep', ['--version']);
  if (onPath.ok && onPath.output.includes(`Bicep CLI version ${BICEP_VERSION} `)) return 'bicep';
  return undefined;
}

/** Runs a bicep command and fails on a non-zero exit or on any diagnostic, warnings included. */
async function bicep(binary, args) {
  const result = await outputOf(binary, args);
  const diagnostics = result.output.split('\n').filter((line) => /\) : (Error|Warning|Info) /.test(line));
  if (!result.ok || diagnostics.length > 0) {
    throw new BicepCheckFailed(`bicep ${args[0]} reported problems:\n${result.output.trim()}`);
  }
}

const normalized = (text) => text.replace(/\r\n/g, '\n');

async function main() {
  const mode = process.argv[2] ?? 'check';
  if (mode !== 'check' && mode !== 'build') throw new BicepCheckFailed(`unknown mode "${mode}": use check or build`);

  const binary = await findBicep();
  if (!binary) {
    const why = `neither dotnet (to fetch ${PACKAGE} ${BICEP_VERSION}) nor Bicep CLI ${BICEP_VERSION} on PATH was found`;
    if (mode === 'build') throw new BicepCheckFailed(`cannot build infra/main.json: ${why}`);
    console.log(`bicep: drift check and lint SKIPPED: ${why}`);
    return;
  }
  if (binary === cachedBinary) chmodSync(binary, 0o755);

  const scratch = mkdtempSync(join(tmpdir(), 'bicep-'));
  try {
    const compiled = join(scratch, 'main.json');
    await Promise.all([bicep(binary, ['build', mainBicep, '--outfile', compiled]), bicep(binary, ['lint', mainBicep])]);
    const fresh = readFileSync(compiled, 'utf8');
    if (mode === 'build') {
      writeFileSync(mainJson, fresh);
      console.log(`bicep ${BICEP_VERSION}: wrote ${relative(root, mainJson)}; lint clean`);
      return;
    }
    const committed = existsSync(mainJson) ? readFileSync(mainJson, 'utf8') : '';
    if (normalized(committed) !== normalized(fresh)) {
      throw new BicepCheckFailed(
        `${relative(root, mainJson)} is out of date with ${relative(root, mainBicep)}: run \`npm run infra:build\` and commit infra/main.json`,
      );
    }
    console.log(`bicep ${BICEP_VERSION}: ${relative(root, mainJson)} matches main.bicep; build and lint clean`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  if (!(error instanceof BicepCheckFailed)) throw error;
  console.error(`bicep: ${error.message}`);
  process.exitCode = 1;
}

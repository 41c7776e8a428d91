// The built app in a temporary folder with its own host.json, so a test can run it with queue settings made
// for speed (a 1 s visibilityTimeout, a low maxDequeueCount) while the app still finds "its" host.json
// next to dist/ as in Azure. node_modules is linked, not copied.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './localHost';

export interface AppCopy {
  root: string;
  remove(): void;
}

/** `appDist`: another build's dist/ folder to run instead of this checkout's (the benchmark's before/after). */
export function appCopyWithQueues(queues: Record<string, unknown>, appDist = join(repoRoot, 'dist')): AppCopy {
  const root = mkdtempSync(join(tmpdir(), 'app-copy-'));
  const hostJson = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8'));
  hostJson.extensions.queues = { ...hostJson.extensions.queues, ...queues };
  writeFileSync(join(root, 'host.json'), JSON.stringify(hostJson, null, 2));
  // An older build's entry may be dist/main.mjs or dist/main.js: "main" names whichever entry the copied build has.
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { main: string };
  const main =
    ['dist/main.cjs', 'dist/main.mjs', 'dist/main.js'].find((entry) => existsSync(join(appDist, entry.slice('dist/'.length)))) ?? pkg.main;
  writeFileSync(join(root, 'package.json'), JSON.stringify({ ...pkg, main }, null, 2));
  cpSync(appDist, join(root, 'dist'), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

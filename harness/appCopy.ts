// The built app in a temporary folder with its own host.json, so a test can run it with queue settings made
// for speed (a 1 s visibilityTimeout, a low maxDequeueCount) while the app still finds "its" host.json
// next to dist/ as in Azure. node_modules is linked, not copied.
import { existsSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './localHost';

export interface AppCopy {
  root: string;
  remove(): void;
}

/** `mainJs`: another build of the app to run instead of this checkout's (the benchmark's before/after). */
export function appCopyWithQueues(queues: Record<string, unknown>, mainJs = join(repoRoot, 'dist', 'main.js')): AppCopy {
  const root = mkdtempSync(join(tmpdir(), 'app-copy-'));
  const hostJson = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8'));
  hostJson.extensions.queues = { ...hostJson.extensions.queues, ...queues };
  writeFileSync(join(root, 'host.json'), JSON.stringify(hostJson, null, 2));
  copyFileSync(join(repoRoot, 'package.json'), join(root, 'package.json'));
  mkdirSync(join(root, 'dist'));
  copyFileSync(mainJs, join(root, 'dist', 'main.js'));
  // The pages' scripts, which the app reads beside its bundle.
  for (const page of ['softphone.js', 'console.js'])
    if (existsSync(join(repoRoot, 'dist', page))) copyFileSync(join(repoRoot, 'dist', page), join(root, 'dist', page));
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

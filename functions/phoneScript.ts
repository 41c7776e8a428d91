import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { app, type HttpResponseInit } from '@azure/functions';
import { ROUTES } from '../shared/platform/routes';

// The build writes the browser phone's script beside the app bundle (dist/softphone.js); unbundled (tests) it is
// one folder up, in dist/.
const CANDIDATES = [join(__dirname, 'softphone.js'), join(__dirname, '..', 'dist', 'softphone.js')];
let script: Promise<string> | undefined;

async function load(): Promise<string> {
  for (const path of CANDIDATES) {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error('dist/softphone.js is missing: run `node scripts/build.mjs`');
}

/** GET /api/phone/softphone.js: the browser phone's script with the Twilio Voice SDK, bundled by the build. */
export async function phoneScript(): Promise<HttpResponseInit> {
  script ??= load().catch((error: unknown) => {
    script = undefined;
    throw error;
  });
  return {
    status: 200,
    headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300' },
    body: await script,
  };
}

app.http('phoneScript', { methods: ['GET'], authLevel: 'anonymous', route: ROUTES.phoneScript, handler: phoneScript });

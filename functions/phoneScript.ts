import { join } from 'node:path';
import { app, type HttpResponseInit } from '@azure/functions';
import { bundledFile } from '../shared/platform/bundledFile';
import { ROUTES } from '../shared/platform/routes';

// The build writes the browser phone's script beside the app bundle (dist/softphone.js); unbundled (tests) it is
// one folder up, in dist/.
const script = bundledFile(
  [join(__dirname, 'softphone.js'), join(__dirname, '..', 'dist', 'softphone.js')],
  'dist/softphone.js is missing: run `node scripts/build.mjs`',
);

/** GET /api/phone/softphone.js: the browser phone's script with the Twilio Voice SDK, bundled by the build. */
export async function phoneScript(): Promise<HttpResponseInit> {
  return {
    status: 200,
    headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300' },
    body: await script(),
  };
}

app.http('phoneScript', { methods: ['GET'], authLevel: 'anonymous', route: ROUTES.phoneScript, handler: phoneScript });

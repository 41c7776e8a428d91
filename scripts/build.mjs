// Bundles the app into dist/main.js (what package.json "main" names) and the local host into build/devhost.js.
// Every file in functions/ is imported by the generated entry, so a new function needs no registration list.
// npm packages stay external: they load from node_modules, and heavy ones only when a function first needs them.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const functionFiles = readdirSync(join(root, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .sort();
const entry = ["import './shared/platform/startup';", ...functionFiles.map((f) => `import './functions/${f.slice(0, -3)}';`)].join('\n');

// import() becomes a lazy require(): heavy packages load on first use, and CJS packages resolve as CJS.
// The app bundle inlines what every cold start loads anyway (@azure/functions, the TwiML builders and the
// signature validator): one file parses faster than hundreds of small ones. Everything else stays external.
const INLINED = /^(@azure\/functions$|twilio\/lib\/twiml\/|twilio\/lib\/webhooks\/webhooks$|xmlbuilder(\/|$))/;
const inlineColdStartPackages = {
  name: 'inline-cold-start-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (INLINED.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

const common = {
  supported: { 'dynamic-import': false },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...common,
    minifyWhitespace: true,
    minifySyntax: true,
    packages: undefined,
    plugins: [inlineColdStartPackages],
    stdin: { contents: entry, resolveDir: root, sourcefile: 'main.ts', loader: 'ts' },
    outfile: join(root, 'dist/main.js'),
  }),
  build({ ...common, entryPoints: [join(root, 'devhost/cli.ts')], outfile: join(root, 'build/devhost.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/run.ts')], outfile: join(root, 'build/bench.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childLoadApp.ts')], outfile: join(root, 'build/bench-load.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childFirstResponse.ts')], outfile: join(root, 'build/bench-first.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/soak.ts')], outfile: join(root, 'build/soak.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childWebhooks.ts')], outfile: join(root, 'build/bench-webhooks.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childWebhookCost.ts')], outfile: join(root, 'build/bench-webhook-cost.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childRawSdk.ts')], outfile: join(root, 'build/bench-raw-sdk.js') }),
  // The browser phone's script (GET /api/phone/softphone.js), with the Twilio Voice SDK, beside the app bundle.
  build({
    entryPoints: [join(root, 'web/softphone.ts')],
    outfile: join(root, 'dist/softphone.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    logLevel: 'warning',
  }),
  // The console's script (GET /api/console/app.js): plain DOM, no library; loaded only by the console's page.
  build({
    entryPoints: [join(root, 'web/console.ts')],
    outfile: join(root, 'dist/console.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
  }),
  // npm run send / npm run schema: the outbound CLI and the JSON Schema writer.
  build({ ...common, entryPoints: [join(root, 'scripts/send.ts')], outfile: join(root, 'build/send.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/schema.ts')], outfile: join(root, 'build/schema.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/replay.ts')], outfile: join(root, 'build/replay.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/simulate.ts')], outfile: join(root, 'build/simulate.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/doctor.ts')], outfile: join(root, 'build/doctor.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/pointNumbers.ts')], outfile: join(root, 'build/point-numbers.js') }),
]);

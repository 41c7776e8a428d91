// Builds the app into dist/ (package.json "main" names its entry, dist/main.cjs) and the local host into build/devhost.js.
// Every file in functions/ is imported by the generated entry, so a new function needs no registration list.
// npm packages stay external: they load from node_modules, and heavy ones only when a function first needs them.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requireFromRoot = createRequire(join(root, 'package.json'));
const functionFiles = readdirSync(join(root, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => f.slice(0, -3));
// HTTP functions register from constants, so the build can record their registration and load their code on first
// use. Queue and timer functions read settings to register (queue names, schedules, start-up checks): the entry
// imports those modules at start.
const registersOnlyHttp = (file) => {
  const source = readFileSync(join(root, 'functions', `${file}.ts`), 'utf8');
  return /\bapp\.http\(/.test(source) && !/\bapp\.(?!http\()\w+\(/.test(source);
};
const lazyFiles = functionFiles.filter(registersOnlyHttp);
const eagerFiles = functionFiles.filter((f) => !registersOnlyHttp(f));

// import() becomes a lazy require() in the tools' bundles: heavy packages load on first use, and CJS packages
// resolve as CJS. The app bundle inlines what every cold start loads anyway (@azure/functions, the TwiML builders
// and the signature validator). Everything else stays external.
const INLINED = /^(@azure\/functions$|twilio\/lib\/twiml\/|twilio\/lib\/webhooks\/webhooks$|xmlbuilder(\/|$))/;

// In the app's ES modules a package still loads through require(), resolved as Node resolves CommonJS (an ES
// import of a deep path such as twilio/lib/jwt/AccessToken would need its file extension): each import of a
// package becomes a tiny bundled CommonJS module that requires it.
const packagesThroughRequire = {
  name: 'packages-through-require',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (INLINED.test(args.path)) return undefined;
      if (args.namespace === 'package-require' || args.kind === 'require-call' || args.path.startsWith('node:'))
        return { path: args.path, external: true };
      return { path: args.path, namespace: 'package-require' };
    });
    // An ES module's import() of bundled CommonJS sees only `default`; the package's own export names, read here
    // from the package, are re-exported by name so that `const { QueueClient } = await import(...)` works.
    b.onLoad({ filter: /.*/, namespace: 'package-require' }, (args) => {
      const names = Object.keys(requireFromRoot(args.path)).filter(
        (name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default' && !name.startsWith('__'),
      );
      return {
        contents: [
          `const m = require(${JSON.stringify(args.path)});`,
          'export default m;',
          ...(names.length ? [`export const { ${names.join(', ')} } = m;`] : []),
        ].join('\n'),
        loader: 'js',
      };
    });
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

/** The pages' scripts (the phone's, the console's): one minified browser file each, beside the app. */
const browserScript = {
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2020',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
};

const functionsFolder = join(root, 'functions');
/** Resolves @azure/functions, imported by a lazily loaded function module, to `target`; everyone else gets the library. */
const functionModulesSee = (target) => ({
  name: 'function-modules-app',
  setup(b) {
    b.onResolve({ filter: /^@azure\/functions$/ }, (args) =>
      dirname(args.importer) === functionsFolder && lazyFiles.includes(basename(args.importer, '.ts'))
        ? typeof target === 'string'
          ? { path: target }
          : target
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'registration-recorder' }, () => ({
      contents: `export const app = new Proxy({}, { get: (_, kind) => (name, options) => globalThis.recorded.push({ file: globalThis.recordingFile, kind, name, options }) });`,
      loader: 'js',
    }));
  },
});

/**
 * What each function module registers (trigger kind, name and options), recorded by loading every module with a
 * stand-in `app` in a child process. The app's entry registers from this, so that no function's own code loads
 * at start.
 */
async function recordRegistrations() {
  const recorder = join(root, 'build', 'registrations.cjs');
  await build({
    ...common,
    sourcemap: false,
    plugins: [functionModulesSee({ path: 'recorder', namespace: 'registration-recorder' })],
    stdin: {
      contents: [
        'globalThis.recorded = [];',
        ...lazyFiles.map(
          (f) =>
            `globalThis.recordingFile = '${f}'; try { require('./functions/${f}'); } catch (e) { console.error('functions/${f}.ts cannot be loaded without settings, which an HTTP function must register without:', e.message); process.exit(1); }`,
        ),
        'process.stdout.write(JSON.stringify(globalThis.recorded));',
      ].join('\n'),
      resolveDir: root,
      sourcefile: 'registrations.ts',
      loader: 'ts',
    },
    outfile: recorder,
  });
  const recorded = JSON.parse(execFileSync(process.execPath, [recorder], { env: { PATH: process.env.PATH }, encoding: 'utf8' }));
  for (const { name, file, options } of recorded) {
    const functionValued = Object.keys(options).filter((key) => key !== 'handler' && typeof options[key] === 'function');
    if (functionValued.length)
      throw new Error(`functions/${file}.ts registers ${name} with ${functionValued.join(', ')} as code, which the entry cannot record`);
  }
  return recorded;
}

// Chunk names change with their content: start from an empty dist/ so that none is left from an older build.
rmSync(join(root, 'dist'), { recursive: true, force: true });
const registrations = await recordRegistrations();
const entryFile = join(root, 'build', 'app-entry.ts');
mkdirSync(dirname(entryFile), { recursive: true });
writeFileSync(
  entryFile,
  [
    '// Generated by scripts/build.mjs: registers every function from what its module registers; the module loads on first use.',
    "import '../shared/platform/startup';",
    "import { app } from '@azure/functions';",
    "import { lazyHandler, resolvedOutputs } from '../shared/platform/lazyFunctions';",
    ...eagerFiles.map((f) => `import '../functions/${f}';`),
    ...registrations.map(({ file, kind, name, options }) => {
      const json = JSON.stringify({ ...options, handler: undefined, extraOutputs: undefined });
      // Extra outputs name their queue by a setting, which the entry resolves at start (lazyFunctions.ts).
      const outputs = options.extraOutputs ? `, extraOutputs: resolvedOutputs(${JSON.stringify(options.extraOutputs)})` : '';
      return `app.${kind}(${JSON.stringify(name)}, { ...${json}${outputs}, handler: lazyHandler(${JSON.stringify(name)}, () => import('../functions/${file}')) } as never);`;
    }),
  ].join('\n'),
);

/**
 * Makes every module the app loads with import() import the entry too. esbuild puts modules in one chunk when the
 * same entry points reach them; without this, what a start loads is reached from different sets of lazily loaded
 * modules, and a start reads 16 chunks instead of one.
 */
const startFirst = {
  name: 'start-first',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) =>
      args.kind === 'dynamic-import' ? { path: join(args.resolveDir, args.path), namespace: 'start-first', pluginData: args } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'start-first' }, ({ pluginData }) => ({
      contents: `import ${JSON.stringify(entryFile)};\nexport * from ${JSON.stringify(pluginData.path)};\n`,
      resolveDir: pluginData.resolveDir,
      loader: 'ts',
    }));
  },
};

/**
 * The app: esbuild splits it as ES modules (splitting needs them) into build/app-split/, then each chunk becomes a
 * CommonJS file in dist/ that require()s the others. The entry (dist/main.cjs) and one chunk hold the registrations
 * and what every start needs; each function's own code is a chunk required on its first invocation. CommonJS
 * because a start then never loads Node's ES module loader, and the Node worker requires a .cjs "main".
 */
async function buildApp() {
  const split = join(root, 'build', 'app-split');
  rmSync(split, { recursive: true, force: true });
  await build({
    ...common,
    format: 'esm',
    splitting: true,
    supported: {},
    packages: undefined,
    plugins: [startFirst, packagesThroughRequire, functionModulesSee(join(root, 'shared', 'platform', 'lazyFunctions.ts'))],
    entryPoints: [{ in: entryFile, out: 'main' }],
    outdir: split,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    outExtension: { '.js': '.cjs' },
  });
  await build({
    ...common,
    // Each chunk on its own, requiring the others; its source map follows the split's back to the sources.
    plugins: [{ name: 'chunks-apart', setup: (b) => b.onResolve({ filter: /^\./ }, (args) => ({ path: args.path, external: true })) }],
    entryPoints: readdirSync(split)
      .filter((f) => f.endsWith('.cjs'))
      .map((f) => join(split, f)),
    loader: { '.cjs': 'js' },
    outdir: join(root, 'dist'),
    outExtension: { '.js': '.cjs' },
    minifyWhitespace: true,
    minifySyntax: true,
    // Warnings about the inlined packages' code, which esbuild reported as theirs in the first pass.
    logOverride: { 'duplicate-class-member': 'silent' },
  });
}

await Promise.all([
  buildApp(),
  build({ ...common, entryPoints: [join(root, 'devhost/cli.ts')], outfile: join(root, 'build/devhost.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/run.ts')], outfile: join(root, 'build/bench.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childLoadApp.ts')], outfile: join(root, 'build/bench-load.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childFloor.ts')], outfile: join(root, 'build/bench-floor.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childFirstResponse.ts')], outfile: join(root, 'build/bench-first.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childFirstResponseFloor.ts')], outfile: join(root, 'build/bench-first-floor.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/soak.ts')], outfile: join(root, 'build/soak.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childWebhooks.ts')], outfile: join(root, 'build/bench-webhooks.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childWebhookCost.ts')], outfile: join(root, 'build/bench-webhook-cost.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childAssistantTurn.ts')], outfile: join(root, 'build/bench-assistant-turn.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childChatStandIn.ts')], outfile: join(root, 'build/bench-chat-stand-in.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childRawSdk.ts')], outfile: join(root, 'build/bench-raw-sdk.js') }),
  // The browser phone's script (GET /api/phone/softphone.js), with the Twilio Voice SDK, beside the app bundle.
  build({
    ...browserScript,
    entryPoints: [join(root, 'web/softphone.ts')],
    outfile: join(root, 'dist/softphone.js'),
    legalComments: 'eof',
  }),
  // The console's script (GET /api/console/app.js): plain DOM, no library; loaded only by the console's page.
  build({ ...browserScript, entryPoints: [join(root, 'web/console.ts')], outfile: join(root, 'dist/console.js') }),
  // npm run send / npm run schema: the outbound CLI and the JSON Schema writer.
  build({ ...common, entryPoints: [join(root, 'scripts/send.ts')], outfile: join(root, 'build/send.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/schema.ts')], outfile: join(root, 'build/schema.js') }),
  // npm run docs: the settings reference, docs/settings.md.
  build({ ...common, entryPoints: [join(root, 'scripts/settingsDoc.ts')], outfile: join(root, 'build/docs.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/replay.ts')], outfile: join(root, 'build/replay.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/simulate.ts')], outfile: join(root, 'build/simulate.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/doctor.ts')], outfile: join(root, 'build/doctor.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/pointNumbers.ts')], outfile: join(root, 'build/point-numbers.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/events.ts')], outfile: join(root, 'build/events.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/eventStreams.ts')], outfile: join(root, 'build/event-streams.js') }),
  build({ ...common, entryPoints: [join(root, 'scripts/forgetNumber.ts')], outfile: join(root, 'build/forget-number.js') }),
]);

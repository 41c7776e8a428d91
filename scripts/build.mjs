// Bundles the app into dist/main.js (what package.json "main" names) and the local host into build/devhost.js.
// Every file in functions/ is imported by the generated entry, so a new function needs no registration list.
// npm packages stay external: they load from node_modules, and heavy ones only when a function first needs them.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const functionFiles = readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts')).sort();
const entry = ["import './shared/startup';", ...functionFiles.map((f) => `import './functions/${f.slice(0, -3)}';`)].join('\n');

// import() becomes a lazy require(): heavy packages load on first use, and CJS packages resolve as CJS.
const common = { supported: { 'dynamic-import': false }, bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', sourcemap: true, logLevel: 'warning' };

await Promise.all([
  build({ ...common, stdin: { contents: entry, resolveDir: root, sourcefile: 'main.ts', loader: 'ts' }, outfile: join(root, 'dist/main.js') }),
  build({ ...common, entryPoints: [join(root, 'devhost/cli.ts')], outfile: join(root, 'build/devhost.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/run.ts')], outfile: join(root, 'build/bench.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childLoadApp.ts')], outfile: join(root, 'build/bench-load.js') }),
  build({ ...common, entryPoints: [join(root, 'bench/childFirstResponse.ts')], outfile: join(root, 'build/bench-first.js') }),
]);

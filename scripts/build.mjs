// Bundles the CLI (and the schema generator) with esbuild. Run by `npm ci` through the
// `prepare` script so that `npx dynsim` works right after installation.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external', // runtime deps are installed by npm; keeps the bundle small
  sourcemap: true,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { index: 'src/index.ts', 'gen-schemas': 'scripts/gen-schemas.ts', 'sweep-worker': 'src/api/sweep-worker.ts' },
  outdir: 'dist',
});
// The command bundles its dependencies: resolving and loading zod's ~100 modules, commander and
// chalk took about half of every invocation's startup (~120 ms of ~250 ms on a 2-core VM).
// It is CommonJS (dist/cli.cjs) so that dist/cli.js can compile it through vm.Script with V8's
// code cache (src/cli/bundle-loader.ts): Node 20 caches no compiled code of ES modules.
await build({
  ...common,
  packages: undefined,
  format: 'cjs',
  entryPoints: { cli: 'src/cli/entry.ts' },
  outExtension: { '.js': '.cjs' },
  outdir: 'dist',
  // the bundle's modules locate files next to themselves (presets, the sweep worker)
  define: { 'import.meta.url': '__dynsim_bundle_url' },
  banner: { js: "const __dynsim_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
});
await build({
  ...common,
  entryPoints: { cli: 'src/cli/bin.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/cli.js', 0o755);
// after a warm-up replay, so that the cache holds the bytecode of what a replay runs
const cache = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'scripts/code-cache.ts'], { stdio: 'inherit' });
if (cache.status !== 0) throw new Error('writing the code cache of dist/cli.cjs failed');

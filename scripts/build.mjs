// Bundles the CLI (and the schema generator) with esbuild. Run by `npm ci` through the
// `prepare` script so that `npx dynsim` works right after installation.
import { build } from 'esbuild';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
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
// The bundled presets checked with the library just built (the same schemas the command
// bundle gets), recorded in the command bundle so that a replay of presets does not build the
// schemas (src/formats/presets.ts).
const { presetRecords } = await import(pathToFileURL('dist/index.js').href);
const prevalidated = presetRecords();

// The command bundles its dependencies: resolving and loading zod's ~100 modules, commander and
// chalk took about half of every invocation's startup (~120 ms of ~250 ms on a 2-core VM).
// It is CommonJS (dist/cli.cjs) so that dist/cli.js can compile it through vm.Script with V8's
// code cache (src/cli/bundle-loader.ts): Node 20 caches no compiled code of ES modules. Its
// first line names the build, and the cache is keyed by it.
const BUILD_LINE = '// dynsim command bundle, build '; // as src/cli/bundle-loader.ts expects
await build({
  ...common,
  packages: undefined,
  format: 'cjs',
  entryPoints: { cli: 'src/cli/entry.ts' },
  outExtension: { '.js': '.cjs' },
  // import() of a built-in (zlib for gzip traces) as require: vm.Script has no module loader
  supported: { 'dynamic-import': false },
  outdir: 'dist',
  // the bundle's modules locate files next to themselves (presets, the sweep worker)
  define: { 'import.meta.url': '__dynsim_bundle_url', __DYNSIM_PREVALIDATED__: JSON.stringify(prevalidated) },
  // strict mode as the ES modules were: the directive must come before the first statement
  banner: { js: `${BUILD_LINE}${'0'.repeat(64)}\n'use strict';\nconst __dynsim_bundle_url = require('node:url').pathToFileURL(__filename).href;` },
});
// the build id on the bundle's first line: SHA-256 of the bundle with a blank id (same length,
// so the source map still fits); the code cache is keyed by it. esbuild escapes every other
// character in strings, regular expressions and names (charset ascii), but copies comments:
// those get '?' per UTF-16 unit (columns stay), so that the bundle is ASCII, loaded as a
// one-byte string
{
  const text = readFileSync('dist/cli.cjs', 'utf8').replace(/[^\x00-\x7f]/g, '?');
  if (!text.startsWith(`${BUILD_LINE}${'0'.repeat(64)}\n`)) throw new Error('dist/cli.cjs: no build line');
  const id = createHash('sha256').update(text).digest('hex');
  writeFileSync('dist/cli.cjs', `${BUILD_LINE}${id}${text.slice(BUILD_LINE.length + 64)}`);
}
await build({
  ...common,
  entryPoints: { cli: 'src/cli/bin.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/cli.js', 0o755);
// after a warm-up replay, so that the cache holds the bytecode of what a replay runs
const cache = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'scripts/code-cache.ts'], { stdio: 'inherit' });
// an optimisation: without it the bundle compiles from source, so a failure only warns
if (cache.status !== 0) console.warn('warning: writing the code cache of dist/cli.cjs failed; dynsim will start slower');

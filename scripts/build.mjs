// Bundles the CLI (and the schema generator) with esbuild. Run by `npm ci` through the
// `prepare` script so that `npx dynsim` works right after installation.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

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
  entryPoints: { cli: 'src/cli/bin.ts', index: 'src/index.ts', 'gen-schemas': 'scripts/gen-schemas.ts', 'sweep-worker': 'src/api/sweep-worker.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/cli.js', 0o755);

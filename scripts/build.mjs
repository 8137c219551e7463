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
  entryPoints: { index: 'src/index.ts', 'gen-schemas': 'scripts/gen-schemas.ts', 'sweep-worker': 'src/api/sweep-worker.ts' },
  outdir: 'dist',
});
// The command bundles its dependencies: resolving and loading zod's ~100 modules, commander and
// chalk took about half of every invocation's startup (~120 ms of ~250 ms on a 2-core VM).
// commander is CommonJS and requires Node built-ins, hence the `require` the banner provides.
await build({
  ...common,
  packages: undefined,
  entryPoints: { cli: 'src/cli/bin.ts' },
  outdir: 'dist',
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
});
chmodSync('dist/cli.js', 0o755);

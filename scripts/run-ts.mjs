// Runs a TypeScript script without a build step: bundles it with esbuild (the project's own
// dev dependency) into a temporary ES module beside it, runs that with node, then removes it.
// Usage: node scripts/run-ts.mjs scripts/convert-h100.ts [args...]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <script.ts> [args...]');
  process.exit(2);
}
const out = join(dirname(entry), `.${basename(entry, '.ts')}.${process.pid}.tmp.mjs`);
try {
  await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning' });
  const r = spawnSync(process.execPath, [out, ...args], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(out, { force: true });
}

// Writes the V8 code cache of the command bundle (dist/cli.cjs.cache), run by scripts/build.mjs
// after bundling: loads dist/cli.cjs the way dist/cli.js does, replays a small trace with it
// (bytecode of everything a replay runs gets compiled), then serialises the compiled code.
// See src/cli/bundle-loader.ts. Usage: node scripts/run-ts.mjs scripts/code-cache.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheFileOf, loadBundle, writeCodeCache } from '../src/cli/bundle-loader.js';

const root = fileURLToPath(new URL('..', import.meta.url)); // import.meta.dirname needs Node 20.11
const bundle = join(root, 'dist', 'cli.cjs');
rmSync(cacheFileOf(bundle), { force: true });
const dir = mkdtempSync(join(tmpdir(), 'dynsim-code-cache-'));
try {
  const trace = join(dir, 'warm-up.jsonl');
  const gen = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'gen-trace', '--network', 'skipnet-resnet18', '--samples', '256', '--seed', '1', '-o', trace], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`code cache: gen-trace failed: ${gen.stderr}`);
  const loaded = loadBundle(bundle);
  const r = await loaded.exports.runCli(['run', '--trace', trace, '--network', 'skipnet-resnet18', '--no-progress', '-o', join(dir, 'result.json')]);
  if (r.exitCode !== 0) throw new Error(`code cache: warm-up replay failed: ${r.stderr}`);
  writeCodeCache(bundle, loaded);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

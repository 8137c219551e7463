/**
 * Loads the command bundle (dist/cli.cjs, CommonJS) with V8's code cache, as Node's own
 * CommonJS loader would load it but through `vm.Script` with `cachedData`: Node 20 has no
 * compile cache for ES modules or for `require`. Compiling the ~0.75 MB bundle and then,
 * function by function, the code a replay runs took ~60 ms of every invocation; with the
 * bytecode from the cache (written at build time by scripts/code-cache.ts after a warm-up
 * replay) V8 only deserialises it.
 *
 * The cache file starts with the SHA-256 of the bundle it was made from (64 hex characters);
 * a cache of another bundle is not used. V8 itself refuses a cache of another V8 version or
 * other V8 flags (`cachedDataRejected`); either way the bundle is compiled from source,
 * which gives the same program, only slower to start.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { createHash } from 'node:crypto';

/** What the bundle (src/cli/entry.ts) exports. */
export interface CliBundle {
  main(): Promise<void>;
  runCli(argv: readonly string[]): Promise<{ stdout: string; stderr: string; exitCode: number }>;
}

export interface LoadedBundle {
  exports: CliBundle;
  script: Script;
  /** The source hash the cache is keyed by. */
  sourceHash: string;
  /** 'used', 'rejected' (by V8), 'stale' (another bundle's) or 'none' (no cache file). */
  cache: 'used' | 'rejected' | 'stale' | 'none';
}

const KEY_LENGTH = 64;

/** The code cache file of a bundle. */
export function cacheFileOf(bundleFile: string): string {
  return `${bundleFile}.cache`;
}

export function loadBundle(bundleFile: string): LoadedBundle {
  const bytes = readFileSync(bundleFile);
  const sourceHash = createHash('sha256').update(bytes).digest('hex');
  let cachedData: Buffer | undefined;
  let cache: LoadedBundle['cache'] = 'none';
  let buf: Buffer | undefined;
  try {
    buf = readFileSync(cacheFileOf(bundleFile));
  } catch {
    // no cache: compiled from source
  }
  if (buf) {
    if (buf.length > KEY_LENGTH && buf.toString('latin1', 0, KEY_LENGTH) === sourceHash) cachedData = buf.subarray(KEY_LENGTH);
    else cache = 'stale';
  }
  const source = bytes.toString('utf8');
  // the CommonJS wrapper, on the first line so that line numbers in stack traces stay right
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapped, { filename: bundleFile, cachedData });
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'used';
  const mod = { exports: {} as CliBundle };
  const fn = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown, f: string, d: string) => void;
  fn(mod.exports, createRequire(bundleFile), mod, bundleFile, dirname(bundleFile));
  return { exports: mod.exports, script, sourceHash, cache };
}

/** Writes the code cache of a loaded bundle: bytecode of every function compiled so far. */
export function writeCodeCache(bundleFile: string, loaded: LoadedBundle): number {
  const data = loaded.script.createCachedData();
  writeFileSync(cacheFileOf(bundleFile), Buffer.concat([Buffer.from(loaded.sourceHash, 'latin1'), data]));
  return data.length;
}

/**
 * Loads the command bundle (dist/cli.cjs, CommonJS) with V8's code cache, as Node's own
 * CommonJS loader would load it but through `vm.Script` with `cachedData`: Node 20 has no
 * compile cache for ES modules or for `require`. Compiling the ~1.1 MB bundle and then,
 * function by function, the code a replay runs took ~60 ms of every invocation; with the
 * bytecode from the cache (written at build time by scripts/code-cache.ts after a warm-up
 * replay) V8 only deserialises it.
 *
 * The bundle's first line names its build: `// dynsim command bundle, build <id>`, the SHA-256
 * of the bundle as written with a blank id (scripts/build.mjs). The cache file starts with
 * the id of the build it was made from and the bundle file's size and modification time, and a
 * cache of another build, or of a bundle edited since (V8 checks only the source length), is
 * not used. V8 itself
 * refuses a cache of another source length, V8 version or V8 flags (`cachedDataRejected`).
 * Without a usable cache the bundle is compiled from source: the same program, slower to
 * start. (No hashing here: loading node:crypto alone costs ~6 ms.)
 */
import { isAscii } from 'node:buffer';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** What the bundle (src/cli/entry.ts) exports. */
export interface CliBundle {
  main(): Promise<void>;
  runCli(argv: readonly string[]): Promise<{ stdout: string; stderr: string; exitCode: number }>;
}

export interface LoadedBundle {
  exports: CliBundle;
  script: Script;
  /** The bundle's build id, undefined if its first line names none. */
  buildId: string | undefined;
  /** 'used', 'rejected' (by V8), 'stale' (another build's) or 'none' (no cache file or no build id). */
  cache: 'used' | 'rejected' | 'stale' | 'none';
}

/** The first line of the bundle up to the id, and the id's length (hex SHA-256). */
export const BUILD_LINE = '// dynsim command bundle, build ';
export const BUILD_ID_LENGTH = 64;

/** Size and modification time of the bundle file, as recorded in its cache (fixed width). */
const STAMP_LENGTH = 40;
function stampOf(bundleFile: string): string {
  const st = statSync(bundleFile);
  return `${st.size}:${Math.floor(st.mtimeMs)}`.padEnd(STAMP_LENGTH, ' ');
}

/** The code cache file of a bundle. */
export function cacheFileOf(bundleFile: string): string {
  return `${bundleFile}.cache`;
}

export function loadBundle(bundleFile: string): LoadedBundle {
  const bytes = readFileSync(bundleFile);
  // the build makes the bundle ASCII: decoded as such it is a one-byte string (read and scanned
  // ~2x faster than the two-byte string that a single other character makes of all of it)
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const buildId = source.startsWith(BUILD_LINE) ? source.slice(BUILD_LINE.length, BUILD_LINE.length + BUILD_ID_LENGTH) : undefined;
  let cachedData: Buffer | undefined;
  let cache: LoadedBundle['cache'] = 'none';
  if (buildId !== undefined) {
    let buf: Buffer | undefined;
    try {
      buf = readFileSync(cacheFileOf(bundleFile));
    } catch {
      // no cache: compiled from source
    }
    if (buf) {
      const head = BUILD_ID_LENGTH + STAMP_LENGTH;
      if (buf.length > head && buf.toString('latin1', 0, head) === buildId + stampOf(bundleFile)) cachedData = buf.subarray(head);
      else cache = 'stale';
    }
  }
  // the CommonJS wrapper, on the first line so that line numbers in stack traces stay right
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapped, { filename: bundleFile, cachedData });
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'used';
  const mod = { exports: {} as CliBundle };
  const fn = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown, f: string, d: string) => void;
  fn(mod.exports, createRequire(bundleFile), mod, bundleFile, dirname(bundleFile));
  return { exports: mod.exports, script, buildId, cache };
}

/** Writes the code cache of a loaded bundle: bytecode of every function compiled so far. */
export function writeCodeCache(bundleFile: string, loaded: LoadedBundle): number {
  if (loaded.buildId === undefined) throw new Error(`${bundleFile} names no build`);
  const data = loaded.script.createCachedData();
  writeFileSync(cacheFileOf(bundleFile), Buffer.concat([Buffer.from(loaded.buildId + stampOf(bundleFile), 'latin1'), data]));
  return data.length;
}

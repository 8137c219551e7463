import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheFileOf, loadBundle } from '../src/cli/bundle-loader.js';
import { tmpDir } from './helpers/fixtures.js';

const dist = join(import.meta.dirname, '..', 'dist');
const bundle = join(dist, 'cli.cjs');

describe('command bundle and its code cache (dist/, built by npm ci)', () => {
  it.runIf(existsSync(cacheFileOf(bundle)))('uses the cache of its own build, and not after an edit that keeps the length', async () => {
    const dir = tmpDir();
    const copy = join(dir, 'cli.cjs');
    copyFileSync(bundle, copy);
    copyFileSync(cacheFileOf(bundle), cacheFileOf(copy));
    const st = statSync(bundle);
    utimesSync(copy, st.atimeMs / 1000, st.mtimeMs / 1000); // seconds as a float: a Date would round the time down
    const fresh = loadBundle(copy);
    expect(fresh.cache).toBe('used');
    expect((await fresh.exports.runCli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // the same bytes count, another program: V8 alone would accept the cache (length check)
    const text = readFileSync(copy, 'latin1');
    const version = /VERSION = "(\d+\.\d+\.)(\d)"/.exec(text)!;
    const edited = `${version[1]}${(Number(version[2]) + 1) % 10}`;
    writeFileSync(copy, text.replace(version[0], `VERSION = "${edited}"`), 'latin1');
    utimesSync(copy, st.atimeMs / 1000, st.mtimeMs / 1000 + 5);
    const stale = loadBundle(copy);
    expect(stale.cache).toBe('stale');
    expect((await stale.exports.runCli(['--version'])).stdout.trim()).toBe(edited);
  });
});

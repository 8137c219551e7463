/**
 * Executable entry point of the `dynsim` command (bundled to dist/cli.js): loads the command
 * bundle dist/cli.cjs (src/cli/entry.ts) with its code cache and runs the command line.
 */
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle } from './bundle-loader.js';

// next to the real file, also when started through a symlink with --preserve-symlinks-main
void loadBundle(join(dirname(realpathSync(fileURLToPath(import.meta.url))), 'cli.cjs')).exports.main();

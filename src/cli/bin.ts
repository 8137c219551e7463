/**
 * Executable entry point of the `dynsim` command (bundled to dist/cli.js): loads the command
 * bundle dist/cli.cjs (src/cli/entry.ts) with its code cache and runs the command line.
 */
import { fileURLToPath } from 'node:url';
import { loadBundle } from './bundle-loader.js';

void loadBundle(fileURLToPath(new URL('./cli.cjs', import.meta.url))).exports.main();

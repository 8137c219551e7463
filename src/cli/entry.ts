/**
 * The command bundle (dist/cli.cjs): everything the `dynsim` command runs, dependencies
 * included. It exports the entry points instead of running: dist/cli.js (src/cli/bin.ts)
 * compiles it with V8's code cache and calls `main`, and the build warms that cache by
 * calling `runCli` (scripts/code-cache.ts).
 */
import { config } from 'zod';

// a command parses a few documents once: zod's per-schema compiled fast path (new Function
// per object schema) costs more to build than it saves
config({ jitless: true });

export { main, runCli } from './main.js';

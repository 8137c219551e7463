/** Executable entry point of the `dynsim` command (bundled to dist/cli.js). */
import { config } from 'zod';
import { main } from './main.js';

// a command parses a few documents once: zod's per-schema compiled fast path (new Function
// per object schema) costs more to build than it saves
config({ jitless: true });
void main();

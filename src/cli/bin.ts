/** Executable entry point of the `dynsim` command (bundled to dist/cli.js). */
import { main } from './main.js';

void main();

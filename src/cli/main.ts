/**
 * The dynsim command line: argv -> library call -> output and exit code. The only module
 * that exits the process; commands return their output so tests can call them in-process.
 * Exit codes: 0 success, 2 usage or input error (no stack trace), 1 unexpected failure.
 */
import { Command, CommanderError } from 'commander';
import { DynsimError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { makeChalk } from './output.js';

type Register = (program: Command, done: (r: Promise<CommandResult>) => void) => void;

/**
 * The commands in help order, each loaded on demand: an invocation naming a command loads
 * only that command's modules, so a replay does not build the schemas of sweeps,
 * measurements or expectations. Help, typos and options before a command load them all.
 */
const COMMANDS: readonly (readonly [string, () => Promise<Register>])[] = [
  ['validate', async () => (await import('./commands/validate.js')).registerValidate],
  ['gen-trace', async () => (await import('./commands/gen-trace.js')).registerGenTrace],
  ['inspect', async () => (await import('./commands/inspect.js')).registerInspect],
  ['run', async () => (await import('./commands/run.js')).registerRun],
  ['layer', async () => (await import('./commands/layer.js')).registerLayer],
  ['sweep', async () => (await import('./commands/sweep.js')).registerSweep],
  ['merge', async () => (await import('./commands/merge.js')).registerMerge],
  ['regress', async () => (await import('./commands/regress.js')).registerRegress],
  ['compare', async () => (await import('./commands/compare.js')).registerCompare],
  ['report', async () => (await import('./commands/report.js')).registerReport],
  ['correlate', async () => (await import('./commands/correlate.js')).registerCorrelate],
];

export interface CommandResult {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
}

export interface CliOutcome {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs the CLI on `argv` (without node and script) and returns what it would print. */
export async function runCli(argv: readonly string[]): Promise<CliOutcome> {
  let stdout = '';
  let stderr = '';
  let pending: Promise<CommandResult> | undefined;
  const done = (r: Promise<CommandResult>) => {
    pending = r;
  };
  const program = new Command('dynsim')
    .description('trace-driven, cycle-approximate hardware simulator for dynamic neural networks')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        stdout += s;
      },
      writeErr: (s) => {
        stderr += s;
      },
    });
  const named = COMMANDS.filter(([name]) => name === argv[0]);
  for (const [, load] of named.length ? named : COMMANDS) (await load())(program, done);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(program.configureOutput());

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    if (!pending) return { stdout, stderr, exitCode: 0 };
    const r = await pending;
    return { stdout: stdout + (r.stdout ?? ''), stderr: stderr + (r.stderr ?? ''), exitCode: r.exitCode ?? 0 };
  } catch (err) {
    if (err instanceof CommanderError) {
      const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
      return { stdout, stderr, exitCode: benign.includes(err.code) ? 0 : 2 };
    }
    if (err instanceof DynsimError && err.isUserError) {
      const c = makeChalk(process.stderr);
      return { stdout, stderr: `${stderr}${c.red('error')}: ${err.message}\n`, exitCode: 2 };
    }
    const e = err as Error;
    return { stdout, stderr: `${stderr}internal error: ${e.stack ?? String(e)}\n`, exitCode: 1 };
  }
}

/** Process entry point (src/cli/bin.ts): prints and sets the exit code. */
export async function main(): Promise<void> {
  // a reader that stops early (`dynsim run --json | head`) is not an error of ours
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const r = await runCli(process.argv.slice(2));
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr);
  process.exitCode = r.exitCode;
}

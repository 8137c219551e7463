/**
 * `dynsim sweep <experiment>`: simulate every point of an experiment (or one shard of it) in
 * worker threads and write one row per point, in point order, as JSON or CSV.
 */
import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { loadExperiment, describeAxes } from '../../formats/experiment.js';
import {
  describeParams,
  renderSweep,
  resolveShard,
  runSweep,
  sweepFormatFor,
  type SweepOutputFormat,
} from '../../api/sweep.js';
import { DynsimError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { choiceArg, intArg } from '../options.js';
import { dur } from '../output.js';
import type { CommandResult } from '../main.js';

interface SweepFlags {
  output?: string;
  format?: SweepOutputFormat;
  jobs?: number;
  shard?: string;
  shardCount?: number;
  progress?: boolean;
}

/** A points progress bar with ETA on stderr, only on a terminal. */
export function pointsProgress(enabled: boolean | undefined): {
  onProgress: ((done: number, total: number) => void) | undefined;
  clear: () => void;
} {
  const tty = Boolean(process.stderr.isTTY) && enabled !== false;
  const t0 = Date.now();
  let lastDraw = 0;
  return {
    onProgress: tty
      ? (n, total) => {
          const now = Date.now();
          if (now - lastDraw < 100 && n < total) return;
          lastDraw = now;
          const frac = total ? Math.min(1, n / total) : 1;
          const eta = n > 0 ? ((now - t0) / n) * (total - n) * 1e6 : NaN;
          const bar = `[${'#'.repeat(Math.round(frac * 30)).padEnd(30)}]`;
          process.stderr.write(`\r${bar} ${n}/${total} points${Number.isFinite(eta) && n < total ? `, ETA ${dur(eta)}` : ''}\u001b[K`);
        }
      : undefined,
    clear: () => {
      if (tty && lastDraw > 0) process.stderr.write('\r\u001b[K');
    },
  };
}

/** A multi-line message indented under its first line. */
export function indent(msg: string): string {
  return msg.replace(/\n/g, '\n    ');
}

export function registerSweep(program: Command, done: (r: Promise<CommandResult>) => void): void {
  program
    .command('sweep')
    .description('simulate every point of an experiment (dynsim-experiment JSON) and write one row per point')
    .argument('<experiment>', 'experiment file (see docs/scaling.md)')
    .option('-o, --output <file>', 'results file: .csv gives CSV, anything else JSON (default: JSON on stdout)')
    .option('--format <f>', 'json | csv (default: from the -o extension)', choiceArg(['json', 'csv'] as const))
    .option('-j, --jobs <n>', `points simulated at once in worker threads (default ${availableParallelism()}, the available CPUs; 1: in-process)`, intArg(1))
    .option('--shard <i/N>', 'run only points p with p % N == i (0-based); default from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX')
    .option('--shard-count <n>', 'number of shards, with JOB_COMPLETION_INDEX (or env DYNSIM_SHARD_COUNT)', intArg(1))
    .option('--no-progress', 'no progress bar on a terminal')
    .action((file: string, o: SweepFlags) =>
      done(
        (async () => {
          const exp = loadExperiment(file);
          const shard = resolveShard({ shard: o.shard, shardCount: o.shardCount });
          const format = sweepFormatFor(o.output, o.format);
          if (shard && format === 'csv')
            throw new DynsimError('E_USAGE', {
              message: `a shard is written as JSON (dynsim merge renders the CSV): use -o shard-${shard.index}.json`,
            });
          let err = '';
          if (shard) {
            const n = Math.max(0, Math.ceil((exp.pointCount - shard.index) / shard.count));
            err += `shard ${shard.index}/${shard.count} (from ${shard.source}): ${n} of ${exp.pointCount} points\n`;
          }
          const bar = pointsProgress(o.progress);
          const t0 = process.hrtime.bigint();
          const run = await runSweep(exp, { jobs: o.jobs, shard, onProgress: bar.onProgress });
          const secs = Number(process.hrtime.bigint() - t0) / 1e9;
          bar.clear();
          const doc = run.document;
          const text = renderSweep(doc, format);
          if (o.output) await writeFileAtomic(o.output, text);
          for (const p of doc.points)
            if (p.error !== undefined) err += `point ${p.point} failed (${describeParams(p.params)}): ${indent(p.error)}\n`;
          err +=
            `${exp.spec.id}: ${run.points} point${run.points === 1 ? '' : 's'} (${describeAxes(exp.spec)}) in ${secs.toFixed(2)} s, ` +
            `${(run.points / Math.max(secs, 1e-9)).toPrecision(3)} points/s, ${run.workers ? `${run.workers} worker${run.workers > 1 ? 's' : ''}` : 'in-process'}` +
            `${doc.failed ? `, ${doc.failed} failed` : ''}${o.output ? ` -> ${o.output}` : ''}\n`;
          return { stdout: o.output ? '' : text, stderr: err, exitCode: doc.failed ? 1 : 0 };
        })(),
      ),
    );
}

/**
 * `dynsim merge <shards...>`: combine sweep shard outputs into exactly what one unsharded
 * `dynsim sweep` writes (JSON or CSV), after checking they are shards of one experiment that
 * cover every point exactly once.
 */
import type { Command } from 'commander';
import { mergeSweepFiles, renderSweep, sweepFormatFor, type SweepOutputFormat } from '../../api/sweep.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { choiceArg } from '../options.js';
import type { CommandResult } from '../main.js';

export function registerMerge(program: Command, done: (r: Promise<CommandResult>) => void): void {
  program
    .command('merge')
    .description('combine the JSON outputs of sweep shards into one result (the bytes one unsharded sweep writes)')
    .argument('<files...>', 'shard outputs (dynsim-sweep JSON)')
    .option('-o, --output <file>', 'merged results: .csv gives CSV, anything else JSON (default: JSON on stdout)')
    .option('--format <f>', 'json | csv (default: from the -o extension)', choiceArg(['json', 'csv'] as const))
    .action((files: string[], o: { output?: string; format?: SweepOutputFormat }) =>
      done(
        (async () => {
          const doc = mergeSweepFiles(files);
          const text = renderSweep(doc, sweepFormatFor(o.output, o.format));
          if (o.output) await writeFileAtomic(o.output, text);
          const stderr =
            `${doc.experiment}: merged ${files.length} file${files.length > 1 ? 's' : ''}, ${doc.totalPoints} points` +
            `${doc.failed ? ` (${doc.failed} failed: their rows carry the error)` : ''}${o.output ? ` -> ${o.output}` : ''}\n`;
          return { stdout: o.output ? '' : text, stderr };
        })(),
      ),
    );
}

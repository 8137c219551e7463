/** `dynsim report`: an HTML report of a run or compare result file. */
import type { Command } from 'commander';
import { writeReportFromFile } from '../../api/report.js';
import type { CommandResult } from '../main.js';

export function registerReport(program: Command, done: (r: Promise<CommandResult>) => void): void {
  program
    .command('report')
    .description('write a self-contained HTML report (inline SVG charts, no network) of a result file')
    .argument('<result>', 'result JSON from run -o or compare -o')
    .requiredOption('-o, --output <file>', 'the HTML file to write')
    .action((result: string, o: { output: string }) =>
      done(
        (async () => {
          await writeReportFromFile(result, o.output);
          return { stdout: `wrote ${o.output}\n` };
        })(),
      ),
    );
}

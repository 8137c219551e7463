/** `dynsim validate <files...>`: checks networks, hardware files and traces. */
import type { Command } from 'commander';
import { validateFiles } from '../../api/validate.js';
import { formatProblem } from '../../util/errors.js';
import { makeChalk, toJson } from '../output.js';
import type { CommandResult } from '../main.js';

export function registerValidate(program: Command, done: (r: Promise<CommandResult>) => void): void {
  program
    .command('validate')
    .description('check network, hardware and trace files (kind detected from content)')
    .argument('<files...>', 'files to check')
    .option('--network <file|preset>', 'check traces against this network')
    .option('--json', 'machine-readable output')
    .action((files: string[], o: { network?: string; json?: boolean }) =>
      done(
        (async () => {
          const reports = await validateFiles(files, { network: o.network });
          const bad = reports.filter((r) => !r.ok).length;
          if (o.json) return { stdout: toJson({ ok: bad === 0, files: reports }), exitCode: bad ? 2 : 0 };
          const c = makeChalk();
          const ce = makeChalk(process.stderr);
          let out = '';
          let err = '';
          for (const r of reports) {
            if (r.ok) out += `${c.green('ok')}    ${r.file}: ${r.summary}\n`;
            else {
              err += `${ce.red('error')} ${r.file}: ${r.summary}\n`;
              for (const p of r.problems) err += `  ${formatProblem(p)}\n`;
            }
          }
          return { stdout: out, stderr: err, exitCode: bad ? 2 : 0 };
        })(),
      ),
    );
}

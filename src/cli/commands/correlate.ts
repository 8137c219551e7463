/** `dynsim correlate`: simulated against measured time for measurement cases. */
import type { Command } from 'commander';
import { correlate, writeCorrelationHtml, type CorrelateResult, type Summary } from '../../api/correlate.js';
import { WORKLOAD_KINDS, type WorkloadKind } from '../../formats/measurement.js';
import { choiceArg, intArg } from '../options.js';
import { makeChalk, table, toJson } from '../output.js';
import type { CommandResult } from '../main.js';

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const signed = (x: number | null) => (x === null ? '-' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`);
const r3 = (x: number | null) => (x === null ? '-' : x.toFixed(3));
const g3 = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1000 ? Math.round(x).toString() : x.toPrecision(3));

function summaryCells(name: string, s: Summary): string[] {
  const rk = s.ranking;
  return [
    name,
    String(s.cases),
    pct(s.mape),
    pct(s.medianApe),
    signed(s.medianRelErr),
    r3(s.pearsonLog),
    r3(s.pearsonRaw),
    String(s.withinSpread),
    rk.groups ? `${rk.agree}/${rk.groups}` : '-',
    rk.pairs ? `${rk.concordant}/${rk.pairs}` : '-',
  ];
}

export function renderCorrelation(r: CorrelateResult, limit?: number, color = makeChalk()): string {
  const lines: string[] = [];
  lines.push(color.bold(`correlation: ${r.cases.length} cases on ${r.hardware.join(', ')}`), '');
  lines.push(
    table(
      ['family', 'cases', 'MAPE', 'median APE', 'median err', 'r(log)', 'r(raw)', 'in spread', 'fastest', 'pairs'],
      [...Object.entries(r.families).map(([f, s]) => summaryCells(f, s)), summaryCells('all', r.overall)],
      color,
    ),
  );
  lines.push(
    '',
    'APE = |simulated - measured median| / measured; median err: signed (< 0: model too fast); r on log10 / raw ns;',
    'fastest: groups whose simulated fastest ties the measured fastest; pairs: measured-distinct pairs ordered alike.',
  );
  if (r.groups.length) {
    lines.push('', color.bold('groups'));
    lines.push(
      table(
        ['group', 'cases', 'measured fastest (ties)', 'simulated fastest', 'agrees', 'pairs'],
        r.groups.map((g) => [g.group, String(g.cases.length), g.tied.join(', '), g.simulatedFastest.join(', '), g.agree ? 'yes' : 'no', g.pairs ? `${g.concordant}/${g.pairs}` : '-']),
        color,
        ['l', 'r', 'l', 'l', 'l', 'r'],
      ),
    );
  }
  if (r.gaps.length) {
    lines.push('', color.bold('mechanisms the model lacks'));
    lines.push(
      table(
        ['gap', 'cases', 'families', 'median err'],
        r.gaps.map((g) => [g.key, String(g.cases), g.families.join(','), signed(g.medianRelErr)]),
        color,
        ['l', 'r', 'l', 'r'],
      ),
    );
  }
  const shown = limit === undefined ? r.cases : r.cases.slice(0, limit);
  lines.push('', color.bold(`cases, worst first${shown.length < r.cases.length ? ` (${shown.length} of ${r.cases.length})` : ''}`));
  lines.push(
    table(
      ['case', 'family', 'mode', 'measured', 'simulated', 'error'],
      shown.map((c) => [c.id, c.family, c.mode, `${g3(c.measured.median)} ${c.unit}`, `${g3(c.simulated)} ${c.unit}`, signed(c.relErr)]),
      color,
      ['l', 'l', 'l', 'r', 'r', 'r'],
    ),
  );
  return `${lines.join('\n')}\n`;
}

const family = choiceArg(WORKLOAD_KINDS);

export function registerCorrelate(program: Command, done: (r: Promise<CommandResult>) => void): void {
  program
    .command('correlate')
    .description('simulate measurement cases and compare with the measured times (error, correlation, ranking)')
    .argument('<cases...>', 'case files: a dynsim-case or a dynsim-cases set (e.g. calibration/h100/*.json)')
    .option('--hw <file|preset>', "hardware for every case instead of each case's own")
    .option('--family <list>', `only these workload kinds (comma-separated: ${WORKLOAD_KINDS.join(', ')})`, (v: string) => v.split(',').map((x) => family(x.trim())))
    .option('--limit <n>', 'show only the n worst cases in the table', intArg(1))
    .option('--json', 'print the full result as JSON')
    .option('--html <file>', 'write a self-contained HTML page (scatter plot and tables)')
    .action((files: string[], o: { hw?: string; family?: WorkloadKind[]; limit?: number; json?: boolean; html?: string }) =>
      done(
        (async () => {
          const r = await correlate({ files, hw: o.hw, families: o.family });
          if (o.html) await writeCorrelationHtml(r, o.html);
          return { stdout: o.json ? toJson(r) : renderCorrelation(r, o.limit) };
        })(),
      ),
    );
}

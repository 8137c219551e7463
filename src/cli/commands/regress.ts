/** `dynsim regress [dir]`: CI regression: rerun every trace with its expectations and compare. */
import type { Command } from 'commander';
import type { ChalkInstance } from 'chalk';
import { regress, type MetricCheck, type RegressResult } from '../../api/regress.js';
import { makeChalk, table, toJson } from '../output.js';
import type { CommandResult } from '../main.js';

interface RegressFlags {
  update?: boolean;
  json?: boolean;
}

/** `x` with `p` significant digits, but never rounding the integer part (below 1e15). */
function fmtDigits(x: number, p: number): string {
  const a = Math.abs(x);
  if (!Number.isFinite(x) || a >= 1e15 || a < 1) return String(Number(x.toPrecision(p)));
  const intDigits = Math.floor(Math.log10(a)) + 1;
  const t = x.toFixed(Math.max(0, p - intDigits));
  return t.includes('.') ? t.replace(/\.?0+$/, '') : t;
}

/** Old and new with just enough significant digits to tell them apart (6 at least). */
export function formatPair(old: number, now: number): [string, string] {
  const f = fmtDigits;
  let p = 6;
  while (p < 17 && old !== now && f(old, p) === f(now, p)) p++;
  return [f(old, p), f(now, p)];
}

function short(x: number): string {
  return String(Number(x.toPrecision(3)));
}

function toleranceText(c: MetricCheck): string {
  const spec: string[] = [];
  if (c.abs !== undefined) spec.push(`abs ${c.abs}`);
  if (c.rel !== undefined) spec.push(`rel ${c.rel}`);
  if (!spec.length) spec.push('rel 1e-9');
  return `±${short(c.tolerance)} (${spec.join(', ')})`;
}

function changeText(c: MetricCheck): string {
  if (c.changePct === null) return c.old === 0 ? (c.new === 0 ? '0%' : 'from 0') : 'new';
  const v = c.changePct;
  const a = Math.abs(v);
  const body = a >= 0.01 || a === 0 ? a.toFixed(2) : a.toPrecision(2);
  return `${v > 0 ? '+' : v < 0 ? '-' : ''}${body}%`;
}

export function renderRegress(r: RegressResult, color: ChalkInstance = makeChalk()): string {
  const lines: string[] = [];
  const traceCell = (trace: string, label: string | null) => (label === null ? trace : `${trace} [${label}]`);
  const moved = r.results.flatMap((x) =>
    x.checks.filter((c) => !c.pass && c.old !== null).map((c) => ({ x, c })),
  );
  if (moved.length) {
    lines.push(color.bold(r.update ? 'moved beyond tolerance (updated):' : 'regressions (beyond tolerance):'));
    lines.push(
      table(
        ['trace', 'metric', 'old', 'new', 'tolerance', 'change'],
        moved.map(({ x, c }) => [traceCell(x.trace, x.label), c.metric, ...formatPair(c.old!, c.new), toleranceText(c), changeText(c)]),
        color,
        ['l', 'l', 'r', 'r', 'l', 'r'],
      ),
    );
    lines.push('');
  }
  for (const t of r.untracked)
    lines.push(`${color.yellow('note')}: ${t} has no expectations file (run \`dynsim regress --update\` to create one)`);
  const created = r.results.filter((x) => x.created).map((x) => x.file);
  const updated = r.results.filter((x) => x.updated).map((x) => x.file);
  for (const f of created) lines.push(`created ${f}`);
  for (const f of updated) lines.push(`updated ${f}`);
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const k = r.regressions;
  let summary =
    `${plural(r.traces, 'trace')} (${plural(r.results.length, 'expectations file')}), ` +
    `${plural(r.metricsChecked, 'metric')} checked, `;
  if (r.update) summary += `${k} moved beyond tolerance; ${created.length} created, ${updated.length} updated`;
  else summary += k ? color.red(plural(k, 'regression')) : color.green('0 regressions');
  lines.push(summary);
  return `${lines.join('\n')}\n`;
}

export function registerRegress(program: Command, done: (r: Promise<CommandResult>) => void): void {
  program
    .command('regress')
    .description(
      'rerun every trace of a directory with its <name>[.<label>].expect.json settings and compare the listed metrics; exit 1 on a regression',
    )
    .argument('[dir]', 'directory of traces (*.jsonl, *.jsonl.gz) and expectations files', 'traces')
    .option('--update', 'rewrite the expected values with the new results (tolerances kept); create missing expectations files')
    .option('--json', 'machine-readable output')
    .action((dir: string, o: RegressFlags) =>
      done(
        (async () => {
          const r = await regress({ dir, update: o.update ?? false });
          const exitCode = !r.update && r.regressions > 0 ? 1 : 0;
          return { stdout: o.json ? toJson(r) : renderRegress(r), exitCode };
        })(),
      ),
    );
}

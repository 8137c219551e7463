/** `dynsim compare`: every strategy side by side, the cheapest per gate, and a planned mix. */
import type { Command } from 'commander';
import { compareStrategies, planText, type CompareResult } from '../../api/compare.js';
import { STRATEGY_KINDS, type StrategyKind } from '../../strategy/types.js';
import { OutputBatch, checkWritable } from '../../util/atomic.js';
import { renderCompareReport } from '../../report/html.js';
import { choiceArg } from '../options.js';
import { dur, energy, makeChalk, pct, sig, table, toJson } from '../output.js';
import { addWorkloadOptions, workloadOptions, type WorkloadFlags } from '../workload-options.js';
import type { CommandResult } from '../main.js';

export function renderCompare(r: CompareResult, color = makeChalk()): string {
  const c = r.config;
  const lines = [color.bold(`${c.network} on ${c.hardware} (${c.accelerator}), ${c.samples} samples, batch ${c.batch}`), ''];
  lines.push(
    table(
      ['strategy', 'time', 'samples/s', 'p50', 'p99', 'achieved', 'waste', 'SIMD eff', 'ctl', 'reconf', 'energy'],
      r.strategies.map((s) => [
        s.strategy === r.bestSingle ? `${s.strategy} *` : s.strategy,
        dur(s.totalTimeNs),
        sig(s.throughputSamplesPerS),
        dur(s.latencyNs.p50),
        dur(s.latencyNs.p99),
        pct(s.achievedSaving),
        pct(s.maskWasteFraction),
        pct(s.simdEfficiency),
        String(s.controlTransfers),
        String(s.reconfigurations),
        energy(s.energyPj),
      ]),
      color,
    ),
  );
  const dynamic = r.strategies.find((s) => s.strategy === r.bestSingle && s.strategy !== 'static') ?? r.strategies.find((s) => s.strategy !== 'static');
  lines.push('', `ideal saving (FLOPs): ${pct(dynamic?.idealSaving ?? 0)} for the dynamic strategies; * = best single strategy`);
  for (const s of r.strategies)
    if (s.droppedFlops > 0 && s.strategy !== 'planned')
      lines.push(`${s.strategy} dropped ${sig(s.droppedFlops)} FLOPs of routed work (tokens over capacity): not a candidate for best or plan`);
  for (const s of r.skipped ?? []) lines.push(`not compared: ${s.strategy} (${s.reason})`);
  lines.push('');
  const strategies = r.strategies.filter((s) => s.strategy !== 'planned').map((s) => s.strategy as StrategyKind);
  lines.push(
    table(
      ['gate', 'kind', ...strategies, 'cheapest', 'planned'],
      Object.entries(r.gates).map(([id, g]) => [
        id,
        g.kind,
        ...strategies.map((s) => dur(g.timeNsByStrategy[s] ?? 0)),
        g.cheapest,
        r.planned.plan.gates[id] ?? r.planned.plan.default,
      ]),
      color,
      ['l', 'l', ...strategies.map(() => 'r' as const), 'l', 'l'],
    ),
  );
  const gain = r.planned.gainOverBestSingle;
  lines.push(
    '',
    color.bold(
      `planned: ${dur(r.planned.summary.totalTimeNs)}, ${gain >= 0 ? `${pct(gain)} faster than` : `${pct(-gain)} slower than`} the best single strategy (${r.bestSingle})`,
    ) + ` (${r.planned.runs} runs)`,
  );
  return `${lines.join('\n')}\n`;
}

export function registerCompare(program: Command, done: (r: Promise<CommandResult>) => void): void {
  const cmd = program.command('compare').description('every strategy side by side, the cheapest per gate, and a planned per-gate mix');
  addWorkloadOptions(cmd)
    .option('--strategies <list>', `comma-separated subset of ${STRATEGY_KINDS.join(', ')} (default: all that apply)`, listArgOf)
    .option('--no-search', 'plan from the per-gate cheapest only (no coordinate-descent runs)')
    .option('--emit-plan <file>', 'write the planned per-gate strategies as a plan file for run --plan')
    .option('--json', 'print the full comparison as JSON')
    .option('-o, --output <file>', 'write the full comparison as JSON to a file')
    .option('--report <file>', 'write a self-contained HTML report (strategies side by side)')
    .action((o: WorkloadFlags & { strategies?: StrategyKind[]; search?: boolean; emitPlan?: string; json?: boolean; output?: string; report?: string }) =>
      done(
        (async () => {
          // every output is checked first and written together at the end (none if it fails)
          await checkWritable([o.emitPlan, o.output, o.report].filter((t): t is string => t !== undefined));
          const r = await compareStrategies({ ...workloadOptions(o), strategies: o.strategies, noSearch: o.search === false });
          const out = new OutputBatch();
          try {
            if (o.emitPlan !== undefined) await out.add(o.emitPlan, planText(r));
            if (o.output !== undefined) await out.add(o.output, toJson(r));
            if (o.report !== undefined) await out.add(o.report, renderCompareReport(r));
          } catch (err) {
            await out.abort();
            throw err;
          }
          await out.commit();
          return { stdout: o.json ? toJson(r) : renderCompare(r) };
        })(),
      ),
    );
}

const one = choiceArg(STRATEGY_KINDS);
/** The listed strategies, each once, in the order given. */
function listArgOf(v: string): StrategyKind[] {
  return [...new Set(v.split(',').map((x) => one(x.trim())))];
}


/** `dynsim inspect <trace>`: per-gate decision statistics and the ideal FLOP saving. */
import type { Command } from 'commander';
import { inspectTrace, type InspectResult } from '../../api/inspect.js';
import type { GateStats } from '../../trace/stats.js';
import { makeChalk, num, pct, table, toJson } from '../output.js';
import type { CommandResult } from '../main.js';

function describeGate(g: GateStats): string {
  switch (g.kind) {
    case 'skip':
      return `skipped ${pct(g.skipRate)}`;
    case 'exit':
      return `mean exit ${g.meanExit.toFixed(2)}; shares ${g.exitShares.map(pct).join(' / ')}`;
    case 'moe':
      return `${g.meanExpertsPerToken.toFixed(2)} experts/token, max/mean load ${g.loadImbalance.toFixed(2)}, dropped tokens ${pct(g.droppedTokenRate)}`;
    case 'channel':
      return `active ${pct(g.activeRatio.mean)} (min ${pct(g.activeRatio.min)}, max ${pct(g.activeRatio.max)})`;
    case 'spatial':
    case 'temporal':
      return `active ${pct(g.activeRatio.mean)} (min ${pct(g.activeRatio.min)}, max ${pct(g.activeRatio.max)})${g.meanRuns !== null ? `, ${g.meanRuns.toFixed(1)} runs/mask` : ''}`;
  }
}

export function renderInspect(r: InspectResult, color = makeChalk()): string {
  const s = r.stats;
  const lines: string[] = [];
  lines.push(color.bold(`${r.trace}: ${s.samples} samples of ${s.network} (seed ${String(s.seed)})`));
  if (s.arrivals)
    lines.push(`arrivals: ${s.arrivals.count} over ${num(s.arrivals.spanNs)} ns, mean rate ${num(s.arrivals.meanRateHz)} /s`);
  lines.push('');
  const rows = s.gates.map((g) => {
    const f = s.flops?.byGate[g.id];
    return [g.id, g.kind, String(g.met), f ? num(f.usefulPerSample) : '-', describeGate(g)];
  });
  lines.push(table(['gate', 'kind', 'met', 'FLOPs/sample', 'decisions'], rows, color, ['l', 'l', 'r', 'r', 'l']));
  lines.push('');
  if (s.flops)
    lines.push(
      `FLOPs per sample: static ${num(s.flops.staticPerSample)}, useful ${num(s.flops.usefulPerSample)}; ` +
        color.bold(`ideal saving ${pct(s.flops.idealSaving)}`) +
        ` (network: ${r.networkSource ?? ''})`,
    );
  else lines.push('ideal saving: unknown (no network; pass --network <file|preset>)');
  return `${lines.join('\n')}\n`;
}

export function registerInspect(program: Command, done: (r: Promise<CommandResult>) => void): void {
  program
    .command('inspect')
    .description('per-gate decision statistics of a trace and its ideal FLOP saving')
    .argument('<trace>', 'trace file (.jsonl or gzip)')
    .option('--network <file|preset>', 'network of the trace (default: the preset named in the header, if any)')
    .option('--json', 'machine-readable output')
    .action((trace: string, o: { network?: string; json?: boolean }) =>
      done(
        (async () => {
          const r = await inspectTrace(trace, { network: o.network });
          return { stdout: o.json ? toJson(r) : renderInspect(r) };
        })(),
      ),
    );
}

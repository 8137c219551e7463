/** `dynsim run`: replay a trace on a hardware system under a strategy and report the metrics. */
import type { Command } from 'commander';
import { RUN_DEFAULTS, runSimulation, type RunResult } from '../../api/run.js';
import { STRATEGY_KINDS, type StrategyKind } from '../../strategy/types.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { choiceArg, intArg, numArg } from '../options.js';
import { dur, energy, sig, makeChalk, num, pct, table, toJson } from '../output.js';
import type { CommandResult } from '../main.js';

interface RunFlags {
  network?: string;
  hw?: string;
  trace?: string;
  synthetic?: number;
  seed?: number;
  spec?: string;
  strategy?: StrategyKind;
  plan?: string;
  batch?: number;
  arrivalRate?: number;
  streaming?: boolean;
  batchTimeoutNs?: number;
  budgetNs?: number;
  anytime?: boolean;
  json?: boolean;
  output?: string;
  progress?: boolean;
}

const us = dur;

export function renderRun(r: RunResult, color = makeChalk()): string {
  const m = r.metrics;
  const c = r.config;
  const lines: string[] = [];
  lines.push(
    color.bold(
      `${c.network} on ${c.hardware} (${c.accelerator}), strategy ${c.strategy}${Object.keys(c.plan).length ? ' + plan' : ''}, ` +
        `${c.trace.samples} samples, ${c.batching.mode} batch ${c.batching.batchSize}`,
    ),
  );
  lines.push('');
  const rows: [string, string][] = [
    ['total time', `${us(m.totalTimeNs)} (${num(Math.round(m.totalCycles))} cycles)`],
    ['throughput', `${sig(m.throughputSamplesPerS)} samples/s`],
    ['latency p50 / p95 / p99 / max', `${us(m.latencyNs.p50)} / ${us(m.latencyNs.p95)} / ${us(m.latencyNs.p99)} / ${us(m.latencyNs.max)}`],
    ['ideal saving (FLOPs)', pct(m.idealSaving)],
    ['achieved saving (time vs static)', pct(m.achievedSaving)],
    ['executed / useful FLOPs', `${num(m.executedFlops)} / ${num(m.usefulFlops)}`],
    ['mask waste', pct(m.maskWasteFraction)],
    ['SIMD efficiency', `${pct(m.simdEfficiency)} (${m.divergentWarps} divergent warps/tiles)`],
    ['control transfers', `${m.controlTransfers} (${us(m.controlTransferNs)}), accelerator idle on host ${pct(m.acceleratorIdleOnHostFraction)}`],
    ['utilization accel / compute / host / link', [m.utilization.accelerator, m.utilization.compute, m.utilization.host, m.utilization.link].map(pct).join(' / ')],
    ['energy (wasted)', `${energy(m.energyPj)} (${energy(m.wastedEnergyPj)} wasted)`],
  ];
  if (m.deadlineMissRate !== undefined) rows.push(['deadline misses', pct(m.deadlineMissRate)]);
  if (m.forcedExits !== undefined) rows.push(['exits forced by the budget', String(m.forcedExits)]);
  lines.push(table(['metric', 'value'], rows, color, ['l', 'l']));
  lines.push('');
  const t = m.timeNs;
  const parts: [string, number][] = [
    ['useful compute', t.usefulCompute],
    ['masked waste', t.maskedWaste],
    ['divergence', t.divergence],
    ['regroup', t.regroup],
    ['control transfer', t.controlTransfer],
    ['reconfiguration', t.reconfiguration],
    ['idle', t.idle],
  ];
  lines.push(
    table(
      ['where the time went', 'time', 'share'],
      [...parts.map(([k, v]) => [k, us(v), pct(v / (m.totalTimeNs || 1))]), ['queueing (mean per sample)', us(t.queueing), '']],
      color,
    ),
  );
  lines.push('');
  const gateRows = Object.entries(r.gates).map(([id, g]) => [
    id,
    g.kind,
    g.strategy,
    us(g.totalTimeNs),
    pct(g.idealSaving),
    pct(g.achievedSaving),
    pct(g.maskWasteFraction),
    pct(g.simdEfficiency),
    String(g.controlTransfers),
  ]);
  if (gateRows.length)
    lines.push(table(['gate', 'kind', 'strategy', 'time', 'ideal', 'achieved', 'waste', 'SIMD eff', 'ctl'], gateRows, color, ['l', 'l', 'l']));
  return `${lines.join('\n')}\n`;
}

export function registerRun(program: Command, done: (r: Promise<CommandResult>) => void): void {
  program
    .command('run')
    .description(
      `replay gate decisions on a hardware system; with no options: ${RUN_DEFAULTS.network} on ${RUN_DEFAULTS.hw}, ${RUN_DEFAULTS.synthetic} synthetic samples, strategy ${RUN_DEFAULTS.strategy}`,
    )
    .option('--network <file|preset>', `network (default ${RUN_DEFAULTS.network})`)
    .option('--hw <file|preset>', `hardware system (default ${RUN_DEFAULTS.hw})`)
    .option('--trace <file>', 'recorded trace (.jsonl or gzip)')
    .option('--synthetic <n>', `synthetic trace of n samples (default ${RUN_DEFAULTS.synthetic} when no --trace)`, intArg(1))
    .option('--seed <s>', 'seed of the synthetic trace and generated arrivals', intArg(0))
    .option('--spec <file>', 'synthetic spec JSON (see gen-trace)')
    .option('--strategy <s>', `${STRATEGY_KINDS.join(' | ')} (default ${RUN_DEFAULTS.strategy})`, choiceArg(STRATEGY_KINDS))
    .option('--plan <file>', 'per-gate strategies (dynsim-plan JSON)')
    .option('--batch <n>', `batch size, or max batch size when streaming (default ${RUN_DEFAULTS.batch})`, intArg(1))
    .option('--arrival-rate <hz>', 'streaming: Poisson arrivals at this rate (seeded)', numArg(Number.MIN_VALUE))
    .option('--streaming', "streaming with the trace's own arrival times")
    .option('--batch-timeout-ns <ns>', 'streaming: close a batch this long after its first arrival (default 1e6)', numArg(0))
    .option('--budget-ns <ns>', 'per-sample latency budget; reports the deadline-miss rate', numArg(Number.MIN_VALUE))
    .option('--anytime', 'early-exit networks: force the exit that meets --budget-ns (anytime prediction)')
    .option('--json', 'print the full result as JSON')
    .option('-o, --output <file>', 'write the full result as JSON to a file')
    .option('--no-progress', 'no progress bar on a terminal')
    .action((o: RunFlags) =>
      done(
        (async () => {
          const tty = Boolean(process.stderr.isTTY) && o.progress !== false;
          let lastDraw = 0;
          const r = await runSimulation({
            network: o.network,
            hw: o.hw,
            trace: o.trace,
            synthetic: o.synthetic,
            seed: o.seed,
            specFile: o.spec,
            strategy: o.strategy,
            planFile: o.plan,
            batch: o.batch,
            arrivalRateHz: o.arrivalRate,
            streaming: o.streaming,
            batchTimeoutNs: o.batchTimeoutNs,
            budgetNs: o.budgetNs,
            anytime: o.anytime,
            onProgress: tty
              ? (n, total) => {
                  const now = Date.now();
                  if (now - lastDraw < 100) return;
                  lastDraw = now;
                  const frac = total ? Math.min(1, n / total) : 0;
                  const bar = total ? `[${'#'.repeat(Math.round(frac * 30)).padEnd(30)}] ${pct(frac)} ` : '';
                  process.stderr.write(`\r${bar}${n} samples`);
                }
              : undefined,
          });
          if (tty && lastDraw > 0) process.stderr.write('\r\u001b[K');
          if (o.output) await writeFileAtomic(o.output, toJson(r));
          return { stdout: o.json ? toJson(r) : renderRun(r) };
        })(),
      ),
    );
}

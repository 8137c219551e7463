/** `dynsim run`: replay a trace on a hardware system under a strategy and report the metrics. */
import type { Command } from 'commander';
import { RUN_DEFAULTS, runSimulation, type RunResult } from '../../api/run.js';
import { STRATEGY_KINDS, type StrategyKind } from '../../strategy/types.js';
import { OutputBatch, checkWritable } from '../../util/atomic.js';
import { choiceArg, intArg } from '../options.js';
import { TIMELINE_DEFAULTS, TimelineRecorder } from '../../engine/timeline.js';
import { toTraceEvents } from '../../report/perfetto.js';
import { renderRunReport } from '../../report/html.js';
import { SAMPLE_CSV_COLUMNS, gatesCsv, sampleCsvLine } from '../../report/csv.js';
import { CsvFile } from '../../report/csv-file.js';
import { addWorkloadOptions, progressBar, workloadOptions, type WorkloadFlags } from '../workload-options.js';
import { dur, energy, sig, makeChalk, num, pct, table, toJson } from '../output.js';
import type { CommandResult } from '../main.js';

interface RunFlags extends WorkloadFlags {
  strategy?: StrategyKind;
  plan?: string;
  json?: boolean;
  output?: string;
  timeline?: string;
  timelineFirst?: number;
  timelineBatches?: number;
  timelineEvery?: number;
  report?: string;
  csv?: string;
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
    ...(m.droppedFlops > 0 ? [['dropped FLOPs (over capacity)', `${num(m.droppedFlops)} (${pct(m.droppedFlops / (m.usefulFlops + m.droppedFlops))} of the routed work)`] as [string, string]] : []),
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
  const cmd = program
    .command('run')
    .description(
      `replay gate decisions on a hardware system; with no options: ${RUN_DEFAULTS.network} on ${RUN_DEFAULTS.hw}, ${RUN_DEFAULTS.synthetic} synthetic samples, strategy ${RUN_DEFAULTS.strategy}`,
    );
  addWorkloadOptions(cmd)
    .option('--strategy <s>', `${STRATEGY_KINDS.join(' | ')} (default ${RUN_DEFAULTS.strategy})`, choiceArg(STRATEGY_KINDS))
    .option('--plan <file>', 'per-gate strategies (dynsim-plan JSON, e.g. from compare --emit-plan)')
    .option('--json', 'print the full result as JSON')
    .option('-o, --output <file>', 'write the full result as JSON to a file')
    .option('--timeline <file>', 'write a Chrome trace-event timeline (Perfetto, chrome://tracing)')
    .option('--timeline-first <batch>', 'first batch in the timeline (default 0)', intArg(0))
    .option('--timeline-batches <n>', `batches in the timeline window (default ${TIMELINE_DEFAULTS.maxBatches})`, intArg(1))
    .option('--timeline-every <k>', 'record every k-th batch of the window (default 1)', intArg(1))
    .option('--report <file>', 'write a self-contained HTML report')
    .option('--csv <prefix>', 'write <prefix>-gates.csv and <prefix>-samples.csv')
    .action((o: RunFlags) =>
      done(
        (async () => {
          const bar = progressBar(o.progress);
          const recorder = o.timeline
            ? new TimelineRecorder({
                ...TIMELINE_DEFAULTS,
                firstBatch: o.timelineFirst ?? TIMELINE_DEFAULTS.firstBatch,
                maxBatches: o.timelineBatches ?? TIMELINE_DEFAULTS.maxBatches,
                everyBatch: o.timelineEvery ?? TIMELINE_DEFAULTS.everyBatch,
              })
            : undefined;
          // every output is checked first and written together at the end (none if the run fails)
          const targets = [o.output, o.timeline, o.report, ...(o.csv !== undefined ? [`${o.csv}-samples.csv`, `${o.csv}-gates.csv`] : [])];
          await checkWritable(targets.filter((t): t is string => t !== undefined));
          const samplesCsv = o.csv !== undefined ? await CsvFile.create(`${o.csv}-samples.csv`, SAMPLE_CSV_COLUMNS) : undefined;
          let r: RunResult;
          try {
            r = await runSimulation({
              ...workloadOptions(o),
              strategy: o.strategy,
              planFile: o.plan,
              onProgress: bar.onProgress,
              recorder,
              onSample: samplesCsv ? (s) => samplesCsv.append(sampleCsvLine(s)) : undefined,
            });
          } catch (err) {
            await samplesCsv?.abort();
            throw err;
          }
          bar.clear();
          const out = new OutputBatch();
          try {
            if (samplesCsv) {
              out.adopt(await samplesCsv.finish(), samplesCsv.target);
              await out.add(`${o.csv}-gates.csv`, gatesCsv(r));
            }
            if (recorder && o.timeline !== undefined) {
              const file = toTraceEvents(recorder.slices, {
                title: `dynsim: ${r.config.network} on ${r.config.hardware}, ${r.config.strategy}`,
                options: recorder.options,
                truncated: recorder.truncated,
                batches: r.metrics.batches,
              });
              await out.add(o.timeline, JSON.stringify(file));
            }
            if (o.report !== undefined) await out.add(o.report, renderRunReport(r));
            if (o.output !== undefined) await out.add(o.output, toJson(r));
          } catch (err) {
            await out.abort();
            throw err;
          }
          await out.commit();
          return { stdout: o.json ? toJson(r) : renderRun(r) };
        })(),
      ),
    );
}

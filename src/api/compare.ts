/**
 * `compare`: one network, trace and hardware under every strategy that applies, side by side,
 * the cheapest strategy per gate, and a `planned` run that uses a per-gate choice.
 *
 * The plan: per gate, the strategy whose run spent the least time on that gate (its kernels,
 * decider, copies and waits on the host). Exit gates change what runs after them, so their
 * local time is not a fair choice: they keep the best single strategy's choice. Then one pass
 * of coordinate descent over the gates (in network order, each strategy tried with the others
 * fixed, kept when the total time drops) from the better of that plan and the best single
 * strategy. Deterministic: ties go to the earlier strategy in STRATEGY_KINDS order.
 *
 * A strategy that drops routed work (`capacity`, tokens over an expert's capacity) computes
 * less than the decisions ask: it is listed with its dropped FLOPs but is not a candidate for
 * the best single strategy, the per-gate cheapest or the plan. Without an MoE gate `capacity`
 * runs as `mask` and `grouped` as `compact`, so by default they are not compared there.
 *
 * By default every strategy that applies is compared; those left out are listed in `skipped`
 * with the reason. A strategy listed explicitly (`strategies`, `--strategies`) that does not
 * apply to the hardware is a usage error, as it is for `run`.
 */
import { VERSION } from '../version.js';
import { JsonlTraceSource } from '../trace/jsonl-reader.js';
import type { Plan } from '../formats/plan.js';
import { inapplicableReason } from '../strategy/registry.js';
import { DynsimError } from '../util/errors.js';
import { STRATEGY_KINDS, type StrategyKind } from '../strategy/types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { runInputs, runSimulation, type RunOptions, type RunResult } from './run.js';

export interface CompareOptions extends Omit<RunOptions, 'strategy' | 'planFile' | 'plan'> {
  /** Strategies to compare (default: every one that applies to the hardware). */
  strategies?: StrategyKind[];
  /** Skip the coordinate-descent refinement of the plan (fewer runs). */
  noSearch?: boolean;
}

export interface StrategySummary {
  strategy: StrategyKind | 'planned';
  totalTimeNs: number;
  throughputSamplesPerS: number;
  latencyNs: RunResult['metrics']['latencyNs'];
  idealSaving: number;
  achievedSaving: number;
  /** Routed work the strategy did not compute (0 except for `capacity` with overflow). */
  droppedFlops: number;
  maskWasteFraction: number;
  simdEfficiency: number;
  controlTransfers: number;
  reconfigurations: number;
  energyPj: number;
  wastedEnergyPj: number;
  deadlineMissRate?: number;
}

export interface CompareResult {
  format: 'dynsim-compare';
  version: 1;
  tool: { name: 'dynsim'; version: string };
  config: { network: string; hardware: string; accelerator: string; samples: number; batch: number };
  strategies: StrategySummary[];
  /** Strategies left out of a default comparison, and why (empty when the strategies were listed). */
  skipped: { strategy: StrategyKind; reason: string }[];
  bestSingle: StrategyKind;
  /** Per gate: its time under each strategy, and the cheapest. */
  gates: Record<string, { kind: string; timeNsByStrategy: Record<string, number>; cheapest: StrategyKind }>;
  planned: { plan: Plan; summary: StrategySummary; gainOverBestSingle: number; runs: number };
}

function summary(strategy: StrategyKind | 'planned', r: RunResult): StrategySummary {
  const m = r.metrics;
  const s: StrategySummary = {
    strategy,
    totalTimeNs: m.totalTimeNs,
    throughputSamplesPerS: m.throughputSamplesPerS,
    latencyNs: m.latencyNs,
    idealSaving: m.idealSaving,
    achievedSaving: m.achievedSaving,
    droppedFlops: m.droppedFlops,
    maskWasteFraction: m.maskWasteFraction,
    simdEfficiency: m.simdEfficiency,
    controlTransfers: m.controlTransfers,
    reconfigurations: m.reconfigurations,
    energyPj: m.energyPj,
    wastedEnergyPj: m.wastedEnergyPj,
  };
  if (m.deadlineMissRate !== undefined) s.deadlineMissRate = m.deadlineMissRate;
  return s;
}

export async function compareStrategies(o: CompareOptions = {}): Promise<CompareResult> {
  // the network and hardware every run below uses (a recorded trace names its network)
  const { net, hw } = await runInputs(o, o.trace !== undefined ? await JsonlTraceSource.open(o.trace) : undefined);
  const accKind = hw.spec.accelerator.kind;
  const hasMoe = net.gates.some((g) => g.gate.kind === 'moe');
  const skipped: CompareResult['skipped'] = [];
  let candidates: StrategyKind[];
  if (o.strategies !== undefined) {
    if (o.strategies.length === 0) throw new DynsimError('E_USAGE', { message: '--strategies: expected at least one strategy, got none' });
    const problems = o.strategies.flatMap((s) => {
      const why = inapplicableReason(s, accKind);
      return why === undefined ? [] : [{ message: `--strategies: strategy "${s}" ${why} (hardware ${hw.spec.id})` }];
    });
    if (problems.length) throw new DynsimError('E_USAGE', problems);
    candidates = [...o.strategies];
  } else {
    candidates = [];
    for (const s of STRATEGY_KINDS) {
      const why =
        inapplicableReason(s, accKind) ??
        (!hasMoe && (s === 'capacity' || s === 'grouped') ? `no MoE gate in ${net.spec.id}: it would run as ${s === 'capacity' ? 'mask' : 'compact'}` : undefined);
      if (why === undefined) candidates.push(s);
      else skipped.push({ strategy: s, reason: why });
    }
    if (candidates.length === 0)
      throw new DynsimError('E_USAGE', { message: `no strategy applies to ${hw.spec.id}: ${skipped.map((x) => `${x.strategy} (${x.reason})`).join(', ')}` });
  }
  const base: RunOptions = { ...o };
  delete (base as CompareOptions).strategies;
  delete (base as CompareOptions).noSearch;

  const results = new Map<StrategyKind, RunResult>();
  for (const s of candidates) results.set(s, await runSimulation({ ...base, strategy: s }));
  // only strategies that compute all the routed work compete (if every one dropped some: all)
  const complete = candidates.filter((s) => results.get(s)!.metrics.droppedFlops === 0);
  const eligible = complete.length > 0 ? complete : candidates;
  let bestSingle = eligible[0]!;
  for (const s of eligible) if (results.get(s)!.metrics.totalTimeNs < results.get(bestSingle)!.metrics.totalTimeNs) bestSingle = s;

  const gates: CompareResult['gates'] = {};
  const localPlan: Record<string, StrategyKind> = {};
  for (const g of net.gates) {
    const id = g.gate.id;
    const times: Record<string, number> = {};
    let cheapest = eligible[0]!;
    for (const s of candidates) times[s] = results.get(s)!.gates[id]!.totalTimeNs;
    for (const s of eligible) if (times[s]! < times[cheapest]!) cheapest = s;
    gates[id] = { kind: g.gate.kind, timeNsByStrategy: times, cheapest };
    localPlan[id] = g.gate.kind === 'exit' ? bestSingle : cheapest;
  }

  // evaluate plans in memory (no plan file needed)
  let runs = candidates.length;
  const evaluate = async (plan: Record<string, StrategyKind>) => {
    runs++;
    return runSimulation({ ...base, strategy: bestSingle, plan });
  };
  let plan = { ...localPlan };
  let planned = await evaluate(plan);
  if (results.get(bestSingle)!.metrics.totalTimeNs <= planned.metrics.totalTimeNs) {
    plan = Object.fromEntries(net.gates.map((g) => [g.gate.id, bestSingle]));
    planned = results.get(bestSingle)!;
  }
  if (!o.noSearch)
    for (const g of net.gates) {
      for (const s of eligible) {
        if (s === plan[g.gate.id]) continue;
        const trial = { ...plan, [g.gate.id]: s };
        const r = await evaluate(trial);
        if (r.metrics.totalTimeNs < planned.metrics.totalTimeNs) {
          plan = trial;
          planned = r;
        }
      }
    }
  const bestTime = results.get(bestSingle)!.metrics.totalTimeNs;
  return {
    format: 'dynsim-compare',
    version: 1,
    tool: { name: 'dynsim', version: VERSION },
    config: {
      network: net.spec.id,
      hardware: hw.spec.id,
      accelerator: accKind,
      samples: results.get(bestSingle)!.config.trace.samples,
      batch: results.get(bestSingle)!.config.batching.batchSize,
    },
    strategies: [...candidates.map((s) => summary(s, results.get(s)!)), summary('planned', planned)],
    skipped,
    bestSingle,
    gates,
    planned: {
      plan: { format: 'dynsim-plan', version: 1, network: net.spec.id, default: bestSingle, gates: plan },
      summary: summary('planned', planned),
      gainOverBestSingle: bestTime > 0 ? 1 - planned.metrics.totalTimeNs / bestTime : 0,
      runs,
    },
  };
}

/** Writes a compare result's plan as a dynsim-plan file for `run --plan`. */
/** The planned per-gate strategies as a plan file's text (for run --plan). */
export function planText(r: CompareResult): string {
  return `${JSON.stringify(r.planned.plan, null, 2)}\n`;
}

export async function writePlan(r: CompareResult, path: string): Promise<void> {
  await writeFileAtomic(path, planText(r));
}

/**
 * `run`: one simulation of a network on a hardware system under a strategy (or a per-gate
 * plan), plus the same replay under `static` as the baseline for the achieved saving.
 */
import { DynsimError, type Problem } from '../util/errors.js';
import { VERSION } from '../version.js';
import { listPresets, loadHardwareLazily, loadNetworkLazily, readJsonFile, type InMemoryDocument } from '../formats/presets.js';
import { validateWith } from '../formats/validate.js';
import { createAccelerator } from '../hardware/registry.js';
import { JsonlTraceSource } from '../trace/jsonl-reader.js';
import type { TraceSource } from '../trace/source.js';
import { simulateMany, type SampleDone, type SimulationOutput } from '../engine/simulate.js';
import type { TimelineRecorder } from '../engine/timeline.js';
import type { ExecutionMode } from '../engine/exec.js';
import type { BatchingOptions } from '../engine/batching.js';
import type { StrategyKind } from '../strategy/types.js';
import { getStrategy } from '../strategy/registry.js';
import type { ResolvedNetwork } from '../network/resolve.js';
import type { ResolvedHardware } from '../hardware/resolve.js';
import { Tally } from '../metrics/accumulator.js';
import { runMetrics, scopeMetrics, type RunMetrics, type ScopeMetrics } from '../metrics/record.js';

export interface RunOptions {
  /** Network preset or file. @default 'skipnet-resnet18' */
  network?: string;
  /** Hardware preset or file. @default 'h100' */
  hw?: string;
  /** Network given in memory (raw JSON, validated like a file); replaces `network`. */
  networkDocument?: InMemoryDocument;
  /** Hardware given in memory (raw JSON, validated like a file); replaces `hw`. */
  hwDocument?: InMemoryDocument;
  /** Recorded trace; otherwise a synthetic one. */
  trace?: string;
  /** Samples of the synthetic trace. @default 1024 */
  synthetic?: number;
  /** Seed of the synthetic trace and of generated arrivals. @default 1 */
  seed?: number;
  /** Synthetic spec file (JSON). */
  specFile?: string;
  /** Strategy for every gate. @default 'mask' */
  strategy?: StrategyKind;
  /** Plan file (per-gate strategies); overrides `strategy` for the gates it lists. */
  planFile?: string;
  /** Per-gate strategies given in memory (gate id -> strategy); checked like a plan file. */
  plan?: Record<string, StrategyKind>;
  /** Batch size (offline) or maximum batch size (streaming). @default 32 */
  batch?: number;
  /** Streaming: Poisson arrivals at this rate (Hz). */
  arrivalRateHz?: number;
  /** Streaming with the trace's own arrival times. */
  streaming?: boolean;
  /** Streaming: batching timeout. @default 1_000_000 (1 ms) */
  batchTimeoutNs?: number;
  /** Per-sample latency budget. */
  budgetNs?: number;
  /** Force the exit that meets the budget (early-exit networks; needs budgetNs). */
  anytime?: boolean;
  /** How the host issues kernels: eager framework dispatch, bare CUDA launches, or CUDA graph
   * replay (baseline included). @default 'eager' */
  mode?: ExecutionMode;
  /** Records a timeline of the run (not of the baseline). */
  recorder?: TimelineRecorder;
  /** Called for every completed sample of the run (per-sample CSV export). */
  onSample?: (s: SampleDone) => void;
  onProgress?: (samplesDone: number, samplesTotal: number | undefined) => void;
  /** Accelerator busy time before the run, ns (run and baseline): a device that has just run
   * a warm-up may already be at its power-limited clock. @default 0 */
  priorBusyNs?: number;
}

export interface GateResult extends ScopeMetrics {
  kind: string;
  strategy: StrategyKind;
}

export interface RunResult {
  format: 'dynsim-result';
  version: 1;
  tool: { name: 'dynsim'; version: string };
  config: {
    network: string;
    hardware: string;
    accelerator: string;
    trace: { origin: string; network: string; seed: number | null; samples: number };
    strategy: StrategyKind;
    plan: Record<string, StrategyKind>;
    batching: BatchingOptions;
    budgetNs: number | null;
    anytime: boolean;
    mode: ExecutionMode;
  };
  metrics: RunMetrics;
  gates: Record<string, GateResult>;
  layers: Record<string, ScopeMetrics>;
  /** Samples that left at each exit index (last = the full network), per exit gate. */
  exits: Record<string, number[]>;
  /** Latency distribution: [latencyNs, share of samples at or below it], 100 points. */
  latencyCdfNs: [number, number][];
  /** Accelerator busy share over time (per batch, merged to at most 512 points). */
  utilizationOverTime: { tNs: number; utilization: number }[];
  baseline: { strategy: 'static'; totalTimeNs: number; executedFlops: number };
}

export const RUN_DEFAULTS = {
  network: 'skipnet-resnet18',
  hw: 'h100',
  synthetic: 1024,
  seed: 1,
  strategy: 'mask' as StrategyKind,
  batch: 32,
  batchTimeoutNs: 1_000_000,
};

/**
 * The network and hardware of a run: as given; else, for a recorded trace, the bundled preset
 * its header names (a trace of another network needs --network); else the defaults. Bundled
 * presets load without building the network and hardware schemas (src/formats/presets.ts).
 */
export async function runInputs(
  o: Pick<RunOptions, 'trace' | 'network' | 'networkDocument' | 'hw' | 'hwDocument'>,
  traceSource?: JsonlTraceSource,
): Promise<{ net: ResolvedNetwork; hw: ResolvedHardware }> {
  const networkGiven = o.network !== undefined || o.networkDocument !== undefined;
  if (traceSource && !networkGiven && !listPresets('networks').includes(traceSource.header.network))
    throw new DynsimError('E_USAGE', {
      file: o.trace,
      line: 1,
      path: 'network',
      message: `the trace's network "${traceSource.header.network}" is not a bundled preset: give its network file with --network`,
    });
  const headerNetwork = traceSource && !networkGiven ? traceSource.header.network : undefined;
  const net = await loadNetworkLazily(o.networkDocument ?? o.network ?? headerNetwork ?? RUN_DEFAULTS.network);
  const hw = await loadHardwareLazily(o.hwDocument ?? o.hw ?? RUN_DEFAULTS.hw);
  return { net, hw };
}

export async function runSimulation(o: RunOptions = {}): Promise<RunResult> {
  if (o.trace !== undefined && o.synthetic !== undefined)
    throw new DynsimError('E_USAGE', { message: 'give either a trace file or --synthetic N, not both' });
  if (o.priorBusyNs !== undefined && !(Number.isFinite(o.priorBusyNs) && o.priorBusyNs >= 0))
    throw new DynsimError('E_USAGE', { path: 'priorBusyNs', message: `expected a finite busy time >= 0 ns, got ${o.priorBusyNs}` });
  const traceSource = o.trace !== undefined ? await JsonlTraceSource.open(o.trace) : undefined;
  const { net, hw } = await runInputs(o, traceSource);
  const accel = createAccelerator(hw.spec.accelerator);
  const seed = o.seed ?? RUN_DEFAULTS.seed;
  let strategy = o.strategy ?? RUN_DEFAULTS.strategy;
  let plan: Record<string, StrategyKind> = {};
  if (o.planFile || o.plan) {
    // the plan schema is built only for a plan
    const { Plan, checkPlanAgainstNetwork } = await import('../formats/plan.js');
    if (o.planFile) {
      const p = validateWith(Plan, readJsonFile(o.planFile), o.planFile);
      checkPlanAgainstNetwork(p, net, o.planFile);
      if (o.strategy === undefined) strategy = p.default;
      plan = { ...p.gates };
    }
    if (o.plan) {
      checkPlanAgainstNetwork({ format: 'dynsim-plan', version: 1, network: net.spec.id, default: strategy, gates: o.plan }, net);
      plan = { ...plan, ...o.plan };
    }
    // a plan's strategy that cannot run on this accelerator is the plan's error, at its gate
    const accKind = hw.spec.accelerator.kind;
    const problems: Problem[] = [];
    for (const [gid, kind] of Object.entries(plan))
      if (!getStrategy(kind).appliesTo.includes(accKind))
        problems.push({
          file: o.plan?.[gid] !== undefined ? undefined : o.planFile,
          path: `gates.${gid}`,
          message: `strategy "${kind}" does not apply to a ${accKind} (${hw.spec.id}); it needs ${getStrategy(kind).appliesTo.join(' or ')}`,
        });
    if (o.planFile && o.strategy === undefined && !getStrategy(strategy).appliesTo.includes(accKind))
      problems.push({
        file: o.planFile,
        path: 'default',
        message: `strategy "${strategy}" does not apply to a ${accKind} (${hw.spec.id}); it needs ${getStrategy(strategy).appliesTo.join(' or ')}`,
      });
    if (problems.length) throw new DynsimError('E_USAGE', problems);
  }
  let source: TraceSource;
  let samplesTotal: number | undefined;
  if (traceSource) {
    source = traceSource;
    samplesTotal = traceSource.header.samples;
  } else {
    // loaded only here: building the spec's schemas costs a replay of a recorded trace ~10 ms
    const { SyntheticTraceSource, checkSpecAgainstNetwork, resolveSyntheticSpec } = await import('../trace/synthetic.js');
    const raw = o.specFile ? readJsonFile(o.specFile) : {};
    const spec = resolveSyntheticSpec(raw, o.specFile);
    checkSpecAgainstNetwork(spec, net, o.specFile);
    samplesTotal = o.synthetic ?? RUN_DEFAULTS.synthetic;
    source = new SyntheticTraceSource(net, spec, seed, samplesTotal);
  }
  const everyGatePerSample =
    strategy === 'per-sample' && net.gates.every((g) => (plan[g.gate.id] ?? strategy) === 'per-sample');
  const batching: BatchingOptions = {
    mode: o.arrivalRateHz !== undefined || o.streaming ? 'streaming' : 'offline',
    batchSize: everyGatePerSample ? 1 : (o.batch ?? RUN_DEFAULTS.batch),
    timeoutNs: o.batchTimeoutNs ?? RUN_DEFAULTS.batchTimeoutNs,
    arrivalRateHz: o.arrivalRateHz,
    seed,
  };
  // the static baseline shares the pass over the trace
  const [sim, base] = (await simulateMany(
    source,
    [
      { net, hw, accel, strategy, plan, batching, budgetNs: o.budgetNs, anytime: o.anytime, recorder: o.recorder, onSample: o.onSample, mode: o.mode, priorBusyNs: o.priorBusyNs },
      { net, hw, accel, strategy: 'static', batching: { ...batching, batchSize: o.batch ?? RUN_DEFAULTS.batch }, lean: true, mode: o.mode, priorBusyNs: o.priorBusyNs },
    ],
    o.onProgress ? (n) => o.onProgress!(n, samplesTotal) : undefined,
  )) as [SimulationOutput, SimulationOutput];

  const acc = hw.spec.accelerator;
  const dtype = net.spec.dtype;
  const peakFlopsPerNs =
    acc.kind === 'gpu-simt' ? acc.sms * acc.tensorFlopsPerCyclePerSm[dtype] * accel.clockGhz : 2 * acc.rows * acc.cols * acc.tiles * accel.clockGhz;
  const metrics = runMetrics({
    sim,
    baselineTimeNs: base.totalTimeNs,
    staticFlopsPerSample: net.staticFlops,
    clockGhz: accel.clockGhz,
    staticPowerW: accel.staticPowerW,
    peakFlopsPerNs,
    budgetNs: o.budgetNs,
  });
  if (o.anytime) metrics.forcedExits = sim.forcedExits;
  const gates: Record<string, GateResult> = {};
  for (const g of net.gates) {
    const id = g.gate.id;
    const t = sim.machine.byGate.get(id);
    gates[id] = {
      kind: g.gate.kind,
      strategy: plan[id] ?? strategy,
      ...scopeMetrics(t ?? new Tally(), base.machine.byGate.get(id), accel.clockGhz),
    };
  }
  const layers: Record<string, ScopeMetrics> = {};
  for (const [name, t] of sim.machine.byLayer) layers[name] = scopeMetrics(t, base.machine.byLayer.get(name), accel.clockGhz);
  return {
    format: 'dynsim-result',
    version: 1,
    tool: { name: 'dynsim', version: VERSION },
    config: {
      network: net.spec.id,
      hardware: hw.spec.id,
      accelerator: acc.kind,
      trace: { origin: source.origin, network: source.header.network, seed: source.header.seed, samples: sim.samples },
      strategy,
      plan,
      batching,
      budgetNs: o.budgetNs ?? null,
      anytime: o.anytime ?? false,
      mode: o.mode ?? 'eager',
    },
    metrics,
    gates,
    layers,
    exits: sim.exitCounts,
    latencyCdfNs: sim.latency.cdf(100),
    utilizationOverTime: sim.utilization.points(),
    baseline: { strategy: 'static', totalTimeNs: base.totalTimeNs, executedFlops: base.machine.total.activeFlops },
  };
}

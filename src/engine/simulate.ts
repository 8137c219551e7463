/**
 * The replay loop: samples -> batches -> program steps -> strategy -> Exec (hardware costs,
 * timelines, tallies). An Engine is push-based, so several engines (a strategy and its static
 * baseline) can share one pass over a trace. Deterministic: no I/O besides the TraceSource,
 * no wall clock, no global state.
 */
import type { ResolvedNetwork } from '../network/resolve.js';
import type { ResolvedHardware } from '../hardware/resolve.js';
import type { TraceSource } from '../trace/source.js';
import type { SampleRecord } from '../formats/trace.js';
import type { AcceleratorModel } from '../hardware/types.js';
import { LatencyHistogram, UtilizationSeries } from '../metrics/accumulator.js';
import { getStrategy, inapplicableReason } from '../strategy/registry.js';
import type { Strategy, StrategyKind } from '../strategy/types.js';
import { checkTraceMatchesNetwork } from '../trace/compat.js';
import { Batcher, arrivalRng, type BatchingOptions, type FormedBatch } from './batching.js';
import { Exec, Machine, RowState, flushTape, netShapes, type AnytimeClock, type ExecutionMode, type NetShapes, type Slot, type TapeEntry } from './exec.js';
import { DynsimError } from '../util/errors.js';
import { buildProgram, type Step } from './program.js';
import type { TimelineRecorder } from './timeline.js';

export interface EngineConfig {
  net: ResolvedNetwork;
  hw: ResolvedHardware;
  accel: AcceleratorModel;
  /** Strategy of every gate not in `plan`. */
  strategy: StrategyKind;
  /** Per-gate strategy overrides. */
  plan?: Readonly<Record<string, StrategyKind>>;
  batching: BatchingOptions;
  /** Per-sample latency budget (deadline), ns. */
  budgetNs?: number;
  /** Early-exit networks: force the exit that meets the budget (anytime prediction). */
  anytime?: boolean;
  /** Records a timeline of the batches it selects. */
  recorder?: TimelineRecorder;
  /** Called for every completed sample (per-sample exports); keep it cheap. */
  onSample?: (s: SampleDone) => void;
  /** Only time and tallies are wanted (a baseline): skip per-sample statistics. */
  lean?: boolean;
  /** How the host issues kernels. @default 'eager' */
  mode?: ExecutionMode;
  /** Replay recorded batches where the strategies allow it (see TapeEntry); false walks the
   * program for every batch (tests compare the two). @default true */
  replay?: boolean;
  /** Time the accelerator had already been busy before this run (the power-limited clock of
   * a device that ran a warm-up and earlier repeats just before). @default 0 */
  priorBusyNs?: number;
}

/** One completed sample, for per-sample exports. */
export interface SampleDone {
  index: number;
  batch: number;
  arrivalNs: number;
  startNs: number;
  doneNs: number;
  latencyNs: number;
  /** Exit taken (-1: none / no exit gate). */
  exitIndex: number;
}

export interface SimulationConfig extends EngineConfig {
  source: TraceSource;
  /** Called after each chunk of samples with the samples read so far. */
  onProgress?: (samplesDone: number) => void;
}

export interface SimulationOutput {
  machine: Machine;
  latency: LatencyHistogram;
  samples: number;
  /** Gate outcomes replayed: one per sample and gate met; at MoE gates one per token, at
   * spatial gates one per mask element. */
  decisions: number;
  batches: number;
  queueingNsSum: number;
  deadlineMisses: number;
  totalTimeNs: number;
  /** Samples that left at each exit index (last = the full network), per exit gate. */
  exitCounts: Record<string, number[]>;
  /** Anytime mode: samples forced out at an earlier exit than their decision. */
  forcedExits: number;
  /** Accelerator busy share per batch (bounded). */
  utilization: UtilizationSeries;
}

export class Engine {
  private readonly machine: Machine;
  private readonly sh: NetShapes;
  private readonly program: Step[];
  private readonly strategies: Map<string, Strategy>;
  private readonly batcher: Batcher;
  private readonly weight: Map<string, number>;
  private readonly unitWeights: boolean;
  private readonly out: SimulationOutput;
  private readonly ready: FormedBatch[] = [];
  private slots: Slot[] = [];

  /** `arrivals`: arrivalRng(cfg.batching). */
  constructor(private readonly cfg: EngineConfig, origin: string, arrivals: (() => number) | undefined) {
    const { net } = cfg;
    this.sh = netShapes(net);
    this.program = buildProgram(net);
    this.machine = new Machine(cfg.hw.spec, cfg.accel, net, this.program.map((s) => s.gate), cfg.mode);
    this.machine.accelBusyNs = this.machine.priorBusyNs = cfg.priorBusyNs ?? 0;
    this.strategies = new Map(net.gates.map((g) => [g.gate.id, getStrategy(cfg.plan?.[g.gate.id] ?? cfg.strategy)]));
    const accKind = cfg.hw.spec.accelerator.kind;
    for (const s of new Set([getStrategy(cfg.strategy), ...this.strategies.values()])) {
      const why = inapplicableReason(s.kind, accKind);
      if (why !== undefined) throw new DynsimError('E_USAGE', { file: cfg.hw.file, path: 'accelerator.kind', message: `strategy "${s.kind}" ${why}` });
    }
    this.batcher = new Batcher(cfg.batching, origin, arrivals);
    this.weight = new Map(
      net.gates.map((g) => [g.gate.id, g.gate.kind === 'moe' ? g.gate.tokens : g.gate.kind === 'spatial' ? g.gate.positions : 1]),
    );
    // every gate outcome counts once (no MoE or spatial gate): count the keys, no lookups
    this.unitWeights = [...this.weight.values()].every((w) => w === 1);
    const exitCounts: Record<string, number[]> = {};
    for (const g of net.gates) if (g.gate.kind === 'exit') exitCounts[g.gate.id] = new Array<number>(g.gate.exits.length + 1).fill(0);
    this.out = {
      machine: this.machine,
      latency: new LatencyHistogram(),
      samples: 0,
      decisions: 0,
      batches: 0,
      queueingNsSum: 0,
      deadlineMisses: 0,
      totalTimeNs: 0,
      exitCounts,
      forcedExits: 0,
      utilization: new UtilizationSeries(),
    };
    this.exitCountLists = Object.values(exitCounts);
    // a batch's kernels depend on its size alone when every gate's strategy says so; a timeline
    // records every kernel as it is placed and anytime exits change the batch: no tapes then
    const replayable = net.gates.every((g) => this.strategies.get(g.gate.id)!.replayable?.(g) === true);
    this.tapes = replayable && cfg.replay !== false && !cfg.recorder && !cfg.anytime ? new Map() : undefined;
    if (cfg.anytime) {
      if (cfg.budgetNs === undefined)
        throw new DynsimError('E_USAGE', { message: 'anytime prediction needs a latency budget (--budget-ns)' });
      if (!net.gates.some((g) => g.gate.kind === 'exit'))
        throw new DynsimError('E_USAGE', { message: `anytime prediction needs an early-exit network; ${net.spec.id} has no exit gate` });
      this.anytime = { budgetNs: cfg.budgetNs, segmentNs: new Map(), forced: 0 };
    }
  }

  private readonly anytime: AnytimeClock | undefined;
  private readonly exitCountLists: number[][];
  /** Recorded batches by batch size (see TapeEntry); undefined when batches cannot be replayed. */
  private readonly tapes: Map<number, { entries: TapeEntry[]; usesSlots: boolean }> | undefined;

  push(s: SampleRecord): void {
    this.batcher.push(s, this.ready);
    this.drain();
  }

  finish(): SimulationOutput {
    this.batcher.flush(this.ready);
    this.drain();
    if (this.tapes) for (const t of this.tapes.values()) flushTape(this.machine, t.entries);
    this.out.totalTimeNs = Math.max(this.machine.accelT, this.machine.hostT);
    this.out.forcedExits = this.anytime?.forced ?? 0;
    this.machine.finalize();
    return this.out;
  }

  private drain(): void {
    if (this.ready.length === 0) return; // most pushes close no batch
    for (const b of this.ready) this.runBatch(b);
    this.ready.length = 0;
  }

  private runBatch(batch: FormedBatch): void {
    const { machine, out, cfg } = this;
    const n = batch.samples.length;
    const tape = this.tapes?.get(n);
    // a lean replay of kernels that need nothing from the samples (static) needs no slots
    let slots: Slot[] = [];
    if (!(cfg.lean && tape !== undefined && !tape.usesSlots)) {
      // the slots of the previous batch are reused when it had the same size: nothing keeps a
      // batch's slots once it is done (a million short-lived objects less per 10^6 samples)
      if (this.slots.length !== n)
        this.slots = Array.from({ length: n }, (): Slot => ({ index: 0, arrivalNs: NaN, d: {}, state: RowState.Alive, doneNs: NaN, exitIndex: -1, cache: undefined }));
      slots = this.slots;
      const samples = batch.samples;
      for (let k = 0; k < n; k++) {
        const slot = slots[k]!;
        slot.index = samples[k]!.i;
        slot.arrivalNs = batch.arrivalsNs[k]!;
        slot.d = samples[k]!.d;
        slot.state = RowState.Alive;
        slot.doneNs = NaN;
        slot.exitIndex = -1;
        slot.cache = undefined;
      }
    }
    if (!cfg.lean)
      if (this.unitWeights)
        for (const s of batch.samples) for (const _ in s.d) out.decisions++;
      else for (const s of batch.samples) for (const gid in s.d) out.decisions += this.weight.get(gid) ?? 1;
    machine.hostT = Math.max(machine.hostT, batch.readyNs);
    if (machine.accelT < batch.readyNs) {
      machine.idleNs += batch.readyNs - machine.accelT;
      machine.accelT = batch.readyNs;
      machine.syncAt = null;
    }
    machine.recorder = cfg.recorder;
    machine.segmentOpen = false; // graph mode: one graph launch per batch segment
    const busyBefore = machine.accelBusyNs;
    cfg.recorder?.beginBatch(out.batches, slots[0]?.index ?? 0, slots[slots.length - 1]?.index ?? 0);
    const x = new Exec(machine, cfg.net, this.sh, slots);
    x.anytime = this.anytime;
    if (tape) x.replay(tape.entries);
    else {
      if (this.tapes) x.tape = [];
      this.walkProgram(x);
      if (this.tapes && !x.tapeUnusable) this.tapes.set(n, { entries: x.tape!, usesSlots: x.tape!.some((e) => e.useful !== undefined) });
      x.tape = undefined;
    }
    const start = x.firstStartNs ?? machine.accelT;
    out.utilization.add(start, machine.accelT, machine.accelBusyNs - busyBefore);
    out.samples += n;
    out.batches++;
    if (cfg.lean) return;
    for (const s of slots) {
      if (Number.isNaN(s.doneNs)) s.doneNs = machine.accelT;
      if (Number.isNaN(s.arrivalNs)) s.arrivalNs = start; // offline: latency from the batch start
      const lat = s.doneNs - s.arrivalNs;
      out.latency.add(lat);
      cfg.onSample?.({ index: s.index, batch: out.batches - 1, arrivalNs: s.arrivalNs, startNs: start, doneNs: s.doneNs, latencyNs: lat, exitIndex: s.exitIndex });
      out.queueingNsSum += Math.max(0, start - s.arrivalNs);
      if (cfg.budgetNs !== undefined && lat > cfg.budgetNs) out.deadlineMisses++;
      for (const counts of this.exitCountLists) counts[s.exitIndex >= 0 ? s.exitIndex : counts.length - 1]!++;
    }
  }

  /** Runs the batch through the program: every step's strategy emits its work. */
  private walkProgram(x: Exec): void {
    const machine = this.machine;
    // accelerator time at each exit point, if samples went on from it (else no measurement)
    const marks = new Map<string, (number | undefined)[]>();
    for (const step of this.program) {
      if (step.gate) this.strategies.get(step.gate.gate.id)!.gatedLayer(x, step.gate, step.layer, step.first, step.last);
      else x.denseLayer(step.layer);
      for (const g of step.moeAfter) this.strategies.get(g.gate.id)!.moe(x, g);
      for (const { gate, exitIndex } of step.exitsAfter) {
        this.strategies.get(gate.gate.id)!.exit(x, gate, exitIndex);
        let m = marks.get(gate.gate.id);
        if (!m) marks.set(gate.gate.id, (m = []));
        m[exitIndex] = x.alive().length > 0 ? machine.accelT : undefined;
      }
    }
    if (this.anytime)
      for (const [gid, m] of marks) {
        const seg = this.anytime.segmentNs.get(gid) ?? [];
        m.forEach((t, e) => {
          if (t === undefined) return;
          const next = m.slice(e + 1).find((u) => u !== undefined) ?? machine.accelT;
          seg[e] = next - t;
        });
        this.anytime.segmentNs.set(gid, seg);
      }
  }
}

/** Replays one trace through several engines in a single pass; outputs in config order. */
export async function simulateMany(
  source: TraceSource,
  configs: readonly EngineConfig[],
  onProgress?: (samplesDone: number) => void,
): Promise<SimulationOutput[]> {
  for (const c of configs) checkTraceMatchesNetwork(source.header, c.net, source.origin);
  const engines: Engine[] = [];
  for (const c of configs) engines.push(new Engine(c, source.origin, await arrivalRng(c.batching)));
  let n = 0;
  for await (const chunk of source.chunks()) {
    for (const s of chunk) for (const e of engines) e.push(s);
    n += chunk.length;
    onProgress?.(n);
  }
  return engines.map((e) => e.finish());
}

export async function simulate(cfg: SimulationConfig): Promise<SimulationOutput> {
  const [out] = await simulateMany(cfg.source, [cfg], cfg.onProgress);
  return out!;
}

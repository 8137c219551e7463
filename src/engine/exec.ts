/**
 * Exec: the engine's side of one batch. Strategies call it to emit kernels, host
 * synchronisations, link transfers and host decisions; Exec prices each on the hardware
 * models and places it on the resource timelines (host CPU, link, accelerator), in program
 * order, each resource in order: start = max(when its inputs are ready, when the resource is
 * free). This is a deterministic discrete-event schedule without an event queue, exact for
 * in-order resources. No I/O and no wall clock.
 */
import type { HardwareSystem } from '../formats/hardware.js';
import type { Decision } from '../formats/trace.js';
import type { AcceleratorModel, KernelCost, KernelSpec, RowRun } from '../hardware/types.js';
import type { ResolvedGate, ResolvedNetwork } from '../network/resolve.js';
import { Tally, type KernelCategory } from '../metrics/accumulator.js';
import { IDLE, RUN_PATH, kernelOf, layerShape, pushRun, type LayerShape } from './kernels.js';

/** Row shapes of every layer the engine may launch, computed once per run. */
export interface NetShapes {
  layers: LayerShape[];
  deciders: Map<string, LayerShape[]>;
  /** Per exit gate, per exit point, the head's layers. */
  heads: Map<string, LayerShape[][]>;
  /** Per MoE gate, one expert's layers (per token). */
  experts: Map<string, LayerShape[]>;
}

export function netShapes(net: ResolvedNetwork): NetShapes {
  const dt = net.spec.dtype;
  const sh: NetShapes = {
    layers: net.spec.layers.map((l) => layerShape(l, dt)),
    deciders: new Map(),
    heads: new Map(),
    experts: new Map(),
  };
  for (const { gate } of net.gates) {
    sh.deciders.set(gate.id, gate.decider.map((l) => layerShape(l, dt)));
    if (gate.kind === 'exit') sh.heads.set(gate.id, gate.exits.map((e) => e.head.map((l) => layerShape(l, dt))));
    if (gate.kind === 'moe') sh.experts.set(gate.id, gate.expert.map((l) => layerShape(l, dt)));
  }
  return sh;
}

/** Sample state inside a batch. */
export const enum RowState {
  Alive = 0,
  /** Left at an exit but still in the batch tensor and computed (masking). */
  DeadComputed = 1,
  /** Left at an exit, still in the tensor, its lanes idle (device branching). */
  DeadIdle = 2,
  /** Removed from the batch tensor (compaction). */
  Removed = 3,
}

export interface Slot {
  /** Index of the sample in the trace. */
  index: number;
  arrivalNs: number;
  d: Readonly<Record<string, Decision>>;
  state: RowState;
  /** Completion time, once known. */
  doneNs: number;
  /** Exit taken, if any. */
  exitIndex: number;
  /** Derived per-sample data (decoded masks, row segments), computed once per batch. */
  cache?: Map<string, unknown>;
}

/** Shared state of the whole run: timelines and tallies. */
export class Machine {
  hostT = 0;
  accelT = 0;
  linkT = 0;
  /** Accelerator time at the latest synchronisation, if no kernel has run since. */
  syncAt: number | null = null;
  /** When the latest control transfer began (device drained and host ready to wait). */
  transferStart = 0;
  /** Gate of the latest control transfer: the accelerator's wait is charged to it. */
  syncGate: string | undefined;
  accelBusyNs = 0;
  hostBusyNs = 0;
  linkBusyNs = 0;
  idleNs = 0;
  readonly total = new Tally();
  readonly byGate = new Map<string, Tally>();
  readonly byLayer = new Map<string, Tally>();
  readonly issueNs: number;
  readonly notifyNs: number;
  /** Costs of kernels whose spec is fixed by a key (layer + batch row states); bounded. */
  private readonly costMemo = new Map<string, KernelCost>();

  /** The cost of a kernel, memoised under `key` when given (the cost model is pure). */
  costOf(spec: () => KernelSpec, key: string | undefined): KernelCost {
    if (key === undefined) return this.accel.cost(spec());
    let c = this.costMemo.get(key);
    if (c === undefined) {
      if (this.costMemo.size >= 50_000) this.costMemo.clear();
      c = this.accel.cost(spec());
      this.costMemo.set(key, c);
    }
    return c;
  }

  constructor(
    readonly hw: HardwareSystem,
    readonly accel: AcceleratorModel,
  ) {
    // eager dispatch: the host spends the framework's per-op cost, and never less than the
    // driver's back-to-back launch interval, on every kernel it issues
    this.issueNs = Math.max(hw.host.dispatchNs, accel.launchNs);
    this.notifyNs = hw.host.notify === 'polling' ? hw.host.pollIntervalNs / 2 : hw.host.interruptLatencyNs;
  }

  tally(map: Map<string, Tally>, key: string): Tally {
    let t = map.get(key);
    if (!t) map.set(key, (t = new Tally()));
    return t;
  }
}

export interface KernelTag {
  category: KernelCategory;
  /** Layer name for per-layer metrics. */
  layer?: string;
  gate?: string;
}

/**
 * Anytime prediction: a sample leaves at an exit point when going on to the next one would
 * overrun its budget, judged from how long that segment took in the previous batch.
 */
export interface AnytimeClock {
  budgetNs: number;
  /** Per exit gate, estimated time from exit point e to the next (or to the end). */
  segmentNs: Map<string, number[]>;
  /** Samples forced out early. */
  forced: number;
}

export class Exec {
  /** When the batch's first kernel started (for queueing). */
  firstStartNs: number | null = null;
  /** Set when the run forces exits to meet the budget. */
  anytime: AnytimeClock | undefined;

  constructor(
    readonly m: Machine,
    readonly net: ResolvedNetwork,
    readonly sh: NetShapes,
    readonly slots: Slot[],
  ) {}

  // ------------------------------------------------------------------ resources

  /** Prices a kernel and places it: the host issues it, the accelerator runs it in order. */
  kernel(spec: KernelSpec, tag: KernelTag): void {
    this.place(this.m.accel.cost(spec), tag);
  }

  /** Like `kernel`, for a spec fully determined by `key` and the batch's row states. */
  kernelKeyed(key: string, spec: () => KernelSpec, tag: KernelTag): void {
    this.place(this.m.costOf(spec, `${key}|${this.stateSig()}`), tag);
  }

  /**
   * A kernel whose cost structure (rows, paths) is fixed by `key` and the batch's row states,
   * while which results are needed varies: the structure is priced once, the useful FLOPs
   * are given. Used by masking, where every row computes whatever the decisions.
   */
  kernelMasked(key: string, spec: () => KernelSpec, usefulFlops: number, tag: KernelTag): void {
    const c = this.m.costOf(spec, `${key}|${this.stateSig()}`);
    this.place({ ...c, usefulFlops }, tag);
  }

  /** A kernel fully determined by `key` alone (e.g. a layer over a dense sub-batch of n rows). */
  kernelFixed(key: string, spec: () => KernelSpec, tag: KernelTag): void {
    this.place(this.m.costOf(spec, key), tag);
  }

  private sig: string | null = null;

  /** Signature of the row states of the batch (changes only at exits). */
  stateSig(): string {
    if (this.sig === null) {
      let all = true;
      for (const s of this.slots) if (s.state !== RowState.Alive) all = false;
      this.sig = all ? `A${this.slots.length}` : this.slots.map((s) => s.state).join('');
    }
    return this.sig;
  }

  private place(cost: KernelCost, tag: KernelTag): void {
    const m = this.m;
    m.hostT += m.issueNs;
    m.hostBusyNs += m.issueNs;
    const start = Math.max(m.accelT, m.hostT);
    this.firstStartNs ??= start;
    const gap = start - m.accelT;
    if (gap > 0) {
      if (m.syncAt !== null) {
        m.total.idleOnHostNs += gap;
        const gate = m.syncGate ?? tag.gate;
        if (gate) m.tally(m.byGate, gate).idleOnHostNs += gap;
      } else m.idleNs += gap;
    }
    m.syncAt = null;
    m.accelT = start + cost.timeNs;
    m.accelBusyNs += cost.timeNs;
    m.total.addKernel(cost, tag.category);
    if (tag.gate) m.tally(m.byGate, tag.gate).addKernel(cost, tag.category);
    if (tag.layer) m.tally(m.byLayer, tag.layer).addKernel(cost, tag.category);
  }

  /** The host waits until the accelerator has drained and it has been notified. */
  sync(gate: string): void {
    const m = this.m;
    if (m.syncAt === null) m.syncAt = m.accelT;
    m.syncGate = gate;
    m.transferStart = Math.max(m.hostT, m.accelT);
    m.hostT = m.transferStart + m.notifyNs;
  }

  /** Moves `bytes` device -> host over the link; the host waits for it. */
  transfer(bytes: number): void {
    const m = this.m;
    const l = m.hw.link;
    const start = Math.max(m.linkT, m.hostT);
    const dur = l.latencyNs + bytes / l.bandwidthGBps; // GB/s = bytes per ns
    m.linkT = start + dur;
    m.linkBusyNs += dur;
    m.hostT = m.linkT;
  }

  /** The host evaluates a gate decision; counts one control transfer for the gate. */
  decide(gate: string): void {
    const m = this.m;
    m.hostT += m.hw.host.decisionLatencyNs;
    m.hostBusyNs += m.hw.host.decisionLatencyNs;
    const roundTrip = m.hostT - m.transferStart;
    m.total.addControl(roundTrip);
    m.tally(m.byGate, gate).addControl(roundTrip);
  }

  /** A full device -> host -> device control transfer for one gate of this batch. */
  hostRoundTrip(gate: string, decisionBytes: number): void {
    this.sync(gate);
    this.transfer(decisionBytes);
    this.decide(gate);
  }

  /** Samples at `slotIdx` leave at exit `exitIndex`; they complete now unless masked. */
  exitSamples(slotIdx: readonly number[], exitIndex: number, newState: RowState): void {
    this.sig = null;
    for (const i of slotIdx) {
      const s = this.slots[i]!;
      s.state = newState;
      s.exitIndex = exitIndex;
      if (newState !== RowState.DeadComputed) s.doneNs = this.m.accelT;
    }
  }

  // ------------------------------------------------------------------ row helpers

  /** Slot indices of the samples present in the batch tensor. */
  present(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i]!.state !== RowState.Removed) out.push(i);
    return out;
  }

  /** Slot indices of the samples still computing. */
  alive(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i]!.state === RowState.Alive) out.push(i);
    return out;
  }

  /** Runs over the present rows: alive rows on path 0, exited rows computed or idle. */
  denseRuns(rowsPerSample: number): RowRun[] {
    const runs: RowRun[] = [];
    for (const s of this.slots) {
      if (s.state === RowState.Removed) continue;
      if (s.state === RowState.Alive) pushRun(runs, rowsPerSample, RUN_PATH, 1);
      else if (s.state === RowState.DeadComputed) pushRun(runs, rowsPerSample, RUN_PATH, 0);
      else pushRun(runs, rowsPerSample, IDLE, 1);
    }
    return runs;
  }

  /** An ungated layer (or an open gated one) over the present rows. */
  denseLayer(layerIdx: number, gate?: string, category: KernelCategory = 'compute'): void {
    const shape = this.sh.layers[layerIdx]!;
    const name = this.net.spec.layers[layerIdx]!.name;
    this.kernelKeyed(`L${layerIdx}`, () => kernelOf(name, shape, this.denseRuns(shape.rowsPerSample)), {
      category,
      layer: name,
      gate,
    });
  }

  /** The gate's own decision computation over the present rows, or for one sample alone. */
  decider(g: ResolvedGate, onlySlot?: number): void {
    const shapes = this.sh.deciders.get(g.gate.id)!;
    g.gate.decider.forEach((l, k) => {
      const shape = shapes[k]!;
      const runs = () =>
        onlySlot === undefined ? this.denseRuns(shape.rowsPerSample) : [{ rows: shape.rowsPerSample, paths: RUN_PATH, useful: 1 }];
      this.kernelKeyed(`D${g.index}:${k}:${onlySlot === undefined ? 'all' : 'one'}`, () => kernelOf(l.name, shape, runs()), {
        category: 'decider',
        layer: `${g.gate.id}/${l.name}`,
        gate: g.gate.id,
      });
    });
  }
}

/**
 * Exec: the engine's side of one batch. Strategies call it to emit kernels, host
 * synchronisations, link transfers and host decisions; Exec prices each on the hardware
 * models and places it on the resource timelines (host CPU, link, accelerator), in program
 * order, each resource in order: start = max(when its inputs are ready, when the resource is
 * free). This is a deterministic discrete-event schedule without an event queue, exact for
 * in-order resources. No I/O and no wall clock.
 */
import type { HardwareSystem } from '../formats/hardware.js';
import { DynsimError } from '../util/errors.js';
import { issueTiming, type ExecutionMode, type HostOp, type IssueTiming } from '../hardware/host.js';
import type { Layer } from '../formats/network.js';
import type { Decision } from '../formats/trace.js';
import type { AcceleratorModel, KernelCost, KernelSpec, RowRun } from '../hardware/types.js';
import type { ResolvedGate, ResolvedNetwork } from '../network/resolve.js';
import { PreparedKernel, Tally, type KernelCategory } from '../metrics/accumulator.js';
import type { TimelineRecorder } from './timeline.js';
import { IDLE, RUN_PATH, kernelOf, layerShape, pushRun, rowSplit, type LayerShape, type RowSplit } from './kernels.js';

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

export { EXECUTION_MODES, type ExecutionMode } from '../hardware/host.js';

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
  /** Busy time before the run (EngineConfig.priorBusyNs): counts for throttling only. */
  priorBusyNs = 0;
  hostBusyNs = 0;
  linkBusyNs = 0;
  idleNs = 0;
  /** Filled by `finalize()`: the run, per gate and per layer, summed from the scope tallies. */
  readonly total = new Tally();
  readonly byGate = new Map<string, Tally>();
  readonly byLayer = new Map<string, Tally>();
  /** Launch, graph, submission and wait costs of this system in this execution mode. */
  readonly timing: IssueTiming;
  /** Device busy time after which kernels run at the sustained (power-limited) clock. */
  readonly throttleAfterNs: number;
  private readonly throttledCosts = new WeakMap<KernelCost, KernelCost>();

  /** A kernel's cost at the sustained clock (cached per cost object). */
  throttled(c: KernelCost, reused = true): KernelCost {
    // a cost priced for one kernel alone (Exec.kernel) is never seen again: no cache entry
    if (!reused) return { ...c, timeNs: c.throttledTimeNs, cycles: c.cycles * (c.throttledTimeNs / c.timeNs) };
    let t = this.throttledCosts.get(c);
    if (t === undefined) this.throttledCosts.set(c, (t = { ...c, timeNs: c.throttledTimeNs, cycles: c.cycles * (c.throttledTimeNs / c.timeNs) }));
    return t;
  }
  /** Graph mode: a graph is running; a host synchronisation ends it. */
  segmentOpen = false;
  /** One tag (and tally) per kernel scope, built once: the hot path never builds keys. */
  readonly tags: NetTags;
  /** Records slices for a timeline, when the run asked for one. */
  recorder: TimelineRecorder | undefined;
  /** Spatial arrays: precompiled configurations resident now (LRU order, oldest first). */
  readonly resident: string[] = [];
  readonly residentCapacity: number;
  readonly configLoadNs: number;
  readonly dramBytesPerNs: number;
  readonly spatial: boolean;
  /** Costs of kernels fixed by their tag and the batch's row states, per state signature. */
  private readonly memoBySig = new Map<string, Map<string, KernelCost>>();
  private readonly memoFixed = new Map<string, KernelCost>();
  private memoEntries = 0;

  /** Row splits of masks (see rowSplit), by rows * 2^16 + mask length: a few per network. */
  private readonly rowSplits = new Map<number, RowSplit>();

  rowSplit(p: number, rows: number): RowSplit {
    const key = rows * 65536 + p;
    let s = this.rowSplits.get(key);
    if (!s) this.rowSplits.set(key, (s = rowSplit(p, rows)));
    return s;
  }

  /** The memo of kernel costs for one row-state signature (bounded overall). */
  memoFor(sig: string): Map<string, KernelCost> {
    let m = this.memoBySig.get(sig);
    if (!m) {
      if (this.memoBySig.size >= 5_000 || this.memoEntries >= 50_000) {
        this.memoBySig.clear();
        this.memoEntries = 0;
      }
      this.memoBySig.set(sig, (m = new Map()));
    }
    return m;
  }

  cached(memo: Map<string, KernelCost>, key: string, spec: () => KernelSpec): KernelCost {
    let c = memo.get(key);
    if (c === undefined) {
      c = this.accel.cost(spec());
      memo.set(key, c);
      this.memoEntries++;
    }
    return c;
  }

  /** Cost of a kernel fully determined by `key` (e.g. a layer over a dense sub-batch). */
  fixedCost(key: string, spec: () => KernelSpec): KernelCost {
    if (this.memoFixed.size >= 50_000) this.memoFixed.clear();
    return this.cached(this.memoFixed, key, spec);
  }

  constructor(
    readonly hw: HardwareSystem,
    readonly accel: AcceleratorModel,
    net: ResolvedNetwork,
    controller: readonly (ResolvedGate | undefined)[],
    readonly mode: ExecutionMode = 'eager',
  ) {
    // eager: the host spends the framework's per-op dispatch, and never less than the driver's
    // back-to-back launch interval, on every kernel; cuda: the launch interval alone; graph:
    // one launch per captured segment, then each node costs the device graphNodeNs
    const acc = hw.accelerator;
    if (mode === 'graph' && acc.kind !== 'gpu-simt')
      throw new DynsimError('E_USAGE', {
        path: 'accelerator.kind',
        message: `graph mode replays CUDA graphs and needs a gpu-simt accelerator, got ${acc.kind}`,
      });
    this.timing = issueTiming(hw, accel, mode);
    this.throttleAfterNs = acc.kind === 'gpu-simt' && acc.sustainedClockMhz !== undefined ? acc.throttleAfterNs : Infinity;
    this.tags = buildTags(net, controller);
    this.spatial = acc.kind === 'spatial-array';
    this.residentCapacity = acc.kind === 'spatial-array' ? acc.residentConfigs : 0;
    this.configLoadNs = acc.kind === 'spatial-array' ? acc.configLoadNs : 0;
    this.dramBytesPerNs = acc.kind === 'spatial-array' ? acc.dramBandwidthBytesPerCycle * (acc.clockMhz / 1000) : Infinity;
  }

  /** Sums the scope tallies into `total`, `byGate` and `byLayer` (call once, at the end). */
  finalize(): void {
    const add = (map: Map<string, Tally>, key: string, t: Tally) => {
      let into = map.get(key);
      if (!into) map.set(key, (into = new Tally()));
      into.merge(t);
    };
    for (const tag of this.tags.all) {
      if (tag.tally.kernels === 0) continue;
      this.total.merge(tag.tally);
      if (tag.gate) add(this.byGate, tag.gate, tag.tally);
      if (tag.layer) add(this.byLayer, tag.layer, tag.tally);
    }
    this.tags.control.forEach((t, gi) => {
      this.total.merge(t);
      add(this.byGate, this.tags.gateIds[gi]!, t);
    });
  }
}

/** Useful FLOPs of a masked kernel, computed from the batch (its slots' decisions). */
export type UsefulFlops = (x: Exec) => number;

/**
 * One kernel of a batch as placed: its cost, where it is counted, how the host issues it and,
 * for a masked kernel, how to compute its useful FLOPs. When every strategy of a run emits
 * work that depends on the batch's size alone (their `replayable` says so), the engine keeps
 * a batch's entries and places the next batch of that size from them, in the same order and
 * with the same arithmetic, instead of walking the program again.
 */
export interface TapeEntry {
  readonly cost: KernelCost;
  readonly tag: KernelTag;
  /** Host time to issue it (Machine.issueNs of its op). */
  readonly issueNs: number;
  /** The cost's time at the normal and the sustained clock, and whether they differ. */
  readonly timeNs: number;
  readonly slowNs: number;
  readonly throttles: boolean;
  readonly useful: UsefulFlops | undefined;
  /** Its additions to the tag's tally at the normal and (made when first needed) at the
   * sustained clock; a masked kernel's with the batch's useful FLOPs (Tally.addMasked). */
  readonly prepared: PreparedKernel;
  preparedThrottled: PreparedKernel | undefined;
  /** Replays not yet added to the tag's tally, at the normal and the sustained clock, and
   * (masked kernels) the sum of their useful FLOPs: a replay counts, and flushTape adds the
   * counts once (the same sums, each n times, as a product). */
  reps: number;
  repsSlow: number;
  usefulSum: number;
  usefulSumSlow: number;
}

/** Adds a tape's pending replays to its tags' tallies and clears them (see TapeEntry.reps). */
export function flushTape(m: Machine, tape: readonly TapeEntry[]): void {
  for (const e of tape) {
    const tally = e.tag.tally;
    if (e.reps > 0) {
      if (e.useful !== undefined) tally.addMaskedTimes(e.prepared, e.reps, e.usefulSum);
      else tally.addPreparedTimes(e.prepared, e.reps);
    }
    if (e.repsSlow > 0) {
      const p = (e.preparedThrottled ??= new PreparedKernel(m.throttled(e.cost), e.tag.category));
      if (e.useful !== undefined) tally.addMaskedTimes(p, e.repsSlow, e.usefulSumSlow);
      else tally.addPreparedTimes(p, e.repsSlow);
    }
    e.reps = e.repsSlow = e.usefulSum = e.usefulSumSlow = 0;
  }
}

/** Where a kernel's costs are counted: its category, layer and gate, with the scope's tally. */
export interface KernelTag {
  readonly category: KernelCategory;
  /** Op kind for the host's dispatch cost (regroup copies: decided per kernel by its name). */
  readonly op: HostOp;
  /** Layer name for per-layer metrics. */
  readonly layer?: string;
  readonly gate?: string;
  /** Memo key of the kernel's cost (with the batch's row states). */
  readonly key: string;
  readonly tally: Tally;
}

/** Every kernel scope of a network, built once per machine. Indices follow the network. */
export interface NetTags {
  /** Backbone layer i, under the gate controlling it (if any). */
  layer: KernelTag[];
  /** [gate index][decider layer] */
  decider: KernelTag[][];
  /** [gate index][exit][head layer] */
  head: KernelTag[][][];
  /** [gate index][expert layer] */
  expert: KernelTag[][];
  /** [gate index]: gather/scatter copies of regrouping strategies. */
  copy: KernelTag[];
  /** [gate index]: the select (blend) kernel of masking. */
  blend: KernelTag[];
  /** [gate index]: control transfers and the accelerator's wait on the host. */
  control: Tally[];
  gateIds: string[];
  gateIndex: Map<string, number>;
  all: KernelTag[];
}

function buildTags(net: ResolvedNetwork, controller: readonly (ResolvedGate | undefined)[]): NetTags {
  const all: KernelTag[] = [];
  const mk = (category: KernelCategory, key: string, layer?: string, gate?: string, kind?: Layer['kind']): KernelTag => {
    const op: HostOp = kind === 'linear' || kind === 'conv2d' || kind === 'attention' ? 'matmul' : 'other';
    const t: KernelTag = { category, op, key, layer, gate, tally: new Tally() };
    all.push(t);
    return t;
  };
  const tags: NetTags = {
    layer: net.spec.layers.map((l, i) => mk('compute', `L${i}`, l.name, controller[i]?.gate.id, l.kind)),
    decider: [],
    head: [],
    expert: [],
    copy: [],
    blend: [],
    control: [],
    gateIds: net.gates.map((g) => g.gate.id),
    gateIndex: new Map(net.gates.map((g, i) => [g.gate.id, i])),
    all,
  };
  net.gates.forEach(({ gate }, gi) => {
    tags.decider[gi] = gate.decider.map((l, k) => mk('decider', `D${gi}:${k}`, `${gate.id}/${l.name}`, gate.id, l.kind));
    tags.head[gi] =
      gate.kind === 'exit'
        ? gate.exits.map((e, x) => e.head.map((l, k) => mk('head', `H${gi}:${x}:${k}`, `${gate.id}/${l.name}`, gate.id, l.kind)))
        : [];
    tags.expert[gi] =
      gate.kind === 'moe' ? gate.expert.map((l, k) => mk('compute', `E${gi}:${k}`, `${gate.id}/${l.name}`, gate.id, l.kind)) : [];
    tags.copy[gi] = mk('regroup', `C${gi}`, undefined, gate.id);
    tags.blend[gi] = mk('blend', `B${gi}`, undefined, gate.id);
    tags.control[gi] = new Tally();
  });
  return tags;
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
    const op: HostOp = tag.category === 'regroup' ? (spec.name.startsWith('scatter') ? 'scatter' : 'gather') : tag.op;
    this.place(this.m.accel.cost(spec), tag, op, undefined, undefined, false);
  }

  /** Like `kernel`, for a spec fully determined by the tag's scope and the batch's row states. */
  kernelKeyed(spec: () => KernelSpec, tag: KernelTag): void {
    this.place(this.m.cached(this.memo(), tag.key, spec), tag);
  }

  private memoMap: Map<string, KernelCost> | null = null;

  private memo(): Map<string, KernelCost> {
    return (this.memoMap ??= this.m.memoFor(this.stateSig()));
  }

  /**
   * A kernel whose cost structure (rows, paths) is fixed by `key` and the batch's row states,
   * while which results are needed varies: the structure is priced once, the useful FLOPs
   * are given, as a function of the batch (so a replayed tape can recompute them). Used by
   * masking, where every row computes whatever the decisions.
   */
  kernelMasked(spec: () => KernelSpec, usefulFlops: UsefulFlops, tag: KernelTag): void {
    const c = this.m.cached(this.memo(), `M${tag.key}`, spec);
    this.place(c, tag, tag.op, usefulFlops(this), usefulFlops);
  }

  /** Routed work the strategy leaves undone (counted for the ideal saving, never executed). */
  dropWork(tag: KernelTag, flops: number): void {
    tag.tally.droppedFlops += flops;
  }

  /** A kernel fully determined by `key` alone (e.g. a layer over a dense sub-batch of n rows). */
  kernelFixed(key: string, spec: () => KernelSpec, tag: KernelTag, op: HostOp = tag.op): void {
    this.place(this.m.fixedCost(key, spec), tag, op);
  }

  private sig: string | null = null;
  /** Summed needed share of the alive samples, by gate index (and row count or step, see
   * aliveShare); reset at exits. */
  readonly shareCache = new Map<number, number>();
  /** Per MoE gate index: tokens of the alive samples routed to each expert; reset at exits. */
  readonly expertLoads = new Map<number, number[]>();

  /** Signature of the row states of the batch (changes only at exits). */
  stateSig(): string {
    if (this.sig === null) {
      let all = true;
      for (const s of this.slots) if (s.state !== RowState.Alive) all = false;
      this.sig = all ? `A${this.slots.length}` : this.slots.map((s) => s.state).join('');
    }
    return this.sig;
  }

  /**
   * Spatial arrays: the operator of `tag` must run in configuration `variant` (a shape other
   * than its static one). A precompiled configuration already resident costs nothing; else the
   * host issues a load: configuration load latency plus reloading the weights from DRAM, and
   * the least recently used resident configuration is evicted. No-op on other accelerators.
   */
  configure(tag: KernelTag, variant: string, weightBytes: number): void {
    const m = this.m;
    if (!m.spatial || this.emptyForHost) return;
    this.tapeUnusable = true;
    const key = `${tag.key}#${variant}`;
    const at = m.resident.indexOf(key);
    if (at >= 0) {
      m.resident.splice(at, 1);
      m.resident.push(key);
      return;
    }
    if (m.resident.length >= m.residentCapacity) m.resident.shift();
    m.resident.push(key);
    const dur = m.configLoadNs + weightBytes / m.dramBytesPerNs;
    const start = this.advance(dur, tag, 'other');
    m.recorder?.add({ track: 'accelerator', name: `configure:${tag.layer ?? tag.key}`, category: 'reconfiguration', startNs: start, durNs: dur, gate: tag.gate });
    tag.tally.reconfigurations++;
    tag.tally.reconfigurationNs += dur;
  }

  /**
   * Records the kernels of a batch as they are placed, when the engine asks (see TapeEntry);
   * any other kind of work (synchronisations, transfers, reconfigurations, exits) marks the
   * tape unusable.
   */
  tape: TapeEntry[] | undefined;
  tapeUnusable = false;

  /** Places the kernels of a tape recorded on a batch of the same size: what `place` does,
   * without the recording branches (no timeline while replaying). The first kernel takes
   * advanceBy (a gap after a synchronisation, the batch's first start); the rest run on
   * locals, with the same operations in the same order (after advanceBy, syncAt is null). */
  replay(tape: readonly TapeEntry[]): void {
    const n = tape.length;
    if (n === 0) return;
    const m = this.m;
    this.replayOne(tape[0]!);
    const t = m.timing;
    const submit = t.submitNs;
    const node = t.nodeNs;
    const after = m.throttleAfterNs;
    let hostT = m.hostT;
    let hostBusy = m.hostBusyNs;
    let accelT = m.accelT;
    let busy = m.accelBusyNs;
    let idle = m.idleNs;
    for (let k = 1; k < n; k++) {
      const e = tape[k]!;
      // as in place: past the busy-time onset, the sustained clock's cost (kept on the entry)
      const slow = busy >= after && e.throttles;
      const dur = slow ? e.slowNs : e.timeNs;
      const issue = e.issueNs;
      hostT += issue;
      hostBusy += issue;
      const start = Math.max(accelT, hostT + submit) + node;
      const gap = start - accelT;
      if (gap > 0) idle += gap;
      accelT = start + dur;
      busy += dur;
      // the tally additions are counted here and made by flushTape
      if (e.useful !== undefined) {
        // a masked kernel's useful FLOPs come from the batch; the timeline is written back first
        m.hostT = hostT;
        m.hostBusyNs = hostBusy;
        m.accelT = accelT;
        m.accelBusyNs = busy;
        m.idleNs = idle;
        const u = e.useful(this);
        if (slow) {
          e.repsSlow++;
          e.usefulSumSlow += u;
        } else {
          e.reps++;
          e.usefulSum += u;
        }
      } else if (slow) e.repsSlow++;
      else e.reps++;
    }
    m.hostT = hostT;
    m.hostBusyNs = hostBusy;
    m.accelT = accelT;
    m.accelBusyNs = busy;
    m.idleNs = idle;
  }

  /** One tape entry placed through advanceBy (as `place` without recording). */
  private replayOne(e: TapeEntry): void {
    const m = this.m;
    const slow = m.accelBusyNs >= m.throttleAfterNs && e.throttles;
    this.advanceBy(slow ? e.slowNs : e.timeNs, e.issueNs, e.tag);
    const u = e.useful !== undefined ? e.useful(this) : 0;
    if (slow) {
      e.repsSlow++;
      e.usefulSumSlow += u;
    } else {
      e.reps++;
      e.usefulSum += u;
    }
  }

  /** `reused`: the cost object comes from a memo and will be placed again (see Machine.throttled). */
  private place(cost: KernelCost, tag: KernelTag, op: HostOp = tag.op, usefulFlops = cost.usefulFlops, useful?: UsefulFlops, reused = true): void {
    if (this.emptyForHost) return;
    const m = this.m;
    this.tape?.push({ cost, tag, issueNs: m.timing.issueNs[op], timeNs: cost.timeNs, slowNs: cost.throttledTimeNs, throttles: cost.throttledTimeNs !== cost.timeNs, useful, prepared: new PreparedKernel(cost, tag.category), preparedThrottled: undefined, reps: 0, repsSlow: 0, usefulSum: 0, usefulSumSlow: 0 });
    // once the device has been busy long enough, it runs at its power-limited sustained clock
    if (m.accelBusyNs >= m.throttleAfterNs && cost.throttledTimeNs !== cost.timeNs) cost = m.throttled(cost, reused);
    const start = this.advance(cost.timeNs, tag, op);
    if (this.m.recorder?.recording)
      this.m.recorder.add({
        track: 'accelerator',
        name: tag.layer ?? (tag.category === 'regroup' ? `regroup:${tag.gate ?? ''}` : tag.key),
        category: tag.category === 'compute' ? 'kernel' : tag.category,
        startNs: start,
        durNs: cost.timeNs,
        gate: tag.gate,
        activeShare: cost.issuedSlotFlops > 0 ? cost.activeFlops / cost.issuedSlotFlops : 1,
        maskedFlops: cost.activeFlops - usefulFlops,
      });
    tag.tally.addKernel(cost, tag.category, usefulFlops);
  }

  /** The host issues a command; the accelerator runs it for `durationNs` in order. Returns
   * when it started. */
  private advance(durationNs: number, tag: KernelTag, op: HostOp): number {
    return this.advanceBy(durationNs, this.m.timing.issueNs[op], tag);
  }

  private advanceBy(durationNs: number, issue: number, tag: KernelTag): number {
    const m = this.m;
    const t = m.timing;
    if (m.mode === 'graph' && !m.segmentOpen) {
      m.hostT += t.graphLaunchNs;
      m.hostBusyNs += t.graphLaunchNs;
      m.segmentOpen = true;
    }
    m.hostT += issue;
    m.hostBusyNs += issue;
    // the command reaches the device submitNs after the launch call
    const ready = m.hostT + t.submitNs;
    const start = Math.max(m.accelT, ready) + t.nodeNs;
    this.firstStartNs ??= start;
    const gap = start - m.accelT;
    if (gap > 0) {
      if (m.syncAt !== null) {
        const gate = m.syncGate ?? tag.gate;
        const gi = gate === undefined ? undefined : m.tags.gateIndex.get(gate);
        if (gi !== undefined) m.tags.control[gi]!.idleOnHostNs += gap;
        else tag.tally.idleOnHostNs += gap;
      } else m.idleNs += gap;
    }
    m.syncAt = null;
    m.accelT = start + durationNs;
    m.accelBusyNs += durationNs;
    return start;
  }

  /** The host waits until the accelerator has drained and it has been notified. */
  sync(gate: string): void {
    this.tapeUnusable = true;
    const m = this.m;
    if (m.syncAt === null) m.syncAt = m.accelT;
    m.segmentOpen = false; // the host must launch the rest of the work anew
    m.syncGate = gate;
    m.transferStart = Math.max(m.hostT, m.accelT);
    // the wait ends when the host is notified, and no earlier than the synchronising call's
    // own cost (eager frameworks)
    const t = m.timing;
    const end = Math.max(m.accelT, m.hostT + t.syncCallNs) + t.notifyNs;
    m.recorder?.add({ track: 'host', name: `notify:${gate}`, category: 'notify', startNs: m.transferStart, durNs: end - m.transferStart, gate });
    m.hostT = end;
  }

  /** Moves `bytes` device -> host over the link; the host waits for it. */
  transfer(bytes: number): void {
    this.tapeUnusable = true;
    const m = this.m;
    const l = m.hw.link;
    const start = Math.max(m.linkT, m.hostT);
    const dur = l.latencyNs + bytes / l.bandwidthGBps; // GB/s = bytes per ns
    m.linkT = start + dur;
    m.linkBusyNs += dur;
    m.hostT = m.linkT;
    m.recorder?.add({ track: 'link', name: `decisions ${bytes} B`, category: 'transfer', startNs: start, durNs: dur, gate: m.syncGate });
  }

  /** The host evaluates a gate decision; counts one control transfer for the gate. */
  decide(gate: string): void {
    this.tapeUnusable = true;
    const m = this.m;
    const d = m.timing.decisionNs;
    m.recorder?.add({ track: 'host', name: `decide:${gate}`, category: 'decision', startNs: m.hostT, durNs: d, gate });
    m.hostT += d;
    m.hostBusyNs += d;
    const roundTrip = m.hostT - m.transferStart;
    m.tags.control[m.tags.gateIndex.get(gate)!]!.addControl(roundTrip);
  }

  /** A full device -> host -> device control transfer for one gate of this batch. */
  hostRoundTrip(gate: string, decisionBytes: number): void {
    if (this.emptyForHost) return;
    this.sync(gate);
    this.transfer(decisionBytes);
    this.decide(gate);
  }

  /**
   * True once the host has taken an exit decision that left no row in the batch: it then
   * issues nothing more for this batch (no kernel, copy, configuration or round trip), as a
   * host-driven loop returns once its batch is empty. Where the exit is taken on the device
   * (compact, device-branch, per-sample on a GPU), the host cannot know and keeps issuing
   * the remaining kernels, with empty grids.
   */
  private emptyForHost = false;

  /** Samples at `slotIdx` leave at exit `exitIndex`; they complete now unless masked.
   * `hostDecided`: the host took this exit decision (after a round trip), so it knows who is left. */
  exitSamples(slotIdx: readonly number[], exitIndex: number, newState: RowState, hostDecided = false): void {
    this.tapeUnusable = true;
    this.sig = null;
    this.shareCache.clear();
    this.expertLoads.clear();
    this.memoMap = null;
    for (const i of slotIdx) {
      const s = this.slots[i]!;
      s.state = newState;
      s.exitIndex = exitIndex;
      if (newState !== RowState.DeadComputed) s.doneNs = this.m.accelT;
    }
    if (hostDecided && this.present().length === 0) this.emptyForHost = true;
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

  /** A layer over the present rows (ungated, or its gate open). */
  denseLayer(layerIdx: number): void {
    const shape = this.sh.layers[layerIdx]!;
    const name = this.net.spec.layers[layerIdx]!.name;
    this.kernelKeyed(() => kernelOf(name, shape, this.denseRuns(shape.rowsPerSample)), this.m.tags.layer[layerIdx]!);
  }

  /** The gate's own decision computation over the present rows, or for one sample alone. */
  decider(g: ResolvedGate, onlySlot?: number): void {
    const shapes = this.sh.deciders.get(g.gate.id)!;
    g.gate.decider.forEach((l, k) => {
      const shape = shapes[k]!;
      const tag = this.m.tags.decider[g.index]![k]!;
      if (onlySlot === undefined) this.kernelKeyed(() => kernelOf(l.name, shape, this.denseRuns(shape.rowsPerSample)), tag);
      else this.kernelFixed(`1${tag.key}`, () => kernelOf(l.name, shape, [{ rows: shape.rowsPerSample, paths: RUN_PATH, useful: 1 }]), tag);
    });
  }
}

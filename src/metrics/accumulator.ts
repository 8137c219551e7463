/**
 * Metric accumulation: one Tally per scope (the run, each gate, each layer) adds up the
 * costed steps routed to it; LatencyHistogram keeps per-sample latencies in bounded memory.
 */
import type { KernelCost } from '../hardware/types.js';

export type KernelCategory = 'compute' | 'decider' | 'head' | 'regroup' | 'blend';

export class Tally {
  kernels = 0;
  timeNs = 0;
  cycles = 0;
  issuedSlotFlops = 0;
  activeFlops = 0;
  usefulFlops = 0;
  /** Work the decisions asked for that the strategy did not compute (MoE tokens over an
   * expert's capacity under `capacity`): not executed, not useful, but part of the routed work. */
  droppedFlops = 0;
  divergentSlotFlops = 0;
  units = 0;
  divergentUnits = 0;
  dramBytes = 0;
  energyPj = 0;
  controlTransfers = 0;
  controlTransferNs = 0;
  /** Kernel time split by where it went. */
  usefulComputeNs = 0;
  maskedWasteNs = 0;
  divergenceNs = 0;
  regroupNs = 0;
  /** Accelerator idle time waiting on the host after a control transfer. */
  idleOnHostNs = 0;
  /** Spatial arrays: configuration loads (with weight reloads) and their time. */
  reconfigurations = 0;
  reconfigurationNs = 0;

  /** Adds a kernel (addPrepared, addMasked and PreparedKernel mirror this: change them together);
   * `usefulFlops` replaces the cost's own (a masked kernel's useful work
   * depends on the batch while the rest of its cost does not). */
  addKernel(c: KernelCost, category: KernelCategory, usefulFlops = c.usefulFlops): void {
    this.kernels++;
    this.timeNs += c.timeNs;
    this.cycles += c.cycles;
    this.issuedSlotFlops += c.issuedSlotFlops;
    this.activeFlops += c.activeFlops;
    this.usefulFlops += usefulFlops;
    this.divergentSlotFlops += c.divergentSlotFlops;
    this.units += c.units;
    this.divergentUnits += c.divergentUnits;
    this.dramBytes += c.dramBytes;
    this.energyPj += c.energyPj;
    if (category === 'regroup') {
      this.regroupNs += c.timeNs;
      return;
    }
    // the select that merges masked results with the bypass exists only because of masking
    if (category === 'blend') {
      this.maskedWasteNs += c.timeNs;
      return;
    }
    // split the kernel's time by its issued slots: discarded results, idle diverged lanes,
    // and the rest (useful work, including the tile padding it needs)
    const masked = c.issuedSlotFlops > 0 ? (c.activeFlops - usefulFlops) / c.issuedSlotFlops : 0;
    const div = c.issuedSlotFlops > 0 ? c.divergentSlotFlops / c.issuedSlotFlops : 0;
    this.maskedWasteNs += c.timeNs * masked;
    this.divergenceNs += c.timeNs * div;
    this.usefulComputeNs += c.timeNs * (1 - masked - div);
  }

  /** Adds a kernel prepared by PreparedKernel: the same sums as addKernel, with the products
   * and ratios done once (a replayed batch adds the same kernels over and over). */
  addPrepared(p: PreparedKernel): void {
    this.addSums(p, p.usefulFlops);
    if (p.category === 'regroup') {
      this.regroupNs += p.timeNs;
      return;
    }
    if (p.category === 'blend') {
      this.maskedWasteNs += p.timeNs;
      return;
    }
    this.maskedWasteNs += p.maskedWasteNs;
    this.divergenceNs += p.divergenceNs;
    this.usefulComputeNs += p.usefulComputeNs;
  }

  /** The sums addKernel starts with, from a prepared kernel (addPrepared, addMasked); addKernel
   * repeats them on cost objects: one function over both would load from four maps. */
  private addSums(p: PreparedKernel, usefulFlops: number): void {
    this.kernels++;
    this.timeNs += p.timeNs;
    this.cycles += p.cycles;
    this.issuedSlotFlops += p.issuedSlotFlops;
    this.activeFlops += p.activeFlops;
    this.usefulFlops += usefulFlops;
    this.divergentSlotFlops += p.divergentSlotFlops;
    this.units += p.units;
    this.divergentUnits += p.divergentUnits;
    this.dramBytes += p.dramBytes;
    this.energyPj += p.energyPj;
  }

  /** addKernel for a replayed masked kernel: the same sums in the same order, from its prepared
   * kernel (p.category is the kernel's category) with the batch's useful FLOPs. Every
   * PreparedKernel has one map, where the model's cost objects and their sustained-clock
   * copies have three: loads merged over those boxed each double (~70 bytes of garbage per
   * masked kernel). */
  addMasked(p: PreparedKernel, usefulFlops: number): void {
    this.addSums(p, usefulFlops);
    if (p.category === 'regroup') this.regroupNs += p.timeNs;
    else if (p.category === 'blend') this.maskedWasteNs += p.timeNs;
    else {
      const masked = p.issuedSlotFlops > 0 ? (p.activeFlops - usefulFlops) / p.issuedSlotFlops : 0;
      const div = p.issuedSlotFlops > 0 ? p.divergentSlotFlops / p.issuedSlotFlops : 0;
      this.maskedWasteNs += p.timeNs * masked;
      this.divergenceNs += p.timeNs * div;
      this.usefulComputeNs += p.timeNs * (1 - masked - div);
    }
  }

  /** `n` times addPrepared(p), as products (a recorded batch replayed n times). */
  addPreparedTimes(p: PreparedKernel, n: number): void {
    this.addSumsTimes(p, n, n * p.usefulFlops);
    if (p.category === 'regroup') this.regroupNs += n * p.timeNs;
    else if (p.category === 'blend') this.maskedWasteNs += n * p.timeNs;
    else {
      this.maskedWasteNs += n * p.maskedWasteNs;
      this.divergenceNs += n * p.divergenceNs;
      this.usefulComputeNs += n * p.usefulComputeNs;
    }
  }

  /** addMasked(p, u_i) for n replays whose useful FLOPs sum to `usefulSum`: every term of
   * addMasked is linear in u_i, so the n additions are products and that sum. */
  addMaskedTimes(p: PreparedKernel, n: number, usefulSum: number): void {
    this.addSumsTimes(p, n, usefulSum);
    if (p.category === 'regroup') this.regroupNs += n * p.timeNs;
    else if (p.category === 'blend') this.maskedWasteNs += n * p.timeNs;
    else {
      const I = p.issuedSlotFlops;
      // each share as one product (a difference of rounded products could go below 0):
      // masked (A - u) / I, divergent D / I, the rest (I - A - D + u) / I, summed over the n
      this.maskedWasteNs += I > 0 ? (p.timeNs * (n * p.activeFlops - usefulSum)) / I : 0;
      this.divergenceNs += I > 0 ? (n * p.timeNs * p.divergentSlotFlops) / I : 0;
      this.usefulComputeNs += I > 0 ? (p.timeNs * (n * (I - p.activeFlops - p.divergentSlotFlops) + usefulSum)) / I : n * p.timeNs;
    }
  }

  private addSumsTimes(p: PreparedKernel, n: number, usefulFlops: number): void {
    this.kernels += n;
    this.timeNs += n * p.timeNs;
    this.cycles += n * p.cycles;
    this.issuedSlotFlops += n * p.issuedSlotFlops;
    this.activeFlops += n * p.activeFlops;
    this.usefulFlops += usefulFlops;
    this.divergentSlotFlops += n * p.divergentSlotFlops;
    this.units += n * p.units;
    this.divergentUnits += n * p.divergentUnits;
    this.dramBytes += n * p.dramBytes;
    this.energyPj += n * p.energyPj;
  }

  /** Adds another tally into this one. */
  merge(o: Tally): void {
    this.kernels += o.kernels;
    this.timeNs += o.timeNs;
    this.cycles += o.cycles;
    this.issuedSlotFlops += o.issuedSlotFlops;
    this.activeFlops += o.activeFlops;
    this.usefulFlops += o.usefulFlops;
    this.droppedFlops += o.droppedFlops;
    this.divergentSlotFlops += o.divergentSlotFlops;
    this.units += o.units;
    this.divergentUnits += o.divergentUnits;
    this.dramBytes += o.dramBytes;
    this.energyPj += o.energyPj;
    this.controlTransfers += o.controlTransfers;
    this.controlTransferNs += o.controlTransferNs;
    this.usefulComputeNs += o.usefulComputeNs;
    this.maskedWasteNs += o.maskedWasteNs;
    this.divergenceNs += o.divergenceNs;
    this.regroupNs += o.regroupNs;
    this.idleOnHostNs += o.idleOnHostNs;
    this.reconfigurations += o.reconfigurations;
    this.reconfigurationNs += o.reconfigurationNs;
  }

  addControl(roundTripNs: number): void {
    this.controlTransfers++;
    this.controlTransferNs += roundTripNs;
  }
}

/**
 * A kernel's additions to a tally (see Tally.addPrepared), computed with addKernel's
 * expressions. A class, not a copy of the cost: every instance has the same shape, so the
 * replay loop's loads stay monomorphic.
 */
export class PreparedKernel {
  readonly timeNs: number;
  readonly cycles: number;
  readonly issuedSlotFlops: number;
  readonly activeFlops: number;
  readonly usefulFlops: number;
  readonly divergentSlotFlops: number;
  readonly units: number;
  readonly divergentUnits: number;
  readonly dramBytes: number;
  readonly energyPj: number;
  readonly category: KernelCategory;
  readonly maskedWasteNs: number;
  readonly divergenceNs: number;
  readonly usefulComputeNs: number;

  constructor(c: KernelCost, category: KernelCategory) {
    this.timeNs = c.timeNs;
    this.cycles = c.cycles;
    this.issuedSlotFlops = c.issuedSlotFlops;
    this.activeFlops = c.activeFlops;
    this.usefulFlops = c.usefulFlops;
    this.divergentSlotFlops = c.divergentSlotFlops;
    this.units = c.units;
    this.divergentUnits = c.divergentUnits;
    this.dramBytes = c.dramBytes;
    this.energyPj = c.energyPj;
    this.category = category;
    const masked = c.issuedSlotFlops > 0 ? (c.activeFlops - c.usefulFlops) / c.issuedSlotFlops : 0;
    const div = c.issuedSlotFlops > 0 ? c.divergentSlotFlops / c.issuedSlotFlops : 0;
    this.maskedWasteNs = c.timeNs * masked;
    this.divergenceNs = c.timeNs * div;
    this.usefulComputeNs = c.timeNs * (1 - masked - div);
  }
}

/**
 * Accelerator utilisation over time in bounded memory: per batch (start, end, busy time);
 * when the series is full, neighbouring entries merge, halving the resolution.
 */
export class UtilizationSeries {
  private starts: number[] = [];
  private ends: number[] = [];
  private busy: number[] = [];

  constructor(private readonly capacity = 512) {}

  add(startNs: number, endNs: number, busyNs: number): void {
    if (endNs <= startNs) return;
    this.starts.push(startNs);
    this.ends.push(endNs);
    this.busy.push(busyNs);
    if (this.starts.length >= this.capacity) {
      const s: number[] = [];
      const e: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < this.starts.length; i += 2) {
        const j = Math.min(i + 1, this.starts.length - 1);
        s.push(this.starts[i]!);
        e.push(this.ends[j]!);
        b.push(this.busy[i]! + (j !== i ? this.busy[j]! : 0));
      }
      this.starts = s;
      this.ends = e;
      this.busy = b;
    }
  }

  /** Points: the middle of each interval and the accelerator's busy share in it. */
  points(): { tNs: number; utilization: number }[] {
    return this.starts.map((s, i) => ({
      tNs: (s + this.ends[i]!) / 2,
      utilization: Math.min(1, this.busy[i]! / (this.ends[i]! - s)),
    }));
  }
}

/**
 * Log-bucketed histogram: bucket i holds values in [R^i, R^(i+1)) ns with R = 1.001, so a
 * percentile is within 0.05% of the exact one; memory is fixed whatever the sample count.
 */
export class LatencyHistogram {
  private static readonly R = 1.001;
  private static readonly LOG_R = Math.log(1.001);
  /** Buckets 0 .. 2^15 - 1 cover 1 ns to 1.001^32768 ns (about 5e14 ns, 6 days). */
  private static readonly BUCKETS = 1 << 15;
  private readonly counts = new Float64Array(LatencyHistogram.BUCKETS);
  count = 0;
  min = Infinity;
  max = 0;
  sum = 0;

  /** The latest value added and its bucket: the samples of a batch often share a latency. */
  private lastNs = NaN;
  private lastBucket = 0;

  add(ns: number): void {
    if (ns < this.min) this.min = ns;
    let b = this.lastBucket;
    if (ns !== this.lastNs) {
      b = LatencyHistogram.bucketOf(ns);
      this.lastNs = ns;
      this.lastBucket = b;
    }
    this.counts[b]!++;
    this.count++;
    this.sum += ns;
    if (ns > this.max) this.max = ns;
  }

  private static bucketOf(ns: number): number {
    return Math.min(LatencyHistogram.BUCKETS - 1, Math.floor(Math.log(Math.max(ns, 1)) / LatencyHistogram.LOG_R));
  }

  /** Nearest-rank percentile (p in 0..100), reported at the bucket's geometric centre
   * (clamped to the observed minimum and maximum). The scan starts at the minimum's bucket:
   * the buckets below are empty (a millisecond latency sits ~14,000 buckets up). */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let k = LatencyHistogram.bucketOf(this.min); k < LatencyHistogram.BUCKETS; k++) {
      seen += this.counts[k]!;
      if (seen >= rank) return Math.max(this.min, Math.min(this.max, Math.pow(LatencyHistogram.R, k + 0.5)));
    }
    return this.max;
  }

  /** Cumulative distribution at bucket resolution: [latencyNs, fraction <= it]. */
  cdf(points = 100): [number, number][] {
    // percentile() for each point, in one pass over the buckets (ranks never decrease)
    const out: [number, number][] = [];
    let k = this.count > 0 ? LatencyHistogram.bucketOf(this.min) : 0;
    let seen = this.count > 0 ? this.counts[k]! : 0;
    for (let i = 1; i <= points; i++) {
      const p = (100 * i) / points;
      if (this.count === 0) {
        out.push([0, i / points]);
        continue;
      }
      const rank = Math.max(1, Math.ceil((p / 100) * this.count));
      while (seen < rank && k < LatencyHistogram.BUCKETS - 1) seen += this.counts[++k]!;
      const v = seen >= rank ? Math.max(this.min, Math.min(this.max, Math.pow(LatencyHistogram.R, k + 0.5))) : this.max;
      out.push([v, i / points]);
    }
    return out;
  }
}

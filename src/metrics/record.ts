/**
 * Turns the engine's tallies into the published metric records (names and units defined in
 * docs/metrics.md). Plain data in, plain data out.
 */
import type { Tally } from './accumulator.js';
import type { SimulationOutput } from '../engine/simulate.js';

export interface TimeBreakdownNs {
  usefulCompute: number;
  maskedWaste: number;
  divergence: number;
  /** Gather/scatter kernels of regrouping strategies. */
  regroup: number;
  controlTransfer: number;
  reconfiguration: number;
  idle: number;
  /** Mean per-sample wait between arrival and the start of its batch (not part of the sum). */
  queueing: number;
}

export interface RunMetrics {
  totalCycles: number;
  totalTimeNs: number;
  throughputSamplesPerS: number;
  latencyNs: { p50: number; p95: number; p99: number; max: number; mean: number };
  simdEfficiency: number;
  divergentWarps: number;
  executedFlops: number;
  usefulFlops: number;
  droppedFlops: number;
  maskWasteFraction: number;
  controlTransfers: number;
  controlTransferNs: number;
  acceleratorIdleOnHostFraction: number;
  utilization: { accelerator: number; compute: number; host: number; link: number };
  energyPj: number;
  wastedEnergyPj: number;
  idealSaving: number;
  achievedSaving: number;
  deadlineMissRate?: number;
  /** Anytime mode: samples forced out before the exit their decision named. */
  forcedExits?: number;
  timeNs: TimeBreakdownNs;
  /** Spatial arrays: configuration loads (a precompiled configuration not resident). */
  reconfigurations: number;
  kernels: number;
  samples: number;
  batches: number;
  decisions: number;
}

export interface ScopeMetrics {
  kernels: number;
  totalTimeNs: number;
  totalCycles: number;
  simdEfficiency: number;
  divergentWarps: number;
  executedFlops: number;
  usefulFlops: number;
  /** Routed work the strategy dropped (not computed): tokens over an expert's capacity. */
  droppedFlops: number;
  maskWasteFraction: number;
  controlTransfers: number;
  controlTransferNs: number;
  energyPj: number;
  /** 1 - (useful + dropped) FLOPs / FLOPs of the same scope under the static strategy: the
   * saving the decisions allow, the same for every strategy. */
  idealSaving: number;
  /** 1 - time / time of the same scope under the static strategy. */
  achievedSaving: number;
  timeNs: Omit<TimeBreakdownNs, 'queueing' | 'idle'>;
  /** Spatial arrays: configuration loads in this scope. */
  reconfigurations: number;
}

const ratio = (a: number, b: number, empty = 0) => (b > 0 ? a / b : empty);

/** Metrics of one scope (a gate or a layer) against the same scope in the baseline run. */
export function scopeMetrics(t: Tally, base: Tally | undefined, clockGhz: number): ScopeMetrics {
  const time = t.timeNs + t.idleOnHostNs;
  const baseTime = base ? base.timeNs + base.idleOnHostNs : 0;
  return {
    kernels: t.kernels,
    totalTimeNs: time,
    totalCycles: time * clockGhz,
    simdEfficiency: ratio(t.activeFlops, t.issuedSlotFlops, 1),
    divergentWarps: t.divergentUnits,
    executedFlops: t.activeFlops,
    usefulFlops: t.usefulFlops,
    droppedFlops: t.droppedFlops,
    maskWasteFraction: 1 - ratio(t.usefulFlops, t.activeFlops, 1),
    controlTransfers: t.controlTransfers,
    controlTransferNs: t.controlTransferNs,
    energyPj: t.energyPj,
    idealSaving: base && base.activeFlops > 0 ? 1 - (t.usefulFlops + t.droppedFlops) / base.activeFlops : 0,
    achievedSaving: baseTime > 0 ? 1 - time / baseTime : 0,
    timeNs: {
      usefulCompute: t.usefulComputeNs,
      maskedWaste: t.maskedWasteNs,
      divergence: t.divergenceNs,
      regroup: t.regroupNs,
      controlTransfer: t.idleOnHostNs,
      reconfiguration: t.reconfigurationNs,
    },
    reconfigurations: t.reconfigurations,
  };
}

export interface RunMetricInputs {
  sim: SimulationOutput;
  baselineTimeNs: number;
  /** FLOPs per sample of the static network. */
  staticFlopsPerSample: number;
  clockGhz: number;
  staticPowerW: number;
  /** Peak FLOP/s of the accelerator at the network's dtype. */
  peakFlopsPerNs: number;
  budgetNs?: number;
}

export function runMetrics(r: RunMetricInputs): RunMetrics {
  const { sim } = r;
  const m = sim.machine;
  const t = m.total;
  const total = sim.totalTimeNs;
  const busy = t.usefulComputeNs + t.maskedWasteNs + t.divergenceNs + t.regroupNs + t.reconfigurationNs;
  const idle = Math.max(0, total - busy - t.idleOnHostNs);
  const staticPj = r.staticPowerW * total * 1000; // W x ns = nJ
  const maskedShare = 1 - ratio(t.usefulFlops, t.activeFlops, 1);
  const out: RunMetrics = {
    totalCycles: total * r.clockGhz,
    totalTimeNs: total,
    throughputSamplesPerS: ratio(sim.samples * 1e9, total),
    latencyNs: {
      p50: sim.latency.percentile(50),
      p95: sim.latency.percentile(95),
      p99: sim.latency.percentile(99),
      max: sim.latency.max,
      mean: ratio(sim.latency.sum, sim.latency.count),
    },
    simdEfficiency: ratio(t.activeFlops, t.issuedSlotFlops, 1),
    divergentWarps: t.divergentUnits,
    executedFlops: t.activeFlops,
    usefulFlops: t.usefulFlops,
    droppedFlops: t.droppedFlops,
    maskWasteFraction: maskedShare,
    controlTransfers: t.controlTransfers,
    controlTransferNs: t.controlTransferNs,
    acceleratorIdleOnHostFraction: ratio(t.idleOnHostNs, total),
    utilization: {
      accelerator: ratio(m.accelBusyNs - m.priorBusyNs, total),
      compute: ratio(t.activeFlops, r.peakFlopsPerNs * total),
      host: ratio(m.hostBusyNs, total),
      link: ratio(m.linkBusyNs, total),
    },
    energyPj: t.energyPj + staticPj,
    wastedEnergyPj:
      t.energyPj * maskedShare +
      r.staticPowerW * (t.maskedWasteNs + t.divergenceNs + t.idleOnHostNs + t.reconfigurationNs) * 1000,
    idealSaving: sim.samples > 0 ? 1 - (t.usefulFlops + t.droppedFlops) / (r.staticFlopsPerSample * sim.samples) : 0,
    achievedSaving: r.baselineTimeNs > 0 ? 1 - total / r.baselineTimeNs : 0,
    timeNs: {
      usefulCompute: t.usefulComputeNs,
      maskedWaste: t.maskedWasteNs,
      divergence: t.divergenceNs,
      regroup: t.regroupNs,
      controlTransfer: t.idleOnHostNs,
      reconfiguration: t.reconfigurationNs,
      idle,
      queueing: ratio(sim.queueingNsSum, sim.samples),
    },
    reconfigurations: t.reconfigurations,
    kernels: t.kernels,
    samples: sim.samples,
    batches: sim.batches,
    decisions: sim.decisions,
  };
  if (r.budgetNs !== undefined) out.deadlineMissRate = ratio(sim.deadlineMisses, sim.samples);
  return out;
}

/**
 * The replay loop: batches -> program steps -> strategy -> Exec (hardware costs, timelines,
 * tallies). Deterministic: no I/O besides the TraceSource, no wall clock, no global state.
 */
import type { ResolvedNetwork } from '../network/resolve.js';
import type { ResolvedHardware } from '../hardware/resolve.js';
import type { TraceSource } from '../trace/source.js';
import type { AcceleratorModel } from '../hardware/types.js';
import { LatencyHistogram } from '../metrics/accumulator.js';
import { getStrategy } from '../strategy/registry.js';
import type { StrategyKind } from '../strategy/types.js';
import { checkTraceMatchesNetwork } from '../trace/compat.js';
import { formBatches, type BatchingOptions } from './batching.js';
import { Exec, Machine, RowState, netShapes, type Slot } from './exec.js';
import { buildProgram } from './program.js';

export interface SimulationConfig {
  net: ResolvedNetwork;
  hw: ResolvedHardware;
  accel: AcceleratorModel;
  source: TraceSource;
  /** Strategy of every gate not in `plan`. */
  strategy: StrategyKind;
  /** Per-gate strategy overrides. */
  plan?: Readonly<Record<string, StrategyKind>>;
  batching: BatchingOptions;
  /** Per-sample latency budget (deadline), ns. */
  budgetNs?: number;
  /** Called after each batch with the samples done so far. */
  onProgress?: (samplesDone: number) => void;
}

export interface SimulationOutput {
  machine: Machine;
  latency: LatencyHistogram;
  samples: number;
  /** Gate outcomes replayed: one per sample and gate met, one per token at MoE and spatial gates. */
  decisions: number;
  batches: number;
  queueingNsSum: number;
  deadlineMisses: number;
  totalTimeNs: number;
  /** Samples that left at each exit index, per exit gate. */
  exitCounts: Record<string, number[]>;
}

export async function simulate(cfg: SimulationConfig): Promise<SimulationOutput> {
  const { net, source } = cfg;
  checkTraceMatchesNetwork(source.header, net, source.origin);
  const machine = new Machine(cfg.hw.spec, cfg.accel);
  const sh = netShapes(net);
  const program = buildProgram(net);
  const strategyOf = (gateId: string) => getStrategy(cfg.plan?.[gateId] ?? cfg.strategy);
  const decisionWeight = new Map(
    net.gates.map((g) => [g.gate.id, g.gate.kind === 'moe' ? g.gate.tokens : g.gate.kind === 'spatial' ? g.gate.positions : 1]),
  );
  const latency = new LatencyHistogram();
  const exitCounts: Record<string, number[]> = {};
  for (const g of net.gates) if (g.gate.kind === 'exit') exitCounts[g.gate.id] = new Array<number>(g.gate.exits.length + 1).fill(0);
  const out: SimulationOutput = {
    machine,
    latency,
    samples: 0,
    decisions: 0,
    batches: 0,
    queueingNsSum: 0,
    deadlineMisses: 0,
    totalTimeNs: 0,
    exitCounts,
  };

  for await (const batch of formBatches(source.samples(), cfg.batching, source.origin)) {
    const slots: Slot[] = batch.samples.map((s, k) => ({
      index: s.i,
      arrivalNs: batch.arrivalsNs[k]!,
      d: s.d,
      state: RowState.Alive,
      doneNs: NaN,
      exitIndex: -1,
    }));
    for (const s of batch.samples) for (const gid in s.d) out.decisions += decisionWeight.get(gid) ?? 1;
    machine.hostT = Math.max(machine.hostT, batch.readyNs);
    if (machine.accelT < batch.readyNs) {
      machine.idleNs += batch.readyNs - machine.accelT;
      machine.accelT = batch.readyNs;
      machine.syncAt = null;
    }
    const x = new Exec(machine, net, sh, slots);
    for (const step of program) {
      if (step.gate) strategyOf(step.gate.gate.id).gatedLayer(x, step.gate, step.layer, step.first, step.last);
      else x.denseLayer(step.layer);
      for (const g of step.moeAfter) strategyOf(g.gate.id).moe(x, g);
      for (const { gate, exitIndex } of step.exitsAfter) strategyOf(gate.gate.id).exit(x, gate, exitIndex);
    }
    const start = x.firstStartNs ?? machine.accelT;
    for (const s of slots) {
      if (Number.isNaN(s.doneNs)) s.doneNs = machine.accelT;
      if (Number.isNaN(s.arrivalNs)) s.arrivalNs = start; // offline: latency from the batch start
      const lat = s.doneNs - s.arrivalNs;
      latency.add(lat);
      out.queueingNsSum += Math.max(0, start - s.arrivalNs);
      if (cfg.budgetNs !== undefined && lat > cfg.budgetNs) out.deadlineMisses++;
      for (const gid in exitCounts) {
        const e = s.exitIndex >= 0 ? s.exitIndex : exitCounts[gid]!.length - 1;
        exitCounts[gid]![e]!++;
      }
    }
    out.samples += slots.length;
    out.batches++;
    cfg.onProgress?.(out.samples);
  }
  out.totalTimeNs = Math.max(machine.accelT, machine.hostT);
  return out;
}

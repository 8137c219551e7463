/**
 * `mask`: predication. The whole batch goes through every branch (every expert on every
 * token, every step, every position, full channels) and unneeded results are discarded:
 * the discarded FLOPs are masking waste. Exited samples stay in the batch, computed and
 * masked, and complete with the batch.
 */
import type { RowRun } from '../hardware/types.js';
import type { Strategy } from './types.js';
import type { Exec, Slot } from '../engine/exec.js';
import type { ResolvedGate } from '../network/resolve.js';
import { aliveShare, forEachStep, leavingAt, RowState, runHead, tokenExperts } from './common.js';
import { IDLE, RUN_PATH, kernelOf, pushRun } from '../engine/kernels.js';

/** Every present row on the full path; exited rows computed (masked) or idle. */
function maskRuns(slots: readonly Slot[], rowsPerSample: number): RowRun[] {
  const runs: RowRun[] = [];
  for (const slot of slots) {
    if (slot.state === RowState.Removed) continue;
    pushRun(runs, rowsPerSample, slot.state === RowState.DeadIdle ? IDLE : RUN_PATH, slot.state === RowState.Alive ? 1 : 0);
  }
  return runs;
}

/** Tokens of the alive samples routed to each expert of an MoE gate (once per batch state). */
function expertLoad(x: Exec, g: ResolvedGate): number[] {
  let load = x.expertLoads.get(g.index);
  if (load) return load;
  const gate = g.gate;
  load = new Array<number>(gate.kind === 'moe' ? gate.experts : 0).fill(0);
  for (const slot of x.slots) {
    if (slot.state !== RowState.Alive) continue;
    for (const experts of tokenExperts(g, slot)) for (const e of experts) load[e]!++;
  }
  x.expertLoads.set(g.index, load);
  return load;
}

export const maskStrategy: Strategy = {
  kind: 'mask',
  appliesTo: ['gpu-simt', 'spatial-array'],
  gatedLayer(x, g, layerIdx, first) {
    const shape = x.sh.layers[layerIdx]!;
    const name = x.net.spec.layers[layerIdx]!.name;
    forEachStep(g, first, () => x.decider(g), (t) => {
      // every present row computes; only the useful FLOPs depend on the decisions
      const useful = (y: Exec) => aliveShare(y, g, layerIdx, t) * shape.rowsPerSample * shape.full.flopsPerRow;
      x.kernelMasked(() => kernelOf(name, shape, maskRuns(x.slots, shape.rowsPerSample)), useful, x.m.tags.layer[layerIdx]!);
    });
  },
  moe(x, g) {
    const gate = g.gate;
    if (gate.kind !== 'moe') return;
    x.decider(g);
    const shapes = x.sh.experts.get(gate.id)!;
    for (let e = 0; e < gate.experts; e++)
      gate.expert.forEach((l, k) => {
        const shape = shapes[k]!;
        const r = shape.rowsPerSample;
        const useful = (y: Exec) => expertLoad(y, g)[e]! * r * shape.full.flopsPerRow;
        x.kernelMasked(() => kernelOf(l.name, shape, maskRuns(x.slots, gate.tokens * r)), useful, x.m.tags.expert[g.index]![k]!);
      });
  },
  exit(x, g, exitIndex) {
    runHead(x, g, exitIndex);
    x.exitSamples(leavingAt(x, g.gate.id, exitIndex), exitIndex, RowState.DeadComputed);
  },
  // exits change the batch's row states, and so the kernels after them
  replayable: (g) => g.gate.kind !== 'exit',
};

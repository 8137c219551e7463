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
import { activationElements, aliveShare, expertLoad, forEachStep, leavingAt, presentCount, RowState, runHead } from './common.js';
import { IDLE, RUN_PATH, copyKernel, kernelOf, pushRun } from '../engine/kernels.js';

/** Every present row on the full path; exited rows computed (masked) or idle. */
function maskRuns(slots: readonly Slot[], rowsPerSample: number): RowRun[] {
  const runs: RowRun[] = [];
  for (const slot of slots) {
    if (slot.state === RowState.Removed) continue;
    pushRun(runs, rowsPerSample, slot.state === RowState.DeadIdle ? IDLE : RUN_PATH, slot.state === RowState.Alive ? 1 : 0);
  }
  return runs;
}

function blend(x: Exec, g: ResolvedGate, layerIdx: number): void {
  const present = presentCount(x);
  const elements = present * activationElements(x, layerIdx).output;
  const dtype = x.net.spec.layers[layerIdx]!.dtype ?? x.net.spec.dtype;
  x.kernelFixed(`blend${present}:${layerIdx}`, () => copyKernel(`blend:${g.gate.id}`, elements, dtype, 'select', 2), x.m.tags.blend[g.index]!);
}

export const maskStrategy: Strategy = {
  kind: 'mask',
  appliesTo: ['gpu-simt', 'spatial-array'],
  gatedLayer(x, g, layerIdx, first, last) {
    const shape = x.sh.layers[layerIdx]!;
    const name = x.net.spec.layers[layerIdx]!.name;
    forEachStep(g, first, () => x.decider(g), (t) => {
      // every present row computes; only the useful FLOPs depend on the decisions
      const useful = (y: Exec) => aliveShare(y, g, layerIdx, t) * shape.rowsPerSample * shape.full.flopsPerRow;
      x.kernelMasked(() => kernelOf(name, shape, maskRuns(x.slots, shape.rowsPerSample)), useful, x.m.tags.layer[layerIdx]!);
      // at the region's end a select merges the computed output with the bypass by the mask
      // (torch.where(mask, f(x), x)): reads both, writes one; an elementwise kernel of its own
      if (last) blend(x, g, layerIdx);
    });
  },
  moe(x, g) {
    const gate = g.gate;
    if (gate.kind !== 'moe') return;
    x.decider(g);
    const shapes = x.sh.experts.get(gate.id)!;
    const last = shapes[shapes.length - 1]!;
    const present = presentCount(x);
    // each expert's output is weighted by the routing (0 where not routed) and accumulated:
    // out += w[:, e] * y_e, an element-wise kernel with a broadcast weight per expert
    const outElements = present * gate.tokens * (last.full.n || last.rowsPerSample); // as regroupMoe's scatter
    for (let e = 0; e < gate.experts; e++) {
      gate.expert.forEach((l, k) => {
        const shape = shapes[k]!;
        const r = shape.rowsPerSample;
        const useful = (y: Exec) => expertLoad(y, g)[e]! * r * shape.full.flopsPerRow;
        x.kernelMasked(() => kernelOf(l.name, shape, maskRuns(x.slots, gate.tokens * r)), useful, x.m.tags.expert[g.index]![k]!);
      });
      x.kernelFixed(`combine${present}:${g.index}`, () => copyKernel(`combine:${gate.id}`, outElements, last.dtype, 'select', 2), x.m.tags.blend[g.index]!);
    }
  },
  exit(x, g, exitIndex) {
    runHead(x, g, exitIndex);
    x.exitSamples(leavingAt(x, g.gate.id, exitIndex), exitIndex, RowState.DeadComputed);
  },
  // exits change the batch's row states, and so the kernels after them
  replayable: (g) => g.gate.kind !== 'exit',
};

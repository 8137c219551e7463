/**
 * `capacity`: static shapes for mixture-of-experts layers, the dispatch of GShard and the
 * Switch Transformer (Lepikhin et al. 2020; Fedus et al. 2022). Every expert gets exactly
 * C = ceil(capacityFactor x tokens in the batch x topK / experts) token slots, whatever the
 * routing: tokens routed to an expert beyond its C are dropped (not computed), and unfilled
 * slots are padding, computed and discarded (masking waste). Because no shape depends on the
 * decisions, the whole layer can be captured in a CUDA graph without a host round trip.
 *
 * Kernels per MoE gate: the router; a gather of E x C token rows into the slots (index_select
 * with a slot -> token map, padding slots pointing at a zero row); per expert layer one
 * batched GEMM over the E entries of C rows (each expert its own weights, each entry tiled on
 * its own); a gather of the tokens x topK expert outputs back to token order; and their
 * weighted sum (reads topK rows per token, writes one).
 *
 * Other gates have no capacity to pad to: they run as under `mask`, the other static-shape
 * strategy (every row computes, unneeded results are discarded).
 */
import type { Strategy } from './types.js';
import type { Exec } from '../engine/exec.js';
import type { ResolvedGate } from '../network/resolve.js';
import type { RowRun } from '../hardware/types.js';
import { copyKernel, kernelOf, pushRun, RUN_PATH } from '../engine/kernels.js';
import { maskStrategy } from './mask.js';
import { expertLoad, presentCount } from './common.js';
import { expertCapacity } from '../network/capacity.js';

function moe(x: Exec, g: ResolvedGate): void {
  const gate = g.gate;
  if (gate.kind !== 'moe') return;
  x.decider(g);
  const shapes = x.sh.experts.get(gate.id)!;
  const first = shapes[0]!;
  const last = shapes[shapes.length - 1]!;
  const present = presentCount(x);
  const tokens = present * gate.tokens;
  const E = gate.experts;
  const C = expertCapacity(gate.capacityFactor, tokens, gate.topK, E);
  const copyTag = x.m.tags.copy[g.index]!;
  // kept tokens: each expert computes at most C of those routed to it; the rest is dropped
  let kept = 0;
  let routed = 0;
  for (const n of expertLoad(x, g)) {
    kept += Math.min(n, C);
    routed += n;
  }
  // dispatch: every slot is written, from its token or from the zero row
  x.kernelFixed(`capd${E * C}:${g.index}`, () => copyKernel(`gather:${gate.id}`, E * C * first.full.k, first.dtype, 'gather'), copyTag, 'gather');
  gate.expert.forEach((l, k) => {
    const shape = shapes[k]!;
    const r = shape.rowsPerSample;
    const spec = () => {
      // a layer without weights (an activation) is one element-wise kernel over every slot
      if (shape.full.weightBytes === 0) return kernelOf(l.name, shape, [{ rows: E * C * r, paths: RUN_PATH, useful: 1 }]);
      const runs: RowRun[] = [];
      for (let e = 0; e < E; e++) pushRun(runs, C * r, [e], 1);
      return { ...kernelOf(l.name, shape, runs, Array.from({ length: E }, () => shape.full)), entries: Array.from({ length: E }, () => C * r) };
    };
    const tag = x.m.tags.expert[g.index]![k]!;
    x.kernelMasked(spec, () => kept * r * shape.full.flopsPerRow, tag);
    if (routed > kept) x.dropWork(tag, (routed - kept) * r * shape.full.flopsPerRow);
  });
  // combine: each token's topK expert outputs back in token order, then their weighted sum
  const outWidth = last.full.n || last.rowsPerSample; // as regroupMoe's scatter
  x.kernelFixed(`capc${tokens}:${g.index}`, () => copyKernel(`gather:${gate.id}`, tokens * gate.topK * outWidth, last.dtype, 'gather'), copyTag, 'gather');
  x.kernelFixed(`capw${tokens}:${g.index}`, () => copyKernel(`combine:${gate.id}`, tokens * outWidth, last.dtype, 'select', gate.topK), copyTag, 'other');
}

export const capacityStrategy: Strategy = {
  kind: 'capacity',
  appliesTo: ['gpu-simt', 'spatial-array'],
  gatedLayer: maskStrategy.gatedLayer,
  moe,
  exit: maskStrategy.exit,
  // what is dropped depends on the routing: MoE gates are walked every batch
  replayable: (g) => g.gate.kind !== 'exit' && g.gate.kind !== 'moe',
};

/**
 * `grouped` (GPUs): as `compact`, except that an MoE layer's experts run as one grouped GEMM
 * launch (a kernel that takes every expert's token group, with its own size, and tiles each
 * group apart: CUTLASS grouped GEMM, `torch._grouped_mm`, MegaBlocks) instead of one GEMM
 * launch per expert. The work is the same; the launches, dispatches and graph nodes of E - 1
 * GEMMs per expert layer are not paid. Gates other than MoE regroup as under `compact`.
 */
import type { Strategy } from './types.js';
import { regroupExit, regroupGatedLayer, regroupMoe } from './regroup.js';

const mode = { host: false, grouped: true };

export const groupedStrategy: Strategy = {
  kind: 'grouped',
  appliesTo: ['gpu-simt'],
  gatedLayer: (x, g, layerIdx, first, last) => regroupGatedLayer(mode, x, g, layerIdx, first, last),
  moe: (x, g) => regroupMoe(mode, x, g),
  exit: (x, g, exitIndex) => regroupExit(mode, x, g, exitIndex),
};

/**
 * `grouped` (GPUs): as `compact`, except that an MoE layer's experts run as one grouped GEMM
 * launch (a kernel that takes every expert's token group, with its own size, and tiles each
 * group apart: CUTLASS grouped GEMM, `torch._grouped_mm`, MegaBlocks) instead of one GEMM
 * launch per expert. The work is the same; the launches, dispatches and graph nodes of E - 1
 * GEMMs per expert layer are not paid. Gates other than MoE regroup as under `compact`.
 */
import { regroupingStrategy } from './regroup.js';

export const groupedStrategy = regroupingStrategy('grouped', ['gpu-simt'], { host: false, grouped: true });

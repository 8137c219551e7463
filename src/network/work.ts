/**
 * Per-layer work derived from per-sample shapes: MACs, FLOPs, bytes of weights, inputs and
 * outputs, and the GEMM view (M x K x N per sample) of matrix layers. Pure functions.
 * FLOP conventions: one multiply-accumulate = 2 FLOPs (as in the MLPerf / fvcore counts).
 */
import type { Dtype, Layer } from '../formats/network.js';
import { DTYPE_BYTES } from '../formats/dtypes.js';

export interface GemmShape {
  /** Rows per sample (output positions or tokens). */
  m: number;
  /** Reduction length. */
  k: number;
  /** Output columns (features or filters). */
  n: number;
}

export interface LayerWork {
  /** Multiply-accumulates per sample (0 for layers without a reduction). */
  macs: number;
  /** FLOPs per sample. */
  flops: number;
  /** Parameter bytes (read once per batch). */
  weightBytes: number;
  /** Activation bytes read per sample. */
  inputBytes: number;
  /** Activation bytes written per sample. */
  outputBytes: number;
  /** GEMM view for linear and conv2d (im2col lowering); absent otherwise. */
  gemm?: GemmShape;
}

/** Output size of a convolution or pooling window: floor((x + 2p - r) / stride) + 1. */
export function convOut(x: number, r: number, stride: number, padding: number): number {
  return Math.floor((x + 2 * padding - r) / stride) + 1;
}

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** FLOPs per softmax score: max, subtract, exp, sum, divide. */
export const SOFTMAX_FLOPS_PER_SCORE = 5;

export function layerWork(layer: Layer, networkDtype: Dtype): LayerWork {
  const b = DTYPE_BYTES[layer.dtype ?? networkDtype];
  switch (layer.kind) {
    case 'linear': {
      const macs = layer.rows * layer.inFeatures * layer.outFeatures;
      const biasFlops = layer.bias ? layer.rows * layer.outFeatures : 0;
      return {
        macs,
        flops: 2 * macs + biasFlops,
        weightBytes: (layer.inFeatures * layer.outFeatures + (layer.bias ? layer.outFeatures : 0)) * b,
        inputBytes: layer.rows * layer.inFeatures * b,
        outputBytes: layer.rows * layer.outFeatures * b,
        gemm: { m: layer.rows, k: layer.inFeatures, n: layer.outFeatures },
      };
    }
    case 'conv2d': {
      const p = convOut(layer.h, layer.r, layer.stride, layer.padding);
      const q = convOut(layer.w, layer.s, layer.stride, layer.padding);
      const cPerGroup = layer.c / layer.groups;
      const macs = p * q * layer.k * layer.r * layer.s * cPerGroup;
      return {
        macs,
        flops: 2 * macs,
        weightBytes: layer.k * layer.r * layer.s * cPerGroup * b,
        inputBytes: layer.h * layer.w * layer.c * b,
        outputBytes: p * q * layer.k * b,
        // im2col: one GEMM row per output pixel, K = R*S*C/groups (SCALE-Sim's lowering)
        gemm: { m: p * q, k: layer.r * layer.s * cPerGroup, n: layer.k },
      };
    }
    case 'attention': {
      const kv = layer.kvTokens ?? layer.tokens;
      const scores = layer.heads * layer.tokens * kv;
      const macs = 2 * scores * layer.headDim; // QK^T and (softmax)V
      return {
        macs,
        flops: 2 * macs + SOFTMAX_FLOPS_PER_SCORE * scores,
        weightBytes: 0,
        inputBytes: (layer.tokens + 2 * kv) * layer.heads * layer.headDim * b,
        outputBytes: layer.tokens * layer.heads * layer.headDim * b,
      };
    }
    case 'elementwise': {
      const n = product(layer.shape);
      return {
        macs: 0,
        flops: n * layer.flopsPerElement,
        weightBytes: 0,
        inputBytes: n * layer.operands * b,
        outputBytes: n * b,
      };
    }
    case 'norm': {
      const n = product(layer.shape);
      return {
        macs: 0,
        flops: n * layer.flopsPerElement,
        // scale and shift per normalised feature: channels (first axis) for batchnorm,
        // the last axis for layer/group/RMS norm
        weightBytes:
          2 * ((layer.op === 'batchnorm' ? layer.shape[0] : layer.shape[layer.shape.length - 1]) ?? 1) * b,
        inputBytes: n * b,
        outputBytes: n * b,
      };
    }
    case 'pooling': {
      const p = convOut(layer.h, layer.r, layer.stride, layer.padding);
      const q = convOut(layer.w, layer.s, layer.stride, layer.padding);
      return {
        macs: 0,
        flops: p * q * layer.c * layer.r * layer.s,
        weightBytes: 0,
        inputBytes: layer.h * layer.w * layer.c * b,
        outputBytes: p * q * layer.c * b,
      };
    }
  }
}

/** Sum of the FLOPs of a list of layers. */
export function sumFlops(layers: readonly Layer[], dtype: Dtype): number {
  let f = 0;
  for (const l of layers) f += layerWork(l, dtype).flops;
  return f;
}

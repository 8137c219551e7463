/**
 * Builds KernelSpecs for layers: the row structure (rows per sample) and the work of a row on
 * each path. A layer's FLOPs per sample = rowsPerSample x flopsPerRow, equal to layerWork().
 * Row mapping: linear -> its rows (tokens); conv2d -> output pixels (implicit GEMM); attention
 * -> one row per query token per head; vector layers -> one row per output element.
 */
import type { Dtype, Layer } from '../formats/network.js';
import { DTYPE_BYTES } from '../formats/dtypes.js';
import { convOut } from '../network/work.js';
import type { KernelSpec, PathWork, RowRun } from '../hardware/types.js';

export interface LayerShape {
  unit: 'tensor' | 'vector';
  dtype: Dtype;
  rowsPerSample: number;
  /** The full (all channels) path. */
  full: PathWork;
  /** Output columns of a tensor layer (channels gated by a channel gate); 0 for vector. */
  cols: number;
}

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

export function layerShape(layer: Layer, netDtype: Dtype): LayerShape {
  const dtype = layer.dtype ?? netDtype;
  const b = DTYPE_BYTES[dtype];
  switch (layer.kind) {
    case 'linear': {
      const k = layer.inFeatures;
      const n = layer.outFeatures;
      return {
        unit: 'tensor',
        dtype,
        rowsPerSample: layer.rows,
        cols: n,
        full: {
          flopsPerRow: 2 * k * n + (layer.bias ? n : 0),
          k,
          n,
          weightBytes: (k * n + (layer.bias ? n : 0)) * b,
          bytesPerRow: (k + n) * b,
        },
      };
    }
    case 'conv2d': {
      const p = convOut(layer.h, layer.r, layer.stride, layer.padding);
      const q = convOut(layer.w, layer.s, layer.stride, layer.padding);
      const k = (layer.r * layer.s * layer.c) / layer.groups;
      const n = layer.k;
      // input bytes per output pixel: the input tensor spread over the output pixels
      const inPerRow = (layer.h * layer.w * layer.c) / (p * q);
      return {
        unit: 'tensor',
        dtype,
        rowsPerSample: p * q,
        cols: n,
        full: { flopsPerRow: 2 * k * n, k, n, weightBytes: k * n * b, bytesPerRow: (inPerRow + n) * b },
      };
    }
    case 'attention': {
      const kv = layer.kvTokens ?? layer.tokens;
      const hd = layer.headDim;
      return {
        unit: 'tensor',
        dtype,
        rowsPerSample: layer.tokens * layer.heads,
        cols: 0,
        // QK^T (k = headDim, n = kv) and AV (same FLOPs) as one GEMM of n = 2 kv, + softmax
        full: { flopsPerRow: 4 * kv * hd + 5 * kv, k: hd, n: 2 * kv, weightBytes: 0, bytesPerRow: 4 * hd * b },
      };
    }
    case 'elementwise':
      return {
        unit: 'vector',
        dtype,
        rowsPerSample: product(layer.shape),
        cols: 0,
        full: { flopsPerRow: layer.flopsPerElement, k: 0, n: 0, weightBytes: 0, bytesPerRow: (layer.operands + 1) * b },
      };
    case 'norm':
      return {
        unit: 'vector',
        dtype,
        rowsPerSample: product(layer.shape),
        cols: 0,
        full: { flopsPerRow: layer.flopsPerElement, k: 0, n: 0, weightBytes: 0, bytesPerRow: 2 * b },
      };
    case 'pooling': {
      const p = convOut(layer.h, layer.r, layer.stride, layer.padding);
      const q = convOut(layer.w, layer.s, layer.stride, layer.padding);
      return {
        unit: 'vector',
        dtype,
        rowsPerSample: p * q * layer.c,
        cols: 0,
        full: {
          flopsPerRow: layer.r * layer.s,
          k: 0,
          n: 0,
          weightBytes: 0,
          bytesPerRow: ((layer.h * layer.w) / (p * q) + 1) * b,
        },
      };
    }
  }
}

/** The path of a tensor layer computing only the first `cols` output columns. */
export function narrowPath(shape: LayerShape, cols: number): PathWork {
  const f = shape.full;
  if (shape.cols === 0 || cols === shape.cols) return f;
  const r = cols / shape.cols;
  return {
    flopsPerRow: f.flopsPerRow * r,
    k: f.k,
    n: cols,
    weightBytes: f.weightBytes * r,
    bytesPerRow: f.bytesPerRow - (f.n - cols) * DTYPE_BYTES[shape.dtype],
  };
}

function samePaths(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Appends a run, merging with the previous one when the paths and usefulness agree. */
export function pushRun(runs: RowRun[], rows: number, paths: readonly number[], useful: number): void {
  if (rows <= 0) return;
  const last = runs[runs.length - 1];
  if (last !== undefined && last.useful === useful && samePaths(last.paths, paths)) {
    last.rows += rows;
    return;
  }
  runs.push({ rows, paths, useful });
}

export const RUN_PATH: readonly number[] = Object.freeze([0]);
export const IDLE: readonly number[] = Object.freeze([]);

/** A kernel over one path with the given runs. */
export function kernelOf(name: string, shape: LayerShape, runs: RowRun[], paths?: PathWork[], nested?: boolean): KernelSpec {
  return { name, unit: shape.unit, dtype: shape.dtype, paths: paths ?? [shape.full], runs, nestedPaths: nested, chained: true };
}

/** Memory-only kernel moving `elements` elements (read + write): gather, scatter, combine. */
export function copyKernel(name: string, elements: number, dtype: Dtype, copyOp?: 'gather' | 'scatter' | 'select', operands = 1): KernelSpec {
  const b = DTYPE_BYTES[dtype];
  return {
    name,
    unit: 'vector',
    dtype,
    ...(copyOp ? { copyOp } : {}),
    chained: true,
    // each element: `operands` reads and one write
    paths: [{ flopsPerRow: 0, k: 0, n: 0, weightBytes: 0, bytesPerRow: (operands + 1) * b }],
    runs: elements > 0 ? [{ rows: elements, paths: RUN_PATH, useful: 1 }] : [],
  };
}

/**
 * How maskSegments (strategy/common.ts) spreads `rows` rows over a mask's `p` elements: element e gets
 * floor((e+1) rows / p) - floor(e rows / p) rows, which is `base` or `base + 1`. `listed` are
 * the elements with one more row, or (complement) those without, whichever are fewer.
 */
export interface RowSplit {
  base: number;
  listed: Int32Array;
  complement: boolean;
}

export function rowSplit(p: number, rows: number): RowSplit {
  const base = Math.floor(rows / p);
  const more: number[] = [];
  const rest: number[] = [];
  for (let e = 0; e < p; e++) (Math.floor(((e + 1) * rows) / p) - Math.floor((e * rows) / p) > base ? more : rest).push(e);
  return more.length <= rest.length
    ? { base, listed: Int32Array.from(more), complement: false }
    : { base, listed: Int32Array.from(rest), complement: true };
}

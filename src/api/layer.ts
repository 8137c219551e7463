/**
 * `layer`: one layer on one piece of hardware, the quickest use of the cost models. A GEMM
 * (M rows, K reduction, N columns) or a convolution in SCALE-Sim's topology columns (input
 * height and width, filter height and width, channels, filters, stride; no padding). On a
 * spatial array it is folded SCALE-Sim style; on a GPU it is the tile/wave estimate.
 */
import { DynsimError } from '../util/errors.js';
import { DTYPE_BYTES, type Dtype } from '../formats/network.js';
import { loadHardware } from '../formats/load.js';
import type { SpatialArray } from '../formats/hardware.js';
import { createGpuSimt } from '../hardware/gpu-simt/model.js';
import { convToGemm, layerQuery } from '../hardware/spatial-array/model.js';
import type { GemmDims, PerOperand } from '../hardware/spatial-array/fold.js';

export interface LayerQueryOptions {
  /** Hardware preset or file. */
  hw: string;
  /** [M, K, N] */
  gemm?: readonly number[];
  /** [H, W, R, S, C, F, stride] */
  conv?: readonly number[];
  /** Overrides the preset's dataflow (spatial arrays). */
  dataflow?: 'os' | 'ws' | 'is';
  /** Overrides the preset's array size: [rows, cols] (spatial arrays). */
  array?: readonly number[];
  /** Element type on a GPU. @default 'fp16' */
  dtype?: Dtype;
}

export interface LayerResult {
  hardware: string;
  accelerator: 'gpu-simt' | 'spatial-array';
  gemm: GemmDims;
  /** Spatial arrays: the array and dataflow used. */
  array: { rows: number; cols: number; tiles: number; dataflow: string } | null;
  cycles: number;
  timeNs: number;
  computeCycles: number;
  stallCycles: number;
  /** Array: SCALE-Sim mapping efficiency; GPU: active / issued tile slots. */
  mappingEfficiency: number;
  /** Array: MACs / (PEs x cycles); GPU: FLOPs / (peak x time). */
  utilization: number;
  /** SRAM words read / written (spatial arrays; null on a GPU). */
  sramReads: number | null;
  sramWrites: number | null;
  dramBytes: number;
  energyPj: number;
  macs: number;
  folds: number | null;
}

function dims(o: LayerQueryOptions): { gemm: GemmDims; words?: PerOperand } {
  if ((o.gemm === undefined) === (o.conv === undefined))
    throw new DynsimError('E_USAGE', { message: 'give exactly one of --gemm M,K,N and --conv H,W,R,S,C,F,stride' });
  const positive = (xs: readonly number[], n: number, what: string) => {
    if (xs.length !== n || xs.some((x) => !Number.isInteger(x) || x < 1))
      throw new DynsimError('E_USAGE', { message: `--${what}: expected ${n} positive integers, got ${xs.join(',')}` });
  };
  if (o.gemm) {
    positive(o.gemm, 3, 'gemm');
    const [m, k, n] = o.gemm as [number, number, number];
    return { gemm: { m, k, n } };
  }
  positive(o.conv!, 7, 'conv');
  const [h, w, r, s, c, f, stride] = o.conv as [number, number, number, number, number, number, number];
  if (r > h || s > w) throw new DynsimError('E_USAGE', { message: `--conv: the filter (${r}x${s}) is larger than the input (${h}x${w})` });
  const cg = convToGemm({ h, w, r, s, c, f, stride });
  return { gemm: cg.gemm, words: cg.operandWords };
}

export function queryLayer(o: LayerQueryOptions): LayerResult {
  const hw = loadHardware(o.hw);
  const acc = hw.spec.accelerator;
  const { gemm, words } = dims(o);
  if (acc.kind === 'spatial-array') {
    let spec: SpatialArray = acc;
    if (o.dataflow) spec = { ...spec, dataflow: o.dataflow };
    if (o.array) {
      if (o.array.length !== 2 || o.array.some((x) => !Number.isInteger(x) || x < 1))
        throw new DynsimError('E_USAGE', { message: `--array: expected RxC with positive integers, got ${o.array.join('x')}` });
      spec = { ...spec, rows: o.array[0]!, cols: o.array[1]! };
    }
    const q = layerQuery(spec, gemm, words);
    return {
      hardware: hw.spec.id,
      accelerator: 'spatial-array',
      gemm,
      array: { rows: spec.rows, cols: spec.cols, tiles: spec.tiles, dataflow: spec.dataflow },
      cycles: q.cycles,
      timeNs: q.timeNs,
      computeCycles: q.computeCycles,
      stallCycles: q.stallCycles,
      mappingEfficiency: q.mappingEfficiency,
      utilization: q.utilization,
      sramReads: q.sramReads,
      sramWrites: q.sramWrites,
      dramBytes: q.dramBytes,
      energyPj: q.energyPj,
      macs: q.macs,
      folds: q.folds,
    };
  }
  if (o.dataflow || o.array)
    throw new DynsimError('E_USAGE', { message: `--dataflow and --array apply to spatial arrays; ${hw.spec.id} is a GPU` });
  const dtype = o.dtype ?? 'fp16';
  const b = DTYPE_BYTES[dtype];
  const gpu = createGpuSimt(acc);
  const c = gpu.cost({
    name: 'layer',
    unit: 'tensor',
    dtype,
    paths: [
      {
        flopsPerRow: 2 * gemm.k * gemm.n,
        k: gemm.k,
        n: gemm.n,
        weightBytes: gemm.k * gemm.n * b,
        bytesPerRow: (gemm.k + gemm.n) * b,
      },
    ],
    runs: [{ rows: gemm.m, paths: [0], useful: 1 }],
  });
  const peakPerNs = acc.sms * acc.tensorFlopsPerCyclePerSm[dtype] * gpu.clockGhz;
  const macs = gemm.m * gemm.k * gemm.n;
  return {
    hardware: hw.spec.id,
    accelerator: 'gpu-simt',
    gemm,
    array: null,
    cycles: c.cycles,
    timeNs: c.timeNs,
    computeCycles: c.cycles,
    stallCycles: 0,
    mappingEfficiency: c.issuedSlotFlops > 0 ? c.activeFlops / c.issuedSlotFlops : 1,
    utilization: c.timeNs > 0 ? (2 * macs) / (peakPerNs * c.timeNs) : 0,
    sramReads: null,
    sramWrites: null,
    dramBytes: c.dramBytes,
    energyPj: c.energyPj,
    macs,
    folds: null,
  };
}

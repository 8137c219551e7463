/**
 * Spatial-array cost model (`spatial-array`): a static-dataflow systolic array (or a CGRA
 * running a systolic mapping), possibly several identical tiles, costed SCALE-Sim style.
 * The fold arithmetic lives in `fold.ts`; this file maps KernelSpecs onto it.
 *
 * Tensor kernels. A static array has no branching: for each path p, the rows whose run
 * includes p form one GEMM (M_p = those rows, K = k_p, N = n_p), folded onto the array; the
 * paths run one after another, each like one SCALE-Sim layer, so their cycles add. Rows whose
 * run lists no path are not computed. Nested paths (channel prefixes): a run that lists
 * several only computes the widest.
 *
 * Tiles. With tiles > 1 the rows of every GEMM are split evenly over the tiles (batch split);
 * each tile folds its share and the GEMM takes as long as the slowest tile. Each tile moves
 * its own activations, the DRAM bandwidth is shared by all, and the weights are fetched once
 * and broadcast to the tiles over the NoC, which stalls the array if it cannot keep up.
 *
 * Vector kernels (elementwise, norm, pooling rows; gather/scatter copies with 0 FLOPs per
 * row), and tensor paths with k or n = 0: a vector unit of `cols` lanes per tile, one FLOP per
 * lane per cycle: ceil(rows_per_tile x flopsPerRow / cols) cycles per path.
 *
 * Memory, both kinds: DRAM bytes per operand (fold.ts `dramTraffic`), and the kernel takes
 * compute cycles + stall cycles, stall = max(0, max(DRAM bytes / DRAM bandwidth, NoC bytes /
 * NoC bandwidth) - compute cycles): the double-buffered SRAMs overlap transfers with compute.
 * Element counts come from the KernelSpec (bytes / dtype size) and are stored in the array's
 * `wordBytes`-wide words.
 *
 * FLOPs. issuedSlotFlops = 2 x PEs (all tiles) x compute cycles of the tensor paths, plus the
 * vector lane slots, plus the non-MAC epilogue FLOPs of tensor rows (bias, softmax: the part
 * of flopsPerRow beyond 2kn, done as outputs drain, with no cycles of its own). activeFlops =
 * flopsPerRow of every computed row, so that executed FLOPs agree with the network's FLOP
 * count; usefulFlops weights them by each run's `useful`. A static array never diverges:
 * divergentSlotFlops = divergentUnits = 0; units = folds (tensor) + lane groups (vector).
 *
 * Energy (Accelergy-style table): activeFlops / 2 x macPj (a MAC is 2 FLOPs) + SRAM words
 * read x sramReadPj + SRAM words written x sramWritePj + DRAM bytes x dramBytePj. SRAM words
 * are the array's requests as SCALE-Sim counts them (ifmap and filter reads, ofmap writes).
 *
 * launchNs = 0: issuing a layer's command to the array is taken as free; switching to another
 * configuration (configLoadNs, residentConfigs) is the engine's business, not a kernel cost.
 */
import type { SpatialArray } from '../../formats/hardware.js';
import { DTYPE_BYTES } from '../../formats/dtypes.js';
import { convOut } from '../../network/work.js';
import { DynsimError } from '../../util/errors.js';
import type { AcceleratorModel, KernelCost, KernelSpec, PathWork } from '../types.js';
import {
  dramTraffic,
  foldGemm,
  gemmOperandWords,
  residentWords,
  stallCycles,
  type Fold,
  type GemmDims,
  type PerOperand,
} from './fold.js';

/** One GEMM on all the tiles of an array, before memory stalls. */
export interface ArrayGemm {
  /** Compute cycles of the slowest tile (fill and drain included). */
  computeCycles: number;
  /** Folds executed, all tiles together. */
  folds: number;
  /** Fold of the slowest tile (its share of the rows). */
  slowestTile: Fold;
  /** Share of the PEs mapped, averaged over every fold of every tile. */
  mappingEfficiency: number;
  macs: number;
  /** Words requested from each operand SRAM, all tiles. */
  sramAccesses: PerOperand;
  /** DRAM words per operand, all tiles (weights counted once: they are broadcast). */
  dramWords: PerOperand;
  /** Words broadcast over the NoC (the weight stream; 0 with one tile). */
  nocWords: number;
}

const ZERO = (): PerOperand => ({ ifmap: 0, filter: 0, ofmap: 0 });

/**
 * Folds a GEMM over the tiles of an array. `operandWords` are the unique words of each
 * operand for the whole GEMM (defaults to m x k, k x n, m x n); a tile's share of the ifmap
 * and ofmap is proportional to its rows, the filter is whole on every tile.
 */
export function gemmOnArray(spec: SpatialArray, g: GemmDims, operandWords: PerOperand = gemmOperandWords(g)): ArrayGemm {
  const tiles = spec.tiles;
  const shape = { rows: spec.rows, cols: spec.cols, dataflow: spec.dataflow };
  const resident: PerOperand = {
    ifmap: residentWords(spec.ifmapSramBytes, spec.wordBytes),
    filter: residentWords(spec.filterSramBytes, spec.wordBytes),
    ofmap: residentWords(spec.ofmapSramBytes, spec.wordBytes),
  };
  // even batch split: `extra` tiles take base + 1 rows, the others base
  const base = Math.floor(g.m / tiles);
  const extra = g.m - base * tiles;
  const groups = [
    { rows: base + 1, count: extra },
    { rows: base, count: tiles - extra },
  ].filter((x) => x.count > 0 && x.rows > 0);

  const sramAccesses = ZERO();
  const dramWords = ZERO();
  let weightWords = 0;
  let folds = 0;
  let mappedFolds = 0;
  let slowestTile = foldGemm({ m: 0, k: g.k, n: g.n }, shape);
  for (const grp of groups) {
    const f = foldGemm({ m: grp.rows, k: g.k, n: g.n }, shape);
    if (f.computeCycles >= slowestTile.computeCycles) slowestTile = f;
    const share = g.m > 0 ? grp.rows / g.m : 0;
    const words = { ifmap: operandWords.ifmap * share, filter: operandWords.filter, ofmap: operandWords.ofmap * share };
    const traffic = dramTraffic(f, words, resident);
    folds += grp.count * f.folds;
    mappedFolds += grp.count * f.folds * f.mappingEfficiency;
    sramAccesses.ifmap += grp.count * f.sramAccesses.ifmap;
    sramAccesses.filter += grp.count * f.sramAccesses.filter;
    sramAccesses.ofmap += grp.count * f.sramAccesses.ofmap;
    dramWords.ifmap += grp.count * traffic.words.ifmap;
    dramWords.ofmap += grp.count * traffic.words.ofmap;
    // one weight stream serves all tiles: the one that needs the most passes sets it
    weightWords = Math.max(weightWords, traffic.words.filter);
  }
  dramWords.filter = weightWords;
  return {
    computeCycles: slowestTile.computeCycles,
    folds,
    slowestTile,
    mappingEfficiency: folds > 0 ? mappedFolds / folds : 0,
    macs: g.m > 0 ? g.m * g.k * g.n : 0,
    sramAccesses,
    dramWords,
    nocWords: tiles > 1 ? weightWords : 0,
  };
}

/** Result of one GEMM layer on the array (for `dynsim layer`). */
export interface LayerQuery {
  /** computeCycles + stallCycles. */
  cycles: number;
  timeNs: number;
  /** Slowest tile, fill and drain included (SCALE-Sim "Total Cycles" without stalls). */
  computeCycles: number;
  /** Cycles waiting on DRAM or the NoC (roofline approximation, see fold.ts stallCycles). */
  stallCycles: number;
  folds: number;
  rowFolds: number;
  colFolds: number;
  /** SCALE-Sim "Mapping Efficiency %" / 100. */
  mappingEfficiency: number;
  /** MACs / (PEs of all tiles x cycles), stalls included (SCALE-Sim "Overall Util %" / 100). */
  utilization: number;
  /** MACs / (PEs of all tiles x computeCycles). */
  computeUtilization: number;
  macs: number;
  /** SRAM words read (ifmap + filter) and written (ofmap), all tiles. */
  sramReads: number;
  sramWrites: number;
  sramAccesses: PerOperand;
  dramBytes: number;
  dramBytesByOperand: PerOperand;
  nocBytes: number;
  energyPj: number;
}

function transferCycles(spec: SpatialArray, dramBytes: number, nocBytes: number): number {
  const dram = dramBytes / spec.dramBandwidthBytesPerCycle;
  const noc = nocBytes > 0 && spec.nocBandwidthBytesPerCycle !== undefined ? nocBytes / spec.nocBandwidthBytesPerCycle : 0;
  return Math.max(dram, noc);
}

/** Cost of one GEMM layer on the array, with its memory stalls and energy. */
export function layerQuery(spec: SpatialArray, g: GemmDims, operandWords?: PerOperand): LayerQuery {
  const r = gemmOnArray(spec, g, operandWords);
  const wb = spec.wordBytes;
  const dramBytesByOperand = { ifmap: r.dramWords.ifmap * wb, filter: r.dramWords.filter * wb, ofmap: r.dramWords.ofmap * wb };
  const dramBytes = dramBytesByOperand.ifmap + dramBytesByOperand.filter + dramBytesByOperand.ofmap;
  const nocBytes = r.nocWords * wb;
  const stall = stallCycles(r.computeCycles, transferCycles(spec, dramBytes, nocBytes));
  const cycles = r.computeCycles + stall;
  const pes = spec.rows * spec.cols * spec.tiles;
  const sramReads = r.sramAccesses.ifmap + r.sramAccesses.filter;
  const sramWrites = r.sramAccesses.ofmap;
  const e = spec.energy;
  return {
    cycles,
    timeNs: cycles / (spec.clockMhz / 1000),
    computeCycles: r.computeCycles,
    stallCycles: stall,
    folds: r.folds,
    rowFolds: r.slowestTile.rowFolds,
    colFolds: r.slowestTile.colFolds,
    mappingEfficiency: r.mappingEfficiency,
    utilization: cycles > 0 ? r.macs / (pes * cycles) : 0,
    computeUtilization: r.computeCycles > 0 ? r.macs / (pes * r.computeCycles) : 0,
    macs: r.macs,
    sramReads,
    sramWrites,
    sramAccesses: r.sramAccesses,
    dramBytes,
    dramBytesByOperand,
    nocBytes,
    energyPj: r.macs * e.macPj + sramReads * e.sramReadPj + sramWrites * e.sramWritePj + dramBytes * e.dramBytePj,
  };
}

/** A convolution in SCALE-Sim's topology columns (no padding, square stride). */
export interface ConvTopology {
  /** IFMAP Height. */
  h: number;
  /** IFMAP Width. */
  w: number;
  /** Filter Height. */
  r: number;
  /** Filter Width. */
  s: number;
  /** Channels. */
  c: number;
  /** Num Filter. */
  f: number;
  /** Strides. */
  stride: number;
}

export interface ConvGemm {
  gemm: GemmDims;
  ofmapHeight: number;
  ofmapWidth: number;
  /** Unique words: ifmap h x w x c (not the im2col m x k), filter, ofmap. */
  operandWords: PerOperand;
}

/**
 * im2col lowering as SCALE-Sim's `topology_utils.py` does it: M = output pixels, K = window
 * size r x s x c, N = filters. The output size is ours (`convOut`, floor((h - r) / stride) + 1
 * without padding), not SCALE-Sim's ceil((h - r + stride) / stride), which pads implicitly
 * when (h - r) is not a multiple of the stride (224 -> 55 for AlexNet conv1 where ours gives
 * 54; a 227 input gives 55 under both).
 */
export function convToGemm(t: ConvTopology): ConvGemm {
  const p = convOut(t.h, t.r, t.stride, 0);
  const q = convOut(t.w, t.s, t.stride, 0);
  const gemm = { m: p * q, k: t.r * t.s * t.c, n: t.f };
  return {
    gemm,
    ofmapHeight: p,
    ofmapWidth: q,
    operandWords: { ifmap: t.h * t.w * t.c, filter: gemm.k * gemm.n, ofmap: gemm.m * gemm.n },
  };
}

export function createSpatialArray(spec: SpatialArray): AcceleratorModel {
  if (spec.tiles > 1 && spec.nocBandwidthBytesPerCycle === undefined)
    throw new DynsimError('E_USAGE', {
      path: 'accelerator.nocBandwidthBytesPerCycle',
      message: `expected a bandwidth (required when tiles > 1; tiles = ${spec.tiles}), got nothing`,
    });
  const clockGhz = spec.clockMhz / 1000;
  const pes = spec.rows * spec.cols * spec.tiles;
  const lanes = spec.cols;
  const wb = spec.wordBytes;
  const e = spec.energy;

  function cost(kernel: KernelSpec): KernelCost {
    const paths = kernel.paths;
    const nested = kernel.nestedPaths === true;
    const elemBytes = DTYPE_BYTES[kernel.dtype];
    const rowsOn = new Array<number>(paths.length).fill(0);
    let usefulFlops = 0;
    for (const run of kernel.runs) {
      if (run.rows <= 0 || run.paths.length === 0) continue;
      let rowFlops = 0;
      if (nested) {
        let widest = run.paths[0]!;
        for (const p of run.paths) if (paths[p]!.flopsPerRow > paths[widest]!.flopsPerRow) widest = p;
        rowsOn[widest] = rowsOn[widest]! + run.rows;
        rowFlops = paths[widest]!.flopsPerRow;
      } else {
        for (const p of run.paths) {
          rowsOn[p] = rowsOn[p]! + run.rows;
          rowFlops += paths[p]!.flopsPerRow;
        }
      }
      usefulFlops += run.rows * rowFlops * run.useful;
    }

    let computeCycles = 0;
    let issued = 0;
    let active = 0;
    let units = 0;
    let sramReads = 0;
    let sramWrites = 0;
    let dramWords = 0;
    let nocWords = 0;
    for (let p = 0; p < paths.length; p++) {
      const rows = rowsOn[p]!;
      if (rows === 0) continue;
      const w = paths[p]!;
      if (kernel.unit === 'tensor' && w.k > 0 && w.n > 0) {
        const r = gemmOnArray(spec, { m: rows, k: w.k, n: w.n }, tensorOperandWords(w, rows, elemBytes));
        computeCycles += r.computeCycles;
        // at least the MACs themselves: SCALE-Sim's "- 1" can leave a 1x1 array one cycle short
        issued += 2 * Math.max(pes * r.computeCycles, r.macs) + rows * Math.max(0, w.flopsPerRow - 2 * w.k * w.n);
        active += rows * w.flopsPerRow;
        units += r.folds;
        sramReads += r.sramAccesses.ifmap + r.sramAccesses.filter;
        sramWrites += r.sramAccesses.ofmap;
        dramWords += r.dramWords.ifmap + r.dramWords.filter + r.dramWords.ofmap;
        nocWords += r.nocWords;
      } else {
        const v = vectorPass(w, rows, elemBytes);
        computeCycles += v.cycles;
        issued += v.cycles * lanes * spec.tiles;
        active += rows * w.flopsPerRow;
        units += v.laneGroups;
        sramReads += v.sramReads;
        sramWrites += v.sramWrites;
        dramWords += v.dramWords;
      }
    }

    const dramBytes = dramWords * wb;
    const stall = stallCycles(computeCycles, transferCycles(spec, dramBytes, nocWords * wb));
    const cycles = computeCycles + stall;
    return {
      cycles,
      timeNs: cycles / clockGhz,
      throttledTimeNs: cycles / clockGhz, // no power-limit model for arrays
      issuedSlotFlops: issued,
      activeFlops: active,
      usefulFlops,
      divergentSlotFlops: 0,
      units,
      divergentUnits: 0,
      dramBytes,
      energyPj: (active / 2) * e.macPj + sramReads * e.sramReadPj + sramWrites * e.sramWritePj + dramBytes * e.dramBytePj,
    };
  }

  /**
   * One path of a vector kernel: rows split evenly over the tiles, `cols` lanes per tile.
   * A vector row is one output element (engine/kernels.ts): it reads its other activation
   * elements and writes one.
   */
  function vectorPass(w: PathWork, rows: number, elemBytes: number) {
    const perTile = Math.ceil(rows / spec.tiles);
    const cycles = w.flopsPerRow > 0 ? Math.ceil((perTile * w.flopsPerRow) / lanes - 1e-9) : 0;
    const base = Math.floor(rows / spec.tiles);
    const extra = rows - base * spec.tiles;
    const laneGroups = extra * Math.ceil((base + 1) / lanes) + (spec.tiles - extra) * Math.ceil(base / lanes);
    const perRow = w.bytesPerRow / elemBytes;
    return {
      cycles,
      laneGroups,
      sramReads: rows * Math.max(0, perRow - 1),
      sramWrites: rows * Math.min(1, perRow),
      dramWords: rows * perRow + w.weightBytes / elemBytes,
    };
  }

  return { kind: 'spatial-array', clockGhz, cost, staticPowerW: e.staticPowerMw / 1000, launchNs: 0 };
}

/**
 * Unique operand words of a tensor path over `rows` rows, from the KernelSpec: the filter is
 * the path's weights; a row's activation elements (bytesPerRow / dtype size) are its n
 * outputs and the rest inputs (exact for linear and conv2d rows; for attention, whose n is a
 * FLOP-equivalent 2 x kv, the split is approximate but the total is kept).
 */
function tensorOperandWords(w: PathWork, rows: number, elemBytes: number): PerOperand {
  const perRow = w.bytesPerRow / elemBytes;
  const out = Math.min(w.n, perRow);
  return { ifmap: rows * (perRow - out), filter: w.weightBytes / elemBytes, ofmap: rows * out };
}

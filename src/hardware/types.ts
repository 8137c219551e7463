/**
 * The contract between the engine and the hardware models.
 *
 * The engine describes each accelerator launch as a KernelSpec: a GEMM-shaped piece of work
 * (rows x K x N per path) whose rows are listed in order as runs, each run carrying the set
 * of paths its rows execute and how much of that work is needed. This is enough for a GPU
 * to find divergent warps/tiles and for a spatial array to fold the rows onto its PEs.
 *
 * Contract: `cost` is pure (same spec, same cost), never mutates the spec, and accounts
 * every issued slot: issuedSlotFlops >= activeFlops >= usefulFlops.
 */
import type { Dtype } from '../formats/network.js';

/** Work of one path per row. A path is one branch outcome (run the block, expert 3, 48 channels). */
export interface PathWork {
  /** FLOPs of one row on this path. */
  flopsPerRow: number;
  /** GEMM reduction length (tensor kernels); 0 for vector kernels. */
  k: number;
  /** GEMM output columns on this path (tensor kernels); 0 for vector kernels. */
  n: number;
  /** Parameter bytes this path reads (once per launch if any row takes it). */
  weightBytes: number;
  /** Activation bytes read and written per row. */
  bytesPerRow: number;
  /** Vector kernels: trips of a counted loop around the path body per row, each costing the
   * accelerator's loop-control instructions (absent: the body is straight-line code). */
  loopTrips?: number;
}

/** Consecutive rows that take the same set of paths. */
export interface RowRun {
  rows: number;
  /** Path ids (indices into KernelSpec.paths) these rows execute; empty = rows idle. */
  paths: readonly number[];
  /** Share of the computed FLOPs of these rows whose results are used (masking: < 1). */
  useful: number;
}

export interface KernelSpec {
  /** Layer name (or a synthetic name such as `gather:<gate>`), for reports. */
  name: string;
  /** `tensor`: GEMM-like, tiled over rows (linear, conv, attention); `vector`: lane-mapped. */
  unit: 'tensor' | 'vector';
  dtype: Dtype;
  paths: readonly PathWork[];
  /** Paths are nested prefixes of each other (channel gating: the first c channels), so a
   * tile that mixes them runs only the largest instead of each in turn. */
  nestedPaths?: boolean;
  runs: readonly RowRun[];
  /** Memory-only kernels: which framework op this is (its per-element issue cost may differ:
   * an element-wise index_copy_ scatter or broadcast torch.where select vs a vectorised
   * index_select gather). */
  copyOp?: 'gather' | 'scatter' | 'select';
  /** The kernel repeats on the same buffers and its operands stay in the last-level cache
   * between repeats (when they fit): they are served at the cache's bandwidth. */
  l2Resident?: boolean;
  /** The kernel is one link of a chain over the same batch: its activations were just written
   * by the kernel before it and are read by the one after, so when they fit in the last-level
   * cache they move through it instead of DRAM (weights still stream). */
  chained?: boolean;
  /** Batched or grouped GEMM (one launch over several independent problems, e.g. the experts
   * of an MoE layer): the runs form consecutive entries of these many rows (the same for a
   * batched GEMM padded to a capacity, each expert's tokens for a grouped one), each entry
   * tiled on its own (a tile never holds rows of two entries). */
  entries?: readonly number[];
  /** Lane-mapped kernels: machine code of one path body and the threads per block, where the
   * instruction cache matters (large bodies). */
  code?: { pathBytes: number; blockThreads: number };
}

export interface KernelCost {
  /** Accelerator cycles of the kernel (excluding launch). */
  cycles: number;
  timeNs: number;
  /** Time of the same kernel once the device has throttled to its sustained clock (equal to
   * timeNs where the accelerator does not throttle or the kernel is memory-bound). */
  throttledTimeNs: number;
  /** FLOP slots of the issued instructions (lanes x work, idle lanes included). */
  issuedSlotFlops: number;
  /** FLOPs computed by active lanes / rows. */
  activeFlops: number;
  /** Of those, the FLOPs whose results are needed. */
  usefulFlops: number;
  /** Issued slots idle because lanes of one unit took different paths (not tile padding). */
  divergentSlotFlops: number;
  /** SIMT units (warps or row tiles) executed, and those with more than one distinct path. */
  units: number;
  divergentUnits: number;
  dramBytes: number;
  energyPj: number;
}

export interface AcceleratorModel {
  readonly kind: 'gpu-simt' | 'spatial-array';
  /** Accelerator clock (GHz); cycles in results are counted at it. */
  readonly clockGhz: number;
  cost(kernel: KernelSpec): KernelCost;
  /** Static power while the accelerator exists (W), for energy over elapsed time. */
  readonly staticPowerW: number;
  /** Fixed device-side cost per kernel launch seen by the host (ns). */
  readonly launchNs: number;
}

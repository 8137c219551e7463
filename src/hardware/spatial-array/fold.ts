/**
 * Fold arithmetic of a systolic array: how one GEMM is cut into folds on an R x C array, how
 * many cycles the folds take with fill and drain, how well they use the PEs, how many words
 * each operand's SRAM serves, and how many words each operand costs in DRAM. Pure functions,
 * shared by the three dataflows, which differ only in which operand plays which role.
 *
 * Reference: SCALE-Sim v2 (scalesim-project/scale-sim-v2), whose per-dataflow classes
 * `scalesim/compute/systolic_compute_{os,ws,is}.py` each repeat the same arithmetic. Every
 * formula below cites the function it was read from. Checked against the repository's golden
 * reports: `test/golden_trace/COMPUTE_REPORT.csv` (AlexNet conv1, 32x32 WS: 112283 cycles,
 * 94.53125 % mapping efficiency, 91.683 % overall utilisation, 90.780 % compute utilisation)
 * and `test/general/golden_trace_user_{os,ws,is}/` (GEMM M=256 N=128 K=256 on 32x32).
 *
 * Operand roles (SCALE-Sim `topology_utils.py` `calc_spatio_temporal_params` and the
 * `set_params` of each compute class). A GEMM ofmap[M x N] = ifmap[M x K] . filter[K x N]
 * is laid out as Sr (spatial rows) x Sc (spatial columns) x T (time):
 *
 *   dataflow | Sr | Sc | T | stationary (Sr x Sc) | row stream (Sr x T) | column stream (T x Sc)
 *   os       | M  | N  | K | ofmap                | ifmap               | filter
 *   ws       | K  | N  | M | filter               | ifmap               | ofmap (partial sums)
 *   is       | K  | M  | N | ifmap                | filter              | ofmap (partial sums)
 *
 * Folds run column fold outer, row fold inner (`for fc in range(col_fold): for fr in
 * range(row_fold)` in every `create_*_demand_mat`), which decides what can be reused.
 */

export type Dataflow = 'os' | 'ws' | 'is';
export type Operand = 'ifmap' | 'filter' | 'ofmap';

/** A GEMM: ofmap[m x n] = ifmap[m x k] . filter[k x n]. */
export interface GemmDims {
  /** Rows: output pixels or tokens. */
  m: number;
  /** Reduction length. */
  k: number;
  /** Output columns: filters or features. */
  n: number;
}

export interface ArrayShape {
  /** PE rows (R). */
  rows: number;
  /** PE columns (C). */
  cols: number;
  dataflow: Dataflow;
}

/** Per-operand quantities (words, counts, or passes). */
export interface PerOperand {
  ifmap: number;
  filter: number;
  ofmap: number;
}

export interface OperandRoles {
  /** Held in the PEs for a whole fold (Sr x Sc). */
  stationary: Operand;
  /** Streamed along the array rows (Sr x T); re-streamed by every column fold. */
  rowStream: Operand;
  /** Streamed along the array columns (T x Sc); the same slice serves consecutive row folds. */
  colStream: Operand;
}

export const OPERAND_ROLES: Readonly<Record<Dataflow, Readonly<OperandRoles>>> = Object.freeze({
  os: Object.freeze({ stationary: 'ofmap', rowStream: 'ifmap', colStream: 'filter' }),
  ws: Object.freeze({ stationary: 'filter', rowStream: 'ifmap', colStream: 'ofmap' }),
  is: Object.freeze({ stationary: 'ifmap', rowStream: 'filter', colStream: 'ofmap' }),
} satisfies Record<Dataflow, OperandRoles>);

export interface SpatialDims {
  /** Spatial rows. */
  sr: number;
  /** Spatial columns. */
  sc: number;
  /** Temporal length. */
  t: number;
}

/** Sr, Sc, T of a GEMM under a dataflow (SCALE-Sim `calc_spatio_temporal_params`). */
export function spatialDims(g: GemmDims, dataflow: Dataflow): SpatialDims {
  switch (dataflow) {
    case 'os':
      return { sr: g.m, sc: g.n, t: g.k };
    case 'ws':
      return { sr: g.k, sc: g.n, t: g.m };
    case 'is':
      return { sr: g.k, sc: g.m, t: g.n };
  }
}

export interface Fold extends SpatialDims {
  /** The array folded onto (R x C). */
  array: ArrayShape;
  dataflow: Dataflow;
  roles: OperandRoles;
  /** ceil(Sr / R). */
  rowFolds: number;
  /** ceil(Sc / C). */
  colFolds: number;
  /** rowFolds x colFolds. */
  folds: number;
  /** Cycles of one fold, fill and drain included. */
  foldCycles: number;
  /** Cycles of all folds as SCALE-Sim reports them: folds x foldCycles - 1 (0 when no fold). */
  computeCycles: number;
  /** m x k x n. */
  macs: number;
  /** Share of the PEs mapped during a fold, averaged over the folds. */
  mappingEfficiency: number;
  /** macs / (R x C x computeCycles): fill, drain and partial folds all count as idle
   * (SCALE-Sim's "Overall Util %" when there are no stalls). */
  computeUtilization: number;
  /** SCALE-Sim's "Compute Util %" column: per fold, mapped MACs x T / (R x C x its
   * per-fold cycle count), averaged over the folds. Kept only to compare with its reports. */
  scaleSimComputeUtilization: number;
  /** Words the array requests from each operand's SRAM (reads; ofmap: writes). */
  sramAccesses: PerOperand;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/**
 * Folds a GEMM onto an R x C array.
 *
 * Cycles per fold are the length of SCALE-Sim's per-fold demand matrices:
 * - ws, is: 2R + C + T - 2. `systolic_compute_ws.py` / `systolic_compute_is.py`
 *   `create_ofmap_demand_mat`: a prefix of 2R - 1 idle lines (weights, or inputs for is, are
 *   loaded, R lines, and the first partial sums cross the R rows), T lines of outputs, then
 *   `skew_matrix` adds C - 1 lines for the skew across the columns. This is the
 *   (2Sr + Sc + T - 2) of the SCALE-Sim paper (Samajdar et al., ISPASS 2020) with Sr, Sc
 *   padded to the array.
 * - os: R + C + T - 2. `systolic_compute_os.py` `create_ofmap_demand_mat`: a prefix of T - 1
 *   lines, R lines of outputs leaving the bottom edge, then C - 1 lines of skew. (Fewer than
 *   the paper's 2R + C + T - 2: the code overlaps the row skew with the reduction.)
 *   Confirmed by `test/general/golden_trace_user_os`: 32 folds x (32 + 32 + 256 - 2) - 1 =
 *   10175 = Total Cycles 52447 - Stall Cycles 42272.
 *
 * Total: SCALE-Sim concatenates the per-fold demand matrices and reports as the total the
 * cycle of the last ofmap line, a 0-based index (`double_buffered_scratchpad_mem.py`
 * `service_memory_requests`: `total_cycles = ofmap_serviced_cycles[-1]`, the last line being
 * line `ofmap_lines - 1` plus stalls). Hence folds x foldCycles - 1: AlexNet conv1 on 32x32
 * WS has 36 folds x 3119 = 112284 lines and a reported total of 112283.
 *
 * Mapping efficiency (`create_filter_demand_mat` ws / `create_ifmap_demand_mat` is /
 * `create_ofmap_demand_mat` os): per fold row_used x col_used / (R x C), averaged over folds;
 * the used rows over all row folds sum to Sr and the used columns to Sc, so the average is
 * Sr x Sc / (folds x R x C).
 */
export function foldGemm(g: GemmDims, array: ArrayShape): Fold {
  const { rows: R, cols: C, dataflow } = array;
  const d = spatialDims(g, dataflow);
  const roles = OPERAND_ROLES[dataflow];
  const empty = d.sr <= 0 || d.sc <= 0 || d.t <= 0;
  const rowFolds = empty ? 0 : ceilDiv(d.sr, R);
  const colFolds = empty ? 0 : ceilDiv(d.sc, C);
  const folds = rowFolds * colFolds;
  const foldCycles = dataflow === 'os' ? R + C + d.t - 2 : 2 * R + C + d.t - 2;
  const computeCycles = folds > 0 ? folds * foldCycles - 1 : 0;
  const macs = empty ? 0 : g.m * g.k * g.n;
  const mappingEfficiency = folds > 0 ? (d.sr * d.sc) / (folds * R * C) : 0;
  const computeUtilization = computeCycles > 0 ? macs / (R * C * computeCycles) : 0;
  // SCALE-Sim's per-fold cycle count in its "Compute Util" is the demand matrix it measures
  // (`cycles_this_fold = shape[0] + shape[1] - 1`): for ws/is the filter (ifmap) demand of
  // R + (R + C + T - 2) lines x C columns, i.e. 2R + 2C + T - 3; for os the unskewed ofmap
  // demand of (T - 1 + R) lines x C columns, i.e. R + C + T - 2.
  const utilFoldCycles = dataflow === 'os' ? foldCycles : 2 * R + 2 * C + d.t - 3;
  const scaleSimComputeUtilization = folds > 0 ? (mappingEfficiency * d.t) / utilFoldCycles : 0;

  // SRAM requests, by role (the `*_reads` / `ofmap_writes` counters of each class): the row
  // stream is requested once per column fold, the stationary operand once, the column
  // stream once per row fold (for ws/is these are the partial sums written per row fold).
  const access = { ifmap: 0, filter: 0, ofmap: 0 };
  if (!empty) {
    access[roles.rowStream] = colFolds * d.sr * d.t;
    access[roles.stationary] = d.sr * d.sc;
    access[roles.colStream] = rowFolds * d.t * d.sc;
  }

  return {
    ...d,
    array: { rows: R, cols: C, dataflow },
    dataflow,
    roles,
    rowFolds,
    colFolds,
    folds,
    foldCycles,
    computeCycles,
    macs,
    mappingEfficiency,
    computeUtilization,
    scaleSimComputeUtilization,
    sramAccesses: access,
  };
}

/** Operand words per fold (the default footprint when nothing better is known: m x k,
 * k x n, m x n; a convolution's ifmap is smaller than its im2col matrix). */
export function gemmOperandWords(g: GemmDims): PerOperand {
  return { ifmap: g.m * g.k, filter: g.k * g.n, ofmap: g.m * g.n };
}

/**
 * Words an operand SRAM can keep resident: the active half of a double-buffered SRAM.
 * SCALE-Sim `read_buffer.set_params`: total_size_elems = floor(bytes / word_size),
 * active_buf_size = ceil(total_size_elems x active_buf_frac), with active_buf_frac = 0.5
 * (`single_layer_sim.py` `run`); the other half prefetches the next data.
 */
export function residentWords(sramBytes: number, wordBytes: number): number {
  return Math.ceil(Math.floor(sramBytes / wordBytes) * 0.5);
}

export interface DramTraffic {
  /** DRAM words per operand (ofmap: writes plus partial-sum read-backs). */
  words: PerOperand;
  /** How many times each operand crosses the DRAM interface. */
  passes: PerOperand;
}

/**
 * DRAM words per operand. Model (ours; SCALE-Sim's double-buffered scratchpad is the
 * reference): an operand whose unique words fit in its SRAM's resident (active) half is moved
 * once. One that does not is moved again each time the fold order comes back to it:
 * - the stationary operand: once (each fold uses a different tile of it);
 * - the row stream: once per column fold (each column fold sweeps all of it);
 * - the column stream: once if one column slice (T x C words) fits, since consecutive row
 *   folds share it; otherwise once per row fold. When it is the ofmap (ws, is) those are
 *   partial sums: written once per row fold and read back for all but the first.
 *
 * SCALE-Sim instead replays its demand trace through circular prefetch buffers, so its DRAM
 * counts also depend on line packing and prefetch order: on the golden ws GEMM (M=256, K=256,
 * N=128, 64 KiB SRAMs) it reads the ifmap 8 times where this model reads it 4 times, and it
 * writes every fold's partial sums to DRAM without reading them back. We keep a closed form.
 */
export function dramTraffic(fold: Fold, operandWords: PerOperand, resident: PerOperand): DramTraffic {
  const words = { ifmap: 0, filter: 0, ofmap: 0 };
  const passes = { ifmap: 0, filter: 0, ofmap: 0 };
  if (fold.folds === 0) return { words, passes };
  const fits = (op: Operand) => operandWords[op] <= resident[op];
  const { stationary, rowStream, colStream } = fold.roles;

  passes[stationary] = 1;
  passes[rowStream] = fits(rowStream) ? 1 : fold.colFolds;
  const slice = (operandWords[colStream] * Math.min(fold.array.cols, fold.sc)) / fold.sc;
  passes[colStream] = fits(colStream) || slice <= resident[colStream] ? 1 : fold.rowFolds;

  for (const op of ['ifmap', 'filter', 'ofmap'] as const) {
    // spilled partial sums: written every row fold, read back for the next one
    const readBack = op === 'ofmap' && op === colStream && passes[op] > 1 ? passes[op] - 1 : 0;
    words[op] = operandWords[op] * (passes[op] + readBack);
  }
  return { words, passes };
}

/**
 * Cycles the array waits on a transfer, roofline style: max(0, ceil(transferCycles) -
 * computeCycles). Double buffering (SCALE-Sim's scratchpads) overlaps transfers with compute,
 * so only the part that compute cannot hide stalls. SCALE-Sim derives stalls line by line
 * from its buffer trace, which also catches bursts (a fold whose data arrive late while the
 * layer as a whole has bandwidth to spare); this approximation deliberately does not.
 */
export function stallCycles(computeCycles: number, transferCycles: number): number {
  return Math.max(0, Math.ceil(transferCycles - 1e-9) - computeCycles);
}

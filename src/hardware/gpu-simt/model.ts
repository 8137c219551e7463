/**
 * GPU SIMT cost model (`gpu-simt`).
 *
 * A kernel's rows are cut into SIMT units: row tiles of `gemmTile.m` rows for tensor-core
 * kernels (GEMM, conv as implicit GEMM, attention) and warps of `warpSize` lanes for
 * lane-mapped vector kernels. A unit executes the union of the paths of its rows, one after
 * another, with the rows not on the current path idle (SIMT divergence; a tile of rows runs
 * if any of its rows is needed, and a unit whose rows are all idle is skipped). Nested paths
 * (channel prefixes) run only the widest.
 *
 * Time: a row tile of path p is ceil(n_p / tile.n) CTAs (one per column tile) of
 * 2 * m * tile.n * k_p FLOPs at the SM's tensor rate; a warp costs 32 * flopsPerRow / the
 * SM's vector rate. CTAs (or warps) are spread over the SMs in waves: cycles =
 * max(q, ceil(sum / (SMs * q)) * q) with q the largest CTA, which is exact wave quantisation
 * for uniform CTAs. Memory: weights of every path used plus activations of active rows, at the
 * DRAM bandwidth, or at the L2 bandwidth for operands the caller marks L2-resident and for
 * activations chained from kernel to kernel when they fit in L2; the kernel takes the larger of
 * compute and memory time (a roofline per kernel, as in the SCALE-Sim/Timeloop split of compute
 * and memory), plus `kernelTailNs`. A single-path tensor kernel runs with the fastest tile of
 * the library's menu (`gemmTile`, `gemmTileAlternatives`).
 *
 * Instruction issue (vector kernels): a warp on a path issues flopsPerRow / 2 FMAs, plus
 * `loopControlInstr` per loop trip and, in a kernel with several compiled paths, `pathEntryInstr`
 * per path it enters (E1 on the H100: k paths per warp cost k x (body + entry), the entry
 * measured from the slope over k).
 *
 * CTA overhead: a tensor CTA costs its K loop plus `ctaOverheadCycles` of prologue and epilogue
 * (H100 G0: equal-FLOP GEMMs are slower with short K, i.e. more, shorter CTAs).
 *
 * Sustained tensor rate: tensor kernels run at `tensorEfficiency` x the dense tensor peak
 * (the share a well-tuned GEMM sustains on the device; 1 = peak).
 *
 * Split-K: a single-path tensor kernel whose CTAs (row tiles x column tiles) are fewer than
 * the SMs splits its K reduction over `splits = min(floor(SMs / CTAs), ceil(K / tile.k))`
 * CTAs, as cuBLAS/CUTLASS split-K GEMMs do (CUTLASS "split-K serial" / "split-K parallel",
 * GemmSplitKParallel + reduction kernel): each CTA runs K / splits, and when splits > 1 every
 * split writes an M x N fp32 partial that a reduction reads back, adding
 * 2 x splits x M x N x 4 bytes of traffic (through L2 when it fits, else DRAM). The split is taken only when it shortens
 * the kernel (a memory-bound kernel is not split). Multi-path (divergent) kernels are not split.
 */
import type { GpuSimt } from '../../formats/hardware.js';
import type { AcceleratorModel, KernelCost, KernelSpec } from '../types.js';
import { icacheEffect } from './icache.js';

export function createGpuSimt(spec: GpuSimt): AcceleratorModel {
  const clockGhz = spec.clockMhz / 1000;
  const dramBytesPerCycle = spec.memBandwidthGBps / clockGhz;
  const l2BytesPerCycle = spec.l2BandwidthGBps / clockGhz;
  type Tile = GpuSimt['gemmTile'];
  // a tuned GEMM library picks, per shape, the fastest of the tile configurations it has
  const tiles: Tile[] = [spec.gemmTile, ...(spec.gemmTileAlternatives ?? [])];

  function cost(kernel: KernelSpec): KernelCost {
    // (a batched GEMM's entries share one shape, so the library picks one tile for all)
    const oneShape = kernel.paths.length === 1 || kernel.entries !== undefined;
    if (kernel.unit !== 'tensor' || !oneShape || tiles.length === 1) return costWith(kernel, spec.gemmTile);
    let best: KernelCost | null = null;
    for (const t of tiles) {
      const c = costWith(kernel, t);
      if (best === null || c.timeNs < best.timeNs) best = c;
    }
    return best!;
  }

  function costWith(kernel: KernelSpec, tile: Tile): KernelCost {
    const tensor = kernel.unit === 'tensor';
    const g = tensor ? tile.m : spec.warpSize;
    const rate = tensor
      ? spec.tensorFlopsPerCyclePerSm[kernel.dtype] * (spec.tensorEfficiency ?? 1)
      : spec.vectorFlopsPerCyclePerSm;
    const paths = kernel.paths;
    const nested = kernel.nestedPaths === true;
    // vector kernels issue warp instructions: one FMA per 2 FLOPs of a lane, plus the loop
    // control of a counted loop and, where the kernel branches between compiled paths, the
    // dispatch and reconvergence around each path a warp enters. A non-FMA instruction takes
    // an issue slot like an FMA: rate / 2 lane-instructions per SM cycle.
    const entryInstr = !tensor && paths.length > 1 ? (spec.pathEntryInstr ?? 0) : 0;
    const copyInstr = kernel.copyOp ? (spec.copyInstrPerElement?.[kernel.copyOp] ?? 0) : 0;
    const instrPerLane = (p: (typeof paths)[number]) =>
      p.flopsPerRow / 2 + (p.loopTrips ?? 0) * (spec.loopControlInstr ?? 0) + (p.flopsPerRow > 0 ? entryInstr : 0) + copyInstr;
    // a tensor CTA pays a fixed prologue (filling its operand pipeline) and epilogue (storing its
    // output tile) besides its K loop
    const ctaOverhead = tensor ? (spec.ctaOverheadCycles ?? 0) : 0;
    const ctaCycles = (p: (typeof paths)[number]) => (2 * g * tile.n * p.k) / rate + ctaOverhead;
    // cycles and issued FLOP slots of one full unit on each path
    const unitCycles = paths.map((p) => (tensor ? Math.ceil(p.n / tile.n) * ctaCycles(p) : (g * 2 * instrPerLane(p)) / rate));
    // scheduling quantum: one CTA (a row tile x one column tile) or one warp
    const unitQuantum = paths.map((p, i) => (tensor ? ctaCycles(p) : unitCycles[i]!));
    const unitSlots = paths.map((p) => g * p.flopsPerRow);
    const used = new Uint8Array(paths.length);

    let units = 0;
    let emptyUnits = 0;
    let divergentUnits = 0;
    let sumCycles = 0;
    let maxCycles = 0;
    let issued = 0;
    let active = 0;
    let useful = 0;
    let padding = 0;
    let actBytes = 0;

    // the unit being filled
    let uRows = 0;
    let uActive = 0;
    let uMixed = false;
    let uFirst: readonly number[] | null = null;
    const uSet = new Uint8Array(paths.length);
    let uSetSize = 0;

    // cycles, issued slots and scheduling quantum of one unit running the paths in `set`
    // (results in uc, us, uq: this runs for every unit boundary, so it allocates nothing)
    let uc = 0;
    let us = 0;
    let uq = 0;
    const unitCost = (set: ArrayLike<number>, size: number, byFlag: boolean) => {
      uc = 0;
      us = 0;
      uq = 0;
      for (let k = 0; k < size; k++) {
        // byFlag: set is a 0/1 flag per path id; else a list of path ids
        const id = byFlag ? k : set[k]!;
        if (byFlag && !set[k]) continue;
        if (nested) {
          uc = Math.max(uc, unitCycles[id]!);
          us = Math.max(us, unitSlots[id]!);
          uq = Math.max(uq, unitQuantum[id]!);
        } else {
          uc += unitCycles[id]!;
          us += unitSlots[id]!;
          uq += unitQuantum[id]!;
        }
      }
    };

    const closeUnit = () => {
      if (uRows === 0) return;
      if (uSetSize > 0) {
        unitCost(uSet, paths.length, true);
        const c = uc;
        const s = us;
        const q = uq;
        units++;
        if (uMixed) divergentUnits++;
        sumCycles += c;
        if (q > maxCycles) maxCycles = q;
        issued += s;
        active += uActive;
        padding += (s / g) * (g - uRows);
      } else emptyUnits++;
      uRows = 0;
      uActive = 0;
      uMixed = false;
      uFirst = null;
      uSet.fill(0);
      uSetSize = 0;
    };

    const samePaths = (a: readonly number[], b: readonly number[]) =>
      a.length === b.length && a.every((x, i) => x === b[i]);

    // n rows of a run on `runPaths` join the open unit (closing it when full)
    const join = (runPaths: readonly number[], rowFlops: number, n: number) => {
      if (uRows > 0 && (uFirst === null || !samePaths(uFirst, runPaths))) uMixed = true;
      if (uRows === 0) uFirst = runPaths;
      for (const p of runPaths)
        if (!uSet[p]) {
          uSet[p] = 1;
          uSetSize++;
        }
      uRows += n;
      uActive += n * rowFlops;
      if (uRows === g) closeUnit();
    };

    const addRun = (run: (typeof kernel.runs)[number], runRows: number) => {
      let rows = runRows;
      if (rows <= 0) return;
      let rowFlops = 0;
      let rowBytes = 0;
      for (const p of run.paths) {
        rowFlops += paths[p]!.flopsPerRow;
        rowBytes += paths[p]!.bytesPerRow;
        used[p] = 1;
      }
      if (nested && run.paths.length > 1) rowFlops = Math.max(...run.paths.map((p) => paths[p]!.flopsPerRow));
      actBytes += rows * rowBytes;
      useful += rows * rowFlops * run.useful;

      // top up the open unit
      if (uRows > 0) {
        const n = Math.min(rows, g - uRows);
        join(run.paths, rowFlops, n);
        rows -= n;
      }
      // whole units of this run alone: uniform, never divergent
      const whole = Math.floor(rows / g);
      if (whole > 0) {
        if (run.paths.length > 0) {
          unitCost(run.paths, run.paths.length, false);
          const c = uc;
          const s = us;
          const q = uq;
          units += whole;
          sumCycles += whole * c;
          if (q > maxCycles) maxCycles = q;
          issued += whole * s;
          active += whole * g * rowFlops;
        } else emptyUnits += whole;
        rows -= whole * g;
      }
      if (rows > 0) join(run.paths, rowFlops, rows);
    };
    const entries = kernel.entries;
    if (entries !== undefined) {
      // a batched / grouped GEMM tiles each entry on its own: the last tile of an entry closes there
      // rows left in the current entry; empty entries are skipped, rows past the last form one more
      let e = -1;
      let left = 0;
      for (const run of kernel.runs) {
        let rows = run.rows;
        while (rows > 0) {
          while (left === 0) left = ++e < entries.length ? entries[e]! : Infinity;
          const n = Math.min(rows, left);
          addRun(run, n);
          rows -= n;
          left -= n;
          if (left === 0) closeUnit();
        }
      }
    } else for (const run of kernel.runs) addRun(run, run.rows);
    closeUnit();

    // instruction cache (lane-mapped kernels that state their code size)
    if (kernel.code && !tensor) {
      let instrPerPass = 0;
      for (let p = 0; p < paths.length; p++) if (used[p]) instrPerPass = Math.max(instrPerPass, instrPerLane(paths[p]!));
      const ic = icacheEffect(kernel, spec, instrPerPass);
      sumCycles *= ic.factor;
      maxCycles *= ic.factor;
    }

    let weightBytes = 0;
    for (let p = 0; p < paths.length; p++) if (used[p]) weightBytes += paths[p]!.weightBytes;
    // launched warps / CTAs without work still cost their scheduling and exit (E1 compact_sorted
    // vs compact_grid on the H100: the extra empty warps of the sorted layout cost linearly)
    // they fill the SM time the last wave leaves idle before they lengthen the kernel
    // a grid in which no warp has work only launches and retires them (emptyGridWarpCycles);
    // empty warps among working ones take SM time from them (emptyWarpCycles)
    const emptyRate = units === 0 && spec.emptyGridWarpCycles !== undefined ? spec.emptyGridWarpCycles : spec.emptyWarpCycles;
    const emptyCycles = emptyUnits * emptyRate * (tensor ? Math.ceil((paths[0]?.n ?? 0) / tile.n) || 1 : 1);
    // operands that stay in L2 between repeats (the caller says so; they must fit) are served
    // at the L2 bandwidth, the rest streams from DRAM
    const operandBytes = weightBytes + actBytes;
    const resident = kernel.l2Resident === true && operandBytes <= spec.l2Bytes;
    // activations handed from kernel to kernel stay in L2 when they fit
    const chainedAct = !resident && kernel.chained === true && actBytes <= spec.l2Bytes ? actBytes : 0;
    // roofline of the kernel for a CTA quantum q and extra traffic through L2 (split-K partials,
    // written and read back at once: L2 when they fit, else DRAM)
    const roofline = (q: number, partialBytes: number, extraCycles = 0) => {
      const partialsInL2 = partialBytes <= spec.l2Bytes;
      const dram = (resident ? 0 : operandBytes - chainedAct) + (partialsInL2 ? 0 : partialBytes);
      const l2 = (resident ? operandBytes : chainedAct) + (partialsInL2 ? partialBytes : 0);
      const total = sumCycles + extraCycles;
      const waves = q > 0 ? Math.max(q, Math.ceil(total / (spec.sms * q) - 1e-9) * q) : 0;
      const slack = waves * spec.sms - total;
      const compute = waves + Math.max(0, emptyCycles - slack) / spec.sms;
      const memory = dram / dramBytesPerCycle + l2 / l2BytesPerCycle;
      return { bytes: dram, l2, compute, memory, cycles: Math.max(compute, memory) };
    };
    let best = roofline(maxCycles, 0);
    // split-K (single-path tensor kernels only): fill idle SMs by splitting the K reduction,
    // when it pays: a tuned library does not split a kernel that memory bounds anyway
    if (tensor && paths.length === 1 && units > 0) {
      const p = paths[0]!;
      const ctas = units * Math.ceil(p.n / tile.n);
      const splits = ctas < spec.sms ? Math.max(1, Math.min(Math.floor(spec.sms / ctas), Math.ceil(p.k / tile.k))) : 1;
      if (splits > 1) {
        let rowsM = 0;
        for (const run of kernel.runs) if (run.rows > 0 && run.paths.length > 0) rowsM += run.rows;
        // each CTA runs K / splits plus its own prologue / epilogue; fp32 partials are written
        // and read back by the reduction (through L2 when they fit)
        const loop = maxCycles - ctaOverhead;
        const split = roofline(loop / splits + ctaOverhead, 2 * splits * rowsM * p.n * 4, (splits - 1) * ctas * ctaOverhead);
        if (split.cycles < best.cycles) best = split;
      }
    }
    const dramBytes = best.bytes;
    // every kernel with work pays its ramp / drain (kernelTailNs)
    const hasWork = units > 0 || emptyUnits > 0 || dramBytes > 0;
    const tailCycles = hasWork ? (spec.kernelTailNs ?? 0) * clockGhz : 0;
    const cycles = best.cycles + tailCycles;
    // at the power limit the SM clock drops: compute cycles stretch, memory time does not
    const slow = spec.sustainedClockMhz !== undefined ? spec.clockMhz / spec.sustainedClockMhz : 1;
    const throttledCycles = Math.max(best.compute * slow, best.memory) + tailCycles;
    const flopPj = tensor ? spec.energy.tensorFlopPj : spec.energy.vectorFlopPj;
    return {
      cycles,
      timeNs: cycles / clockGhz,
      throttledTimeNs: throttledCycles / clockGhz,
      issuedSlotFlops: issued,
      activeFlops: active,
      usefulFlops: useful,
      divergentSlotFlops: Math.max(0, issued - active - padding),
      units,
      divergentUnits,
      dramBytes,
      energyPj: active * flopPj + dramBytes * spec.energy.dramBytePj + best.l2 * spec.energy.l2BytePj,
    };
  }

  return {
    kind: 'gpu-simt',
    clockGhz,
    cost,
    staticPowerW: spec.energy.staticPowerW,
    launchNs: spec.kernelLaunchNs,
  };
}

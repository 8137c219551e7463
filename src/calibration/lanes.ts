/**
 * Lanes of a divergence case: expanding the path-id tile (explicit or generated), the
 * grid-wide statistics the measurement recorded (active lanes, warps, distinct paths per
 * warp) and the KernelSpec rows of the lane-mapped kernel.
 *
 * Lane layout: lane t < threads runs path tile[t mod length]; an id < 0 is an inactive lane.
 * Blocks of `block` threads are cut into warps of `warpSize` lanes (a block that is not a
 * multiple of the warp size ends in a partial warp); lanes of the last block at or beyond
 * `threads` are idle.
 */
import { createHash } from 'node:crypto';
import { DynsimError, type Problem } from '../util/errors.js';
import type { MeasurementCase, Tile } from '../formats/measurement.js';
import type { KernelSpec, PathWork, RowRun } from '../hardware/types.js';

type DivergenceWorkload = Extract<MeasurementCase['workload'], { kind: 'divergence' }>;

const MASK64 = (1n << 64n) - 1n;

/** splitmix64 (Steele, Lea, Flood 2014): the 64-bit outputs as BigInts. */
export function splitmix64(seed: number | bigint): () => bigint {
  let s = BigInt(seed) & MASK64;
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & MASK64;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
}

/** Uniform [0, 1) draws from splitmix64: (next() >> 11) * 2^-53. */
export function splitmixU01(seed: number | bigint): () => number {
  const next = splitmix64(seed);
  return () => Number(next() >> 11n) * 2 ** -53;
}

/** The per-lane path ids of one tile. */
export function expandTile(tile: Tile): Int32Array {
  if (Array.isArray(tile)) return Int32Array.from(tile);
  const out = new Int32Array(tile.length);
  switch (tile.pattern) {
    case 'round-robin':
      for (let t = 0; t < out.length; t++) out[t] = t % tile.k;
      break;
    case 'rotate':
      for (let t = 0; t < out.length; t++) out[t] = (((t % tile.warp) % tile.k) + Math.floor(t / tile.warp) * tile.k) % tile.paths;
      break;
    case 'bernoulli': {
      const u = splitmixU01(tile.seed);
      for (let t = 0; t < out.length; t++) out[t] = u() < tile.p ? tile.path : -1;
      break;
    }
    case 'prefix':
      for (let t = 0; t < out.length; t++) out[t] = t < tile.active ? tile.path : -1;
      break;
    case 'uniform':
      out.fill(tile.path);
      break;
  }
  return out;
}

/** SHA-256 of a tile as int32 little-endian (the `tileSha256` convention). */
export function tileSha256(ids: Int32Array): string {
  const buf = Buffer.alloc(ids.length * 4);
  for (let i = 0; i < ids.length; i++) buf.writeInt32LE(ids[i]!, i * 4);
  return createHash('sha256').update(buf).digest('hex');
}

export interface LaneStats {
  threads: number;
  /** Lanes launched: blocks x block (the last block may run past `threads`). */
  launchedLanes: number;
  activeLanes: number;
  /** Warps holding at least one of the `threads` lanes. */
  warps: number;
  /** Warps launched (blocks x warps per block). */
  launchedWarps: number;
  warpsWithActive: number;
  /** Sum over warps of the distinct paths of their active lanes. */
  sumDistinctPaths: number;
  /** Most distinct paths in one warp. */
  maxDistinctPaths: number;
  /** Distinct path ids used anywhere in the grid. */
  pathsUsed: number;
}

export interface DivergenceLanes {
  tile: Int32Array;
  stats: LaneStats;
  spec: KernelSpec;
}

/**
 * Expands a divergence workload into its lanes: checks the tile against the declared paths,
 * its digest and the recorded statistics (each mismatch is a located problem), and builds the
 * vector KernelSpec (one row per lane slot, idle rows for inactive and padding lanes).
 */
export function divergenceLanes(w: DivergenceWorkload, name: string, file?: string, base = 'workload'): DivergenceLanes {
  const problems: Problem[] = [];
  const at = (path: string, message: string) => problems.push({ file, path: `${base}.${path}`, message });
  const tile = expandTile(w.tile);
  for (let t = 0; t < tile.length; t++)
    if (tile[t]! >= w.paths) {
      at(Array.isArray(w.tile) ? `tile[${t}]` : 'tile', `expected path ids < paths (${w.paths}), got ${tile[t]} at lane ${t} of the tile`);
      break;
    }
  const flops = Array.isArray(w.flopsPerLane) ? w.flopsPerLane : new Array<number>(w.paths).fill(w.flopsPerLane);
  if (flops.length !== w.paths) at('flopsPerLane', `expected ${w.paths} entries (one per path), got ${flops.length}`);
  if (w.tileSha256 !== undefined) {
    const got = tileSha256(tile);
    if (got !== w.tileSha256) at('tileSha256', `expected the digest of the expanded tile, ${got}, got ${w.tileSha256}`);
  }
  if (problems.length) throw new DynsimError('E_SCHEMA', problems);

  const ws = w.warpSize;
  const warpsPerBlock = Math.ceil(w.block / ws);
  const blocks = Math.ceil(w.threads / w.block);
  const runs: RowRun[] = [];
  const single: number[][] = Array.from({ length: w.paths }, (_, p) => [p]);
  const idle: number[] = [];
  // the run being built (consecutive rows on the same path set)
  let curPaths: number[] | null = null;
  let curRows = 0;
  const emit = (rows: number, paths: number[]) => {
    if (paths === curPaths) {
      curRows += rows;
      return;
    }
    if (curPaths !== null && curRows > 0) runs.push({ rows: curRows, paths: curPaths, useful: 1 });
    curPaths = paths;
    curRows = rows;
  };
  const stats: LaneStats = {
    threads: w.threads,
    launchedLanes: blocks * w.block,
    activeLanes: 0,
    warps: 0,
    launchedWarps: blocks * warpsPerBlock,
    warpsWithActive: 0,
    sumDistinctPaths: 0,
    maxDistinctPaths: 0,
    pathsUsed: 0,
  };
  const seen = new Uint32Array(w.paths); // warp stamp per path
  const used = new Uint8Array(w.paths);
  let stamp = 0;
  const len = tile.length;
  for (let b = 0; b < blocks; b++) {
    const first = b * w.block;
    for (let wi = 0; wi < warpsPerBlock; wi++) {
      const lo = wi * ws;
      const hi = Math.min(lo + ws, w.block);
      stamp++;
      let distinct = 0;
      // lanes of this warp that exist (t < threads)
      const end = Math.min(hi, w.threads - first);
      let t = first + lo;
      let ti = t % len;
      for (let j = lo; j < end; j++, t++) {
        const p = tile[ti]!;
        if (++ti === len) ti = 0;
        if (p < 0) {
          emit(1, idle);
          continue;
        }
        stats.activeLanes++;
        used[p] = 1;
        if (seen[p] !== stamp) {
          seen[p] = stamp;
          distinct++;
        }
        emit(1, single[p]!);
      }
      if (end > lo) stats.warps++;
      // lanes past `threads` in the last block, and the padding of a partial warp, idle
      const pad = ws - Math.max(0, end - lo);
      if (pad > 0) emit(pad, idle);
      if (distinct > 0) stats.warpsWithActive++;
      stats.sumDistinctPaths += distinct;
      if (distinct > stats.maxDistinctPaths) stats.maxDistinctPaths = distinct;
    }
  }
  if (curPaths !== null && curRows > 0) runs.push({ rows: curRows, paths: curPaths, useful: 1 });
  for (const u of used) stats.pathsUsed += u;

  if (w.expect) {
    for (const key of ['activeLanes', 'warps', 'warpsWithActive', 'sumDistinctPaths'] as const) {
      const want = w.expect[key];
      if (want !== undefined && want !== stats[key])
        at(`expect.${key}`, `expected the lanes to reproduce the recorded ${want}, they give ${stats[key]}`);
    }
    if (problems.length) throw new DynsimError('E_SCHEMA', problems);
  }

  const trips = w.code?.reps;
  const paths: PathWork[] = flops.map((f) => ({
    flopsPerRow: f,
    k: 0,
    n: 0,
    weightBytes: 0,
    bytesPerRow: w.bytesPerLane,
    ...(trips !== undefined ? { loopTrips: trips } : {}),
  }));
  const code = w.code?.bytes !== undefined ? { code: { pathBytes: w.code.bytes / w.paths, blockThreads: w.block } } : {};
  return { tile, stats, spec: { name, unit: 'vector', dtype: w.dtype, paths, runs, ...code } };
}

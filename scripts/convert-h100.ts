// Converts the raw H100 calibration measurements (../shared/calibration/h100: divergence.jsonl,
// eager-ops.json, graph-ops.json) into dynsim measurement cases, one case set per workload
// family: calibration/h100/{divergence,launch,control,gemm,copy}.json.
//
// Run: node scripts/run-ts.mjs scripts/convert-h100.ts [--src DIR] [--out DIR]
// (run-ts.mjs bundles this file with esbuild into a temporary module and runs it with node.)
// The conversion checks itself: every divergence tile generator must reproduce the stored
// tile, and every case must validate against the case schema.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CaseSet, MeasurementCase, type ControlMechanism, type TileGenerator } from '../src/formats/measurement.js';
import { expandTile, tileSha256 } from '../src/calibration/lanes.js';

type Json = Record<string, unknown>;
type Case = MeasurementCase;
type Stats = { median: number; min: number; max: number; mean?: number; p10?: number; p90?: number; n?: number };

/** Where the raw files are cited from (the hardware preset cites the same paths). */
const CITE = 'shared/calibration/h100';
const DEVICE_NAME = 'NVIDIA H100 80GB HBM3';

export const FAMILY_FILES = ['divergence', 'launch', 'control', 'gemm', 'copy'] as const;
export type FamilyFile = (typeof FAMILY_FILES)[number];

export interface Conversion {
  sets: Record<FamilyFile, CaseSet>;
  /** Raw records with a timing that no case could represent, and why. */
  skipped: { source: string; reason: string }[];
}

/** A time in ms or us as us, rounded to 10 significant digits (no float noise). */
const usOf = (v: number, unit: 'ms' | 'us') => Number((unit === 'ms' ? v * 1000 : v).toPrecision(10));

function measured(s: Stats, unit: 'ms' | 'us', per: NonNullable<Case['measured']['per']>, count?: number, samples?: number[]): Case['measured'] {
  const m: Case['measured'] = { median: usOf(s.median, unit), min: usOf(s.min, unit), max: usOf(s.max, unit), unit: 'us', per };
  const n = count ?? s.n;
  if (n !== undefined) m.count = n;
  if (s.mean !== undefined) m.mean = usOf(s.mean, unit);
  if (s.p10 !== undefined) m.p10 = usOf(s.p10, unit);
  if (s.p90 !== undefined) m.p90 = usOf(s.p90, unit);
  if (samples) m.samples = samples.map((x) => usOf(x, unit));
  return m;
}

const base = (id: string, mode: Case['mode'], timing: Case['timing']) =>
  ({ format: 'dynsim-case', version: 1, id, hardware: 'h100', mode, timing }) as const;

/** Parses "name, clocks.sm, clocks.max.sm, clocks.mem, temp, power[, driver]" from nvidia-smi. */
function smi(line: string): { smMhz: number; driver?: string } {
  const f = line.split(',').map((x) => x.trim());
  return { smMhz: Number.parseFloat(f[1]!), ...(f[6] ? { driver: f[6] } : {}) };
}

/** sha256 of row indices as numpy int64 little-endian (the G0 file's convention). */
function idxSha256(idx: number[]): string {
  const buf = Buffer.alloc(idx.length * 8);
  idx.forEach((v, i) => buf.writeBigInt64LE(BigInt(v), i * 8));
  return createHash('sha256').update(buf).digest('hex');
}

// ------------------------------------------------------------------ divergence.jsonl

function tileGenerator(r: Json): TileGenerator {
  const variant = r.variant as string;
  const length = r.tile_len as number;
  const params = r.params as Json;
  const gen = r.gen as Json;
  if (variant.startsWith('rr_k')) return { pattern: 'round-robin', k: params.k as number, length };
  if (variant.startsWith('rot_k')) return { pattern: 'rotate', k: params.k as number, paths: 32, warp: 32, length };
  if (variant.startsWith('scattered')) return { pattern: 'bernoulli', p: params.p_active as number, seed: gen.seed as number, rng: 'splitmix64', path: 0, length };
  if (variant.startsWith('compact_sorted')) return { pattern: 'prefix', active: params.active_per_tile as number, path: 0, length };
  if (variant.startsWith('compact_grid')) return { pattern: 'uniform', path: 0, length };
  throw new Error(`divergence.jsonl: unknown E1 variant ${variant}`);
}

function convertDivergence(text: string, out: Case[], launch: Case[], control: Case[], skipped: Conversion['skipped']): void {
  const lines = text.split('\n');
  const file = `${CITE}/divergence.jsonl`;
  let props: Json = {};
  let e0Mhz: number | undefined;
  let e1Mhz: number | undefined;
  let e2Mhz: number | undefined;
  const attrs = new Map<number, Json>();
  const records = lines.map((l, i) => ({ line: i + 1, r: l.trim() ? (JSON.parse(l) as Json) : null }));
  for (const { r } of records) {
    if (!r) continue;
    if (r.exp === 'E0' && r.what === 'device_properties') props = r;
    if (r.exp === 'E0' && r.what === 'sm_clock_measured') e0Mhz = r.mhz as number;
    if (r.exp === 'E1' && r.what === 'sm_clock_measured') e1Mhz = r.mhz_before as number;
    if (r.exp === 'E1' && r.what === 'kernel_attributes') attrs.set(r.W as number, r);
    if (r.exp === 'clocks' && r.when === 'after_E2G') e2Mhz = smi(r.nvidia_smi as string).smMhz;
  }
  const cuda = `${Math.floor((props.runtime_version as number) / 1000)}.${((props.runtime_version as number) % 1000) / 10}`;
  const device = (mhz: number | undefined, how: string): NonNullable<Case['device']> => ({
    name: (props.name as string) ?? DEVICE_NAME,
    ...(mhz !== undefined ? { smClockMhz: mhz } : {}),
    driver: '580 (README; CUDA driver API 13000)',
    cuda,
    software: `CUDA C++ micro-benchmarks, SM clock ${how}`,
  });
  const dev0 = device(e0Mhz, 'clock64 vs %globaltimer at the start of E0');
  const dev1 = device(e1Mhz, 'clock64 vs %globaltimer before E1');
  const dev2 = device(e2Mhz, 'nvidia-smi clocks.sm after E2G');
  let gates: Json = {};

  for (const { line, r } of records) {
    if (!r) continue;
    const src = (field: string, extra: Partial<NonNullable<Case['source']>> = {}) => ({ file, record: `line ${line}`, field, ...extra });
    if (r.exp === 'E0' && r.what === 'empty_kernel_launch_backtoback') {
      launch.push({
        ...base(`e0-launch-grid${r.grid}x${r.block}`, 'cuda', 'back-to-back'),
        description: `E0: ${r.n_launches} empty kernels (grid ${r.grid} x block ${r.block}) launched back to back, GPU-event time per launch`,
        workload: { kind: 'launch', kernels: r.n_launches as number, grid: r.grid as number, block: r.block as number, sync: 'none' },
        measured: measured(r.gpu_event_us_per_launch as Stats, 'us', 'launch', r.repeats as number),
        device: dev0,
        source: src('gpu_event_us_per_launch'),
      });
    } else if (r.exp === 'E0' && r.what === 'sync_round_trip') {
      const n = r.n as number;
      launch.push({
        ...base('e0-sync-idle', 'cuda', 'single'),
        description: 'E0: cudaDeviceSynchronize on an idle device',
        workload: { kind: 'launch', kernels: 0, sync: 'device' },
        measured: measured(r.idle_cudaDeviceSynchronize_us as Stats, 'us', 'call', n),
        device: dev0,
        source: src('idle_cudaDeviceSynchronize_us'),
      });
      launch.push({
        ...base('e0-launch-sync-device', 'cuda', 'single'),
        description: 'E0: launch of an empty kernel + cudaDeviceSynchronize',
        workload: { kind: 'launch', kernels: 1, sync: 'device' },
        measured: measured(r.launch_empty_plus_cudaDeviceSynchronize_us as Stats, 'us', 'call', n),
        device: dev0,
        source: src('launch_empty_plus_cudaDeviceSynchronize_us'),
      });
      launch.push({
        ...base('e0-launch-sync-event', 'cuda', 'single'),
        description: 'E0: launch of an empty kernel + event record + cudaEventSynchronize',
        workload: { kind: 'launch', kernels: 1, sync: 'event' },
        measured: measured(r.launch_empty_plus_event_sync_us as Stats, 'us', 'call', n),
        device: dev0,
        source: src('launch_empty_plus_event_sync_us'),
      });
    } else if (r.exp === 'E0' && r.what === 'cuda_graph_replay_empty_kernels') {
      const nodes = r.nodes as number;
      launch.push({
        ...base('e0-graph-node', 'graph', 'back-to-back'),
        description: `E0: CUDA graph of ${nodes} empty kernels replayed ${r.replays_per_rep} times, GPU-event time per node`,
        workload: { kind: 'launch', kernels: nodes, sync: 'none' },
        measured: measured(r.gpu_event_us_per_node as Stats, 'us', 'node'),
        device: dev0,
        source: src('gpu_event_us_per_node'),
      });
      launch.push({
        ...base('e0-graph-replay-sync', 'graph', 'single'),
        description: `E0: one replay of the ${nodes}-node graph, launch + synchronise (host wall time)`,
        workload: { kind: 'launch', kernels: nodes, sync: 'device' },
        measured: measured(r.single_replay_launch_plus_sync_us as Stats, 'us', 'call'),
        device: dev0,
        source: src('single_replay_launch_plus_sync_us'),
      });
    } else if (r.exp === 'E1' && typeof r.variant === 'string') {
      const variant = r.variant;
      const W = r.W as number;
      const gen = tileGenerator(r);
      const stored = Int32Array.from(r.tile as number[]);
      const expanded = expandTile(gen);
      if (expanded.length !== stored.length || expanded.some((v, i) => v !== stored[i]))
        throw new Error(`divergence.jsonl line ${line}: the generator ${JSON.stringify(gen)} does not reproduce the stored tile`);
      const a = attrs.get(W);
      const params = r.params as Json;
      const isK = r.group === 'a_k_paths';
      const k = params.k as number | undefined;
      const p = params.p_active as number | undefined;
      const pStr = p?.toFixed(4);
      const group = isK ? `e1-w${W}-k${k}` : p !== 0 ? `e1-w${W}-p${pStr}` : undefined;
      const ms = r.ms as Stats;
      const all = r.ms_all as number[];
      const g = r.gen as Json;
      out.push({
        ...base(`e1-w${W}-${variant.replace(/_/g, '-')}`, 'cuda', 'single'),
        description: `E1 ${r.group} ${variant}, W=${W} (${r.reps} reps): ${g.rule}; ${r.n_threads} threads, blocks of ${r.block}`,
        ...(group ? { group } : {}),
        workload: {
          kind: 'divergence',
          threads: r.n_threads as number,
          block: r.block as number,
          warpSize: (props.warp_size as number) ?? 32,
          paths: 32,
          flopsPerLane: 2 * (r.fma_per_path as number),
          bytesPerLane: 8,
          dtype: 'fp32',
          tile: gen,
          tileSha256: tileSha256(stored),
          code: { unroll: W, reps: r.reps as number, bytes: W === 64 ? 40_000 : 138_000, ...(a ? { registers: a.num_regs as number } : {}) },
          expect: {
            activeLanes: r.active_lanes as number,
            warps: r.warps as number,
            warpsWithActive: r.warps_with_active as number,
            sumDistinctPaths: r.sum_distinct_paths_over_warps as number,
          },
        },
        measured: measured({ ...ms, n: all.length }, 'ms', 'kernel', undefined, all),
        device: dev1,
        source: src('ms', { seed: g.seed as number }),
        notes:
          'Tile: the generator reproduces the stored tile exactly (tileSha256 = int32 LE of it). bytesPerLane 8 assumes an int32 path id read and an fp32 result written per active lane. ' +
          'code.bytes approximate (README: 40 KB at W = 64, 138 KB at W = 256). Kernel time from CUDA events around one launch.',
      });
    } else if (r.exp === 'E2' && r.what === 'workload') {
      gates = r;
    } else if ((r.exp === 'E2' || r.exp === 'E2G') && typeof r.variant === 'string') {
      const v = r.variant;
      const map: Record<string, { mechanism: ControlMechanism; hostMemory?: 'pageable' | 'pinned' | 'mapped'; inGroup: boolean }> = {
        host_memcpy_pageable: { mechanism: 'memcpy-pageable', hostMemory: 'pageable', inGroup: true },
        host_memcpy_pinned: { mechanism: 'memcpy-pinned', hostMemory: 'pinned', inGroup: true },
        host_memcpyasync_sync_pinned: { mechanism: 'memcpy-async-sync', hostMemory: 'pinned', inGroup: true },
        host_memcpyasync_sync_pageable: { mechanism: 'memcpy-async-sync', hostMemory: 'pageable', inGroup: true },
        host_mapped_streamsync: { mechanism: 'mapped-sync', hostMemory: 'mapped', inGroup: true },
        host_mapped_spin: { mechanism: 'mapped-spin', hostMemory: 'mapped', inGroup: true },
        // references, not alternatives: the host knows the decision / the decision is ignored
        host_streamsync_nocopy: { mechanism: 'sync-only', inGroup: false },
        device_two_kernels: { mechanism: 'two-kernels-branch', inGroup: true },
        device_fused: { mechanism: 'fused', inGroup: true },
        device_two_kernels_nobranch: { mechanism: 'two-kernels', inGroup: false },
        graph_plain_per_iter: { mechanism: 'graph', inGroup: true },
        graph_cond_ifelse_per_iter: { mechanism: 'graph-if-else', inGroup: true },
        graph_cond_while_loop: { mechanism: 'graph-while', inGroup: true },
        // the same WHILE graph timed with GPU events (a second timing of a grouped case)
        graph_cond_while_loop_gpu_events: { mechanism: 'graph-while', inGroup: false },
      };
      const m = map[v];
      if (!m) {
        skipped.push({ source: `${file} line ${line}`, reason: `unknown E2 variant ${v}` });
        continue;
      }
      const events = r.exp === 'E2G';
      const kpi = events ? 3 : (r.kernel_launches_per_iter as number);
      const stats = (events ? r.gpu_event_per_iter_us : r.per_iter_us) as Stats;
      const mode: Case['mode'] = m.mechanism.startsWith('graph') ? 'graph' : 'cuda';
      control.push({
        ...base(`${r.exp.toString().toLowerCase()}-${v.replace(/_/g, '-')}`, mode, 'back-to-back'),
        description: `${r.exp} ${v}: ${r.desc ?? 'WHILE-loop graph timed with GPU events'}; ${gates.iters ?? 1000} gated iterations`,
        ...(m.inGroup ? { group: 'e2-gated-chain' } : {}),
        workload: {
          kind: 'control',
          mechanism: m.mechanism,
          ...(m.hostMemory ? { hostMemory: m.hostMemory } : {}),
          iterations: (r.iters as number) ?? (gates.iters as number) ?? 1000,
          kernelsPerIteration: kpi,
          decisionBytes: 4,
          decisions: { ones: gates.gate_ones as number, rule: gates.rule as string, seed: gates.seed_state as number },
        },
        measured: measured(stats, 'us', 'iteration', events ? undefined : (r.runs as number), events ? undefined : (r.per_iter_us_runs as number[])),
        device: dev2,
        source: { file, record: `line ${line}`, field: events ? 'gpu_event_per_iter_us' : 'per_iter_us', seed: gates.seed_state as number },
        ...(events ? { notes: 'kernelsPerIteration 3 as in graph_cond_while_loop (not recorded in this line).' } : {}),
      });
    }
  }
}

// ------------------------------------------------------------------ eager-ops.json (C0)

function convertEager(doc: Json, gemm: Case[], copy: Case[], launch: Case[], control: Case[], skipped: Conversion['skipped']): void {
  const file = `${CITE}/eager-ops.json`;
  const d = doc.device as Json;
  const after = smi(d.nvidia_smi_after as string);
  const device: NonNullable<Case['device']> = {
    name: (d.gpu_name as string) ?? DEVICE_NAME,
    smClockMhz: after.smMhz,
    ...(after.driver ? { driver: after.driver } : {}),
    cuda: d.torch_cuda as string,
    software: `PyTorch ${d.torch}, Python ${d.python}; SM clock: nvidia-smi clocks.sm after the run`,
  };
  const cases = doc.cases as Json[];
  cases.forEach((c, i) => {
    const src = (field: string, extra: Partial<NonNullable<Case['source']>> = {}) => ({ file, record: `cases[${i}] (${c.name})`, field, ...extra });
    const name = c.name as string;
    const shape = c.shape as Json;
    if (name.startsWith('gemm_')) {
      const M = shape.M as number;
      const dd = shape.d as number;
      const w = { kind: 'gemm', m: M, k: dd, n: dd, dtype: 'fp16', cache: 'warm' } as const;
      gemm.push({
        ...base(`c0-gemm-d${dd}-m${M}-b2b`, 'eager', 'back-to-back'),
        description: `C0 eager X[${M},${dd}] @ W[${dd},${dd}] fp16, back-to-back time per op`,
        workload: w,
        measured: measured(c.backtoback_ms_per_op as Stats, 'ms', 'op'),
        notes: 'cache warm: the op repeats on the same tensors (the source records no buffer rotation, unlike the G0 GEMMs), so operands that fit stay in L2.',
        device,
        source: src('backtoback_ms_per_op'),
      });
      const single = c.single_op as Json;
      gemm.push({
        ...base(`c0-gemm-d${dd}-m${M}-single`, 'eager', 'single'),
        description: `C0 eager X[${M},${dd}] @ W[${dd},${dd}] fp16, one op including its launch (CUDA events around the host call)`,
        workload: w,
        measured: measured(single.ms as Stats, 'ms', 'op', undefined, single.ms_all as number[]),
        notes: 'cache warm: the op repeats on the same tensors (the source records no buffer rotation, unlike the G0 GEMMs), so operands that fit stay in L2.',
        device,
        source: src('single_op.ms'),
      });
    } else if (name.startsWith('gather_scatter_')) {
      const M = shape.M as number;
      const dd = shape.d as number;
      const dec = c.decisions as Json;
      const idx = dec.idx as number[];
      const indices = {
        kind: dec.kind as string,
        count: idx.length,
        gen: dec.gen as string,
        seed: dec.seed as number,
        sha256: idxSha256(idx),
        sha256Of: 'computed by the converter: the stored idx as int64 little-endian',
      };
      for (const op of ['gather', 'scatter'] as const)
        copy.push({
          ...base(`c0-${op}-d${dd}-m${M}`, 'eager', 'back-to-back'),
          description: `C0 eager ${op === 'gather' ? 'index_select' : 'index_copy_'} of ${M} rows x ${dd} fp16 (${shape.src_rows}-row tensor), time per op`,
          workload: { kind: 'copy', op, rows: M, width: dd, srcRows: shape.src_rows as number, dtype: 'fp16', indexBytes: 8, indices, cache: 'warm' },
          measured: measured(c[`${op}_ms_per_op`] as Stats, 'ms', 'op'),
          notes: 'cache warm: the op repeats on the same tensors (the source records no buffer rotation, unlike the G0 GEMMs), so operands that fit stay in L2.',
          device,
          source: src(`${op}_ms_per_op`, { seed: dec.seed as number }),
        });
    } else if (name === 'host_sync_latency') {
      const res = c.results as Json;
      const st = (k: string) => res[k] as Stats;
      const rec = (field: string) => src(`results.${field}`);
      launch.push({
        ...base('c0-sync-idle', 'eager', 'single'),
        description: 'C0 torch.cuda.synchronize() on an idle device (host perf_counter)',
        workload: { kind: 'launch', kernels: 0, sync: 'device' },
        measured: measured(st('cuda_synchronize_idle_us'), 'us', 'call'),
        device,
        source: rec('cuda_synchronize_idle_us'),
      });
      launch.push({
        ...base('c0-launch-sync', 'eager', 'single'),
        description: 'C0 a tiny eager op + torch.cuda.synchronize() (host perf_counter)',
        workload: { kind: 'launch', kernels: 1, sync: 'device' },
        measured: measured(st('tiny_kernel_plus_cuda_synchronize_us'), 'us', 'call'),
        device,
        source: rec('tiny_kernel_plus_cuda_synchronize_us'),
      });
      const dispatch = res.eager_tiny_op_dispatch_us_per_op as number;
      launch.push({
        ...base('c0-dispatch', 'eager', 'back-to-back'),
        description: 'C0 eager per-op dispatch cost of a tiny op',
        workload: { kind: 'launch', kernels: 1, sync: 'none' },
        measured: { median: dispatch, min: dispatch, max: dispatch, unit: 'us', per: 'op' },
        device,
        source: rec('eager_tiny_op_dispatch_us_per_op'),
        notes: 'A single derived value: no spread recorded (min = max = median).',
      });
      const hop = (id: string, field: string, kernels: number, bytes: number, what: string) =>
        control.push({
          ...base(id, 'eager', 'single'),
          description: `C0 ${what} (host perf_counter)`,
          workload: { kind: 'control', mechanism: 'memcpy-async-sync', hostMemory: 'pageable', iterations: 1, kernelsPerIteration: kernels, decisionBytes: bytes },
          measured: measured(st(field), 'us', 'call'),
          device,
          source: rec(field),
          notes: 'PyTorch copies device -> host with cudaMemcpyAsync into pageable memory and synchronises the stream.',
        });
      hop('c0-item', 'item_of_scalar_us', 0, 4, '.item() of a device scalar');
      hop('c0-launch-item', 'tiny_kernel_plus_item_us', 1, 4, 'a tiny eager op, then .item() of its scalar result');
      hop('c0-bool64-cpu', 'bool64_cpu_us', 0, 64, '.cpu() of a 64-element bool tensor');
      hop('c0-bool1024-cpu', 'bool1024_cpu_us', 0, 1024, '.cpu() of a 1,024-element bool tensor');
      for (const k of ['nonzero_bool1024_us', 'bincount8_tolist_us'])
        skipped.push({
          source: `${file} cases[${i}].results.${k}`,
          reason: 'the op sequence inside (count kernel, implicit device->host sync, second kernel; or bincount + tolist) is not recorded, so no workload can be stated without inventing it',
        });
    } else skipped.push({ source: `${file} cases[${i}]`, reason: `unknown C0 case ${name}` });
  });
}

// ------------------------------------------------------------------ graph-ops.json (G0)

function convertGraph(doc: Json, gemm: Case[], copy: Case[], skipped: Conversion['skipped']): void {
  const file = `${CITE}/graph-ops.json`;
  const d = doc.device as Json;
  const after = smi(d.nvidia_smi_after as string);
  const device: NonNullable<Case['device']> = {
    name: (d.gpu_name as string) ?? DEVICE_NAME,
    smClockMhz: after.smMhz,
    ...(after.driver ? { driver: after.driver } : {}),
    cuda: d.torch_cuda as string,
    software: `PyTorch ${d.torch} CUDA graphs, Python ${d.python}; SM clock: nvidia-smi clocks.sm after the run`,
  };
  const cases = doc.cases as Json[];
  cases.forEach((c, i) => {
    if (c.section !== 'G0') return;
    const name = c.name as string;
    const shape = c.shape as Json;
    const res = c.results as Record<string, { graph: Json }>;
    const timing = (op: string) => {
      const g = res[op]!.graph;
      // one sample = one replay of inner_ops_per_replay ops, after `warmup` untimed replays
      return {
        ...measured({ ...(g.ms as Stats) }, 'ms', 'op', undefined, g.ms_all as number[]),
        ...(typeof g.warmup === 'number' ? { warmup: g.warmup } : {}),
        opsPerSample: g.inner_ops_per_replay as number,
      };
    };
    const src = (op: string, extra: Partial<NonNullable<Case['source']>> = {}) => ({ file, record: `cases[${i}] (${name})`, field: `results.${op}.graph.ms`, ...extra });
    const inner = (op: string) => res[op]!.graph.inner_ops_per_replay as number;
    if (name.startsWith('gemm_')) {
      const { M, K, N } = shape as { M: number; K: number; N: number };
      gemm.push({
        ...base(`g0-gemm-k${K}-n${N}-m${M}`, 'graph', 'back-to-back'),
        description: `G0 X[${M},${K}] @ W[${K},${N}] fp16 in a CUDA graph (${inner('gemm')} ops per replay, 4 rotating X/W buffers), time per op`,
        workload: { kind: 'gemm', m: M, k: K, n: N, dtype: 'fp16', cache: 'cold' },
        measured: timing('gemm'),
        device,
        source: src('gemm'),
      });
    } else if (name.startsWith('gather_scatter_')) {
      const M = shape.M as number;
      const dec = c.decisions as Json;
      const indices = {
        kind: dec.kind as string,
        count: M,
        gen: dec.gen as string,
        seed: dec.seed as number,
        sha256: dec.sha256 as string,
        sha256Of: dec.sha256_of as string,
      };
      for (const op of ['gather', 'scatter'] as const)
        copy.push({
          ...base(`g0-${op}-m${M}`, 'graph', 'back-to-back'),
          description: `G0 ${op === 'gather' ? 'index_select' : 'index_copy_'} of ${M} rows x ${shape.width} fp16 (${shape.src_rows}-row tensor) in a CUDA graph (${inner(op)} ops per replay), time per op`,
          workload: { kind: 'copy', op, rows: M, width: shape.width as number, srcRows: shape.src_rows as number, dtype: 'fp16', indexBytes: 8, indices, cache: 'warm' },
          measured: timing(op),
          notes: 'cache warm: every op of the replay reuses the same source, index and output tensors (only the GEMMs rotate buffers), so a working set that fits stays in L2.',
          device,
          source: src(op, { seed: dec.seed as number, sha256: dec.sha256 as string }),
        });
    } else if (name === 'd2d_copy') {
      copy.push({
        ...base('g0-d2d-copy', 'graph', 'back-to-back'),
        description: `G0 device-to-device copy of ${shape.bytes} bytes (contiguous fp16) in a CUDA graph (${inner('copy')} copies per replay), time per copy`,
        workload: { kind: 'copy', op: 'device-copy', bytes: shape.bytes as number, dtype: 'fp16', indexBytes: 8 },
        measured: timing('copy'),
        device,
        source: src('copy'),
      });
    } else skipped.push({ source: `${file} cases[${i}]`, reason: `unknown G0 case ${name}` });
  });
}

// ------------------------------------------------------------------ driver

export function convertH100(srcDir: string): Conversion {
  const divergence: Case[] = [];
  const launch: Case[] = [];
  const control: Case[] = [];
  const gemm: Case[] = [];
  const copy: Case[] = [];
  const skipped: Conversion['skipped'] = [];
  convertDivergence(readFileSync(join(srcDir, 'divergence.jsonl'), 'utf8'), divergence, launch, control, skipped);
  convertEager(JSON.parse(readFileSync(join(srcDir, 'eager-ops.json'), 'utf8')) as Json, gemm, copy, launch, control, skipped);
  convertGraph(JSON.parse(readFileSync(join(srcDir, 'graph-ops.json'), 'utf8')) as Json, gemm, copy, skipped);
  const what: Record<FamilyFile, string> = {
    divergence: 'E1 warp-divergence micro-benchmarks (a_k_paths, b_gate at W = 64 and 256)',
    launch: 'E0 launch / sync / graph-node floors and C0 eager dispatch and synchronise latencies',
    control: 'E2/E2G gated-chain control transfer (host hops and on-device alternatives) and C0 eager device->host latencies',
    gemm: 'C0 eager GEMMs (back-to-back and single op) and G0 graph-timed GEMMs',
    copy: 'C0 eager gather/scatter, G0 graph-timed gather/scatter and device copy',
  };
  const lists: Record<FamilyFile, Case[]> = { divergence, launch, control, gemm, copy };
  const sets = {} as Record<FamilyFile, CaseSet>;
  for (const f of FAMILY_FILES)
    sets[f] = CaseSet.parse({
      $schema: '../../schemas/cases.schema.json',
      format: 'dynsim-cases',
      version: 1,
      description: `H100 measurement cases: ${what[f]}. Converted by scripts/convert-h100.ts from ${CITE}; do not edit by hand.`,
      cases: lists[f],
    });
  return { sets, skipped };
}

/** JSON with 2-space indentation, arrays of numbers or strings kept on one line. */
export function stringifyCases(v: unknown, indent = ''): string {
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
    const inner = indent + '  ';
    return `[\n${v.map((x) => inner + stringifyCases(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    const inner = indent + '  ';
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${stringifyCases(x, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v);
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
  };
  const src = resolve(opt('src', '../shared/calibration/h100'));
  const out = resolve(opt('out', 'calibration/h100'));
  if (!existsSync(src)) {
    console.error(`error: ${src}: no such directory (give --src DIR)`);
    process.exitCode = 2;
    return;
  }
  const { sets, skipped } = convertH100(src);
  mkdirSync(out, { recursive: true });
  for (const f of FAMILY_FILES) {
    const target = join(out, `${f}.json`);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, `${stringifyCases(sets[f])}\n`);
    renameSync(tmp, target);
    console.log(`wrote ${target}: ${sets[f].cases.length} cases`);
  }
  for (const s of skipped) console.log(`skipped ${s.source}: ${s.reason}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

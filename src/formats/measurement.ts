/**
 * Measurement cases (`dynsim-case`, version 1) and case sets (`dynsim-cases`, version 1): one
 * timing measured on real hardware together with the exact workload that produced it, so that
 * `dynsim correlate` can simulate the same workload and compare. See docs/correlation.md.
 *
 * A case names its hardware (preset or file), the execution mode (`eager` framework ops, `graph`
 * replay, raw `cuda` launches), how the time was taken (`back-to-back`: steady-state time per
 * unit of a long stream of identical units; `single`: one unit from issue to completion), the
 * workload (discriminated by `kind`) and the measured statistics with their spread.
 */
import * as z from 'zod';
import { Dtype } from './network.js';
import { StrategyKindSchema } from './plan.js';

const count = (what: string) => z.number().int().min(1).describe(what);
const nonnegInt = (what: string) => z.number().int().min(0).describe(what);
const nonneg = (what: string) => z.number().min(0).describe(what);
const sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits')
  .describe('SHA-256 digest, lowercase hex.');

// ------------------------------------------------------------------ lane tiles (divergence)

/** Compact generators of a tile of per-lane path ids (id < 0 = inactive lane). */
export const TileGenerator = z.discriminatedUnion('pattern', [
  z
    .strictObject({
      pattern: z.literal('round-robin'),
      k: count('Distinct paths.'),
      length: count('Tile length (lanes).'),
    })
    .describe('Lane t of the tile takes path t mod k (every warp of 32 lanes sees k paths when k divides 32).'),
  z
    .strictObject({
      pattern: z.literal('rotate'),
      k: count('Distinct paths per warp.'),
      paths: count('Path ids cycle modulo this many paths.'),
      warp: count('Lanes per warp.').default(32),
      length: count('Tile length (lanes).'),
    })
    .describe('Lane t takes path ((t mod warp) mod k + floor(t / warp) * k) mod paths: k paths per warp, rotated from warp to warp.'),
  z
    .strictObject({
      pattern: z.literal('bernoulli'),
      p: z.number().min(0).max(1).describe('Probability that a lane is active.'),
      seed: nonnegInt('Seed of the generator (a safe integer).'),
      rng: z
        .literal('splitmix64')
        .default('splitmix64')
        .describe('splitmix64(seed); u01 = (next() >> 11) * 2^-53; one draw per lane in tile order; active when u01 < p.'),
      path: nonnegInt('Path id of the active lanes.').default(0),
      length: count('Tile length (lanes).'),
    })
    .describe('Each lane active with probability p (scattered gate).'),
  z
    .strictObject({
      pattern: z.literal('prefix'),
      active: nonnegInt('Active lanes, packed at the start of the tile.'),
      path: nonnegInt('Path id of the active lanes.').default(0),
      length: count('Tile length (lanes).'),
    })
    .describe('The first `active` lanes of the tile are active on `path`, the rest inactive (compacted gate).'),
  z
    .strictObject({
      pattern: z.literal('uniform'),
      path: z.number().int().describe('Path id of every lane (< 0: every lane inactive).'),
      length: count('Tile length (lanes).').default(1),
    })
    .describe('Every lane on the same path.'),
]);
export type TileGenerator = z.infer<typeof TileGenerator>;

export const Tile = z
  .union([z.array(z.number().int()).min(1).describe('Explicit per-lane path ids.'), TileGenerator])
  .describe('Per-lane path ids of a tile repeated over the grid: lane t runs path tile[t mod length]; an id < 0 is an inactive lane (it exits at once).');
export type Tile = z.infer<typeof Tile>;

export const DivergenceWorkload = z
  .strictObject({
    kind: z.literal('divergence'),
    threads: count('Threads (lanes) launched with work: lanes t < threads read the tile; the rest of the last block idles.'),
    block: count('Threads per block; warps are formed inside a block.'),
    warpSize: count('Lanes per warp.').default(32),
    paths: count('Distinct path bodies compiled into the kernel (path ids 0..paths-1).'),
    flopsPerLane: z
      .union([z.number().min(0), z.array(z.number().min(0)).min(1)])
      .describe('FLOPs one lane executes on each path (one number for every path, or one per path). A chain of n FFMAs = 2n FLOPs.'),
    bytesPerLane: nonneg('DRAM bytes an active lane reads and writes (e.g. its path id and its result).').default(0),
    dtype: Dtype.default('fp32'),
    tile: Tile,
    tileSha256: sha256
      .optional()
      .describe('SHA-256 of the expanded tile as int32 little-endian; checked when the case is simulated.'),
    code: z
      .strictObject({
        unroll: count('Instructions unrolled per loop body.').optional(),
        reps: count('Loop trip count per path.').optional(),
        bytes: count('Approximate machine-code size of the kernel (bytes).').optional(),
        registers: count('Registers per thread.').optional(),
      })
      .optional()
      .describe('Code-size information (instruction-cache effects).'),
    expect: z
      .strictObject({
        activeLanes: nonnegInt('Lanes with a path id >= 0.').optional(),
        warps: nonnegInt('Warps holding at least one of the `threads` lanes.').optional(),
        warpsWithActive: nonnegInt('Warps with at least one active lane.').optional(),
        sumDistinctPaths: nonnegInt('Sum over warps of the distinct paths of their active lanes.').optional(),
      })
      .optional()
      .describe('Grid-wide statistics recorded with the measurement; the expanded lanes must reproduce them.'),
  })
  .describe('A lane-mapped kernel: every lane runs the body of its path id; a warp runs the union of its lanes\' paths.');

export const LaunchWorkload = z
  .strictObject({
    kind: z.literal('launch'),
    kernels: nonnegInt('Empty kernels launched (graph mode: kernel nodes of the graph).').default(1),
    grid: count('Blocks per launch.').optional(),
    block: count('Threads per block.').optional(),
    sync: z
      .enum(['none', 'device', 'event'])
      .default('none')
      .describe('none: time per launch (per node in graph mode); device / event: time of the whole call, launches then one synchronisation.'),
  })
  .describe('Launch and synchronisation floors: empty kernels back to back, launch + sync, graph replay.');

export const GemmWorkload = z
  .strictObject({
    kind: z.literal('gemm'),
    m: count('Rows of X (batch, tokens).'),
    k: count('Reduction length.'),
    n: count('Output columns.'),
    dtype: Dtype.default('fp16'),
    cache: z
      .enum(['cold', 'warm'])
      .optional()
      .describe('cold: operands rotate so they are not L2-resident between repeats; warm: the same operands every repeat.'),
  })
  .describe('Y[M,N] = X[M,K] @ W[K,N] (one op).');

export const IndexRef = z
  .strictObject({
    kind: z.string().optional(),
    count: nonnegInt('Indices.').optional(),
    gen: z.string().optional().describe('Rule that regenerates them.'),
    seed: z.number().int().optional(),
    sha256: sha256.optional(),
    sha256Of: z.string().optional().describe('What the digest is taken over.'),
    values: z.array(z.number().int().min(0)).optional().describe('The indices themselves.'),
  })
  .describe('The row indices of a gather/scatter, or a reference that regenerates them.');

export const CopyWorkload = z
  .strictObject({
    kind: z.literal('copy'),
    op: z.enum(['gather', 'scatter', 'device-copy']),
    rows: count('Rows gathered or scattered.').optional(),
    width: count('Elements per row.').optional(),
    srcRows: count('Rows of the indexed tensor.').optional(),
    bytes: count('device-copy: bytes copied (each read once and written once).').optional(),
    dtype: Dtype.default('fp16'),
    indexBytes: nonneg('Bytes per row index read (int64 = 8).').default(8),
    indices: IndexRef.optional(),
    cache: z
      .enum(['cold', 'warm'])
      .optional()
      .describe('cold: buffers rotate so they are not L2-resident between repeats; warm: the same buffers every repeat.'),
  })
  .describe('Memory-bound copies: gather (index_select) / scatter (index_copy_) of rows x width, or a device-to-device copy.')
  .superRefine((w, ctx) => {
    if (w.op === 'device-copy') {
      if (w.bytes === undefined) ctx.addIssue({ code: 'custom', path: ['bytes'], message: 'expected the bytes copied (required for op "device-copy"), got nothing' });
    } else
      for (const f of ['rows', 'width'] as const)
        if (w[f] === undefined) ctx.addIssue({ code: 'custom', path: [f], message: `expected an integer >= 1 (required for op "${w.op}"), got nothing` });
  });

export const HOST_MECHANISMS = ['memcpy-pageable', 'memcpy-pinned', 'memcpy-async-sync', 'mapped-sync', 'mapped-spin', 'sync-only'] as const;
export const DEVICE_MECHANISMS = ['fused', 'two-kernels-branch', 'two-kernels', 'graph', 'graph-if-else', 'graph-while'] as const;
export const CONTROL_MECHANISMS = [...HOST_MECHANISMS, ...DEVICE_MECHANISMS] as const;
export type ControlMechanism = (typeof CONTROL_MECHANISMS)[number];

export const ControlWorkload = z
  .strictObject({
    kind: z.literal('control'),
    mechanism: z
      .enum(CONTROL_MECHANISMS)
      .describe(
        'Host round trip: memcpy-pageable / memcpy-pinned (cudaMemcpy D2H), memcpy-async-sync (cudaMemcpyAsync + stream sync), ' +
          'mapped-sync / mapped-spin (kernel writes mapped host memory; stream sync / host spins on a flag), sync-only (no data copied). ' +
          'On the device: fused (one kernel branches), two-kernels-branch (second kernel branches on the device-resident gate), ' +
          'two-kernels (no branch: launch floor), graph (plain graph per iteration), graph-if-else (IF/ELSE conditional node per iteration), ' +
          'graph-while (one graph, a WHILE node runs every iteration).',
      ),
    hostMemory: z.enum(['pageable', 'pinned', 'mapped']).optional().describe('Host buffer the decision lands in.'),
    iterations: count('Iterations of the measured loop.').default(1),
    kernelsPerIteration: nonnegInt('Kernels launched per iteration (kernel nodes for graphs).'),
    decisionBytes: nonneg('Bytes of decision data brought to the host per hop.').default(4),
    decisions: z
      .strictObject({
        ones: nonnegInt('Iterations whose gate was 1.').optional(),
        rule: z.string().optional(),
        seed: z.number().int().optional(),
        sha256: sha256.optional(),
        sequence: z.array(z.number().int()).optional(),
      })
      .optional()
      .describe('The gate decisions of the loop, or the rule and seed that regenerate them.'),
  })
  .describe('One gated step per iteration: the next kernel depends on a gate computed on the device. Time per iteration.');

export const NetworkWorkload = z
  .strictObject({
    kind: z.literal('network'),
    network: z.string().min(1).describe('Network preset name, or a file path relative to the case file.'),
    strategy: StrategyKindSchema.default('mask'),
    plan: z.string().min(1).optional().describe('Strategy plan file (dynsim-plan), relative to the case file.'),
    batch: count('Batch size.').default(32),
    trace: z.string().min(1).optional().describe('Recorded trace (JSONL, plain or gzip), relative to the case file.'),
    decisions: z
      .array(z.record(z.string(), z.unknown()))
      .min(1)
      .optional()
      .describe('Exact decisions inline: one object per sample, gate id -> decision (the `d` of a trace record).'),
    synthetic: z
      .strictObject({ samples: count('Samples.'), seed: z.number().int().default(1), spec: z.string().min(1).optional() })
      .optional()
      .describe('A synthetic trace (seeded), with an optional spec file relative to the case file.'),
    quantity: z
      .enum(['total', 'per-sample', 'latency-p50', 'latency-p99'])
      .default('total')
      .describe('Which simulated time the measurement is compared with.'),
  })
  .describe('A whole network replayed under a strategy (composite workloads).')
  .superRefine((w, ctx) => {
    const given = (['trace', 'decisions', 'synthetic'] as const).filter((f) => w[f] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `expected exactly one of trace, decisions, synthetic, got ${given.length === 0 ? 'none' : given.join(' and ')}`,
      });
  });

export const Workload = z.discriminatedUnion('kind', [
  DivergenceWorkload,
  LaunchWorkload,
  GemmWorkload,
  CopyWorkload,
  ControlWorkload,
  NetworkWorkload,
]);
export type Workload = z.infer<typeof Workload>;
export type WorkloadKind = Workload['kind'];
export const WORKLOAD_KINDS = ['divergence', 'launch', 'gemm', 'copy', 'control', 'network'] as const satisfies readonly WorkloadKind[];

// ------------------------------------------------------------------ the case

export const Measured = z
  .strictObject({
    median: z.number().positive().describe('Median time (the compared value).'),
    min: z.number().min(0),
    max: z.number().positive(),
    count: count('Timing samples behind the statistics, when recorded.').optional(),
    unit: z.enum(['us', 'ns']),
    mean: z.number().min(0).optional(),
    p10: z.number().min(0).optional(),
    p90: z.number().min(0).optional(),
    samples: z.array(z.number().min(0)).optional().describe('Every timing sample, when recorded.'),
    per: z
      .enum(['launch', 'node', 'op', 'kernel', 'iteration', 'call', 'run', 'sample'])
      .optional()
      .describe('What one measured time covers.'),
    warmup: z.number().int().min(0).optional().describe('Untimed samples run before the timed ones (same work each).'),
    opsPerSample: count('Units (ops, iterations) run back to back in one timing sample; the time is per unit.').optional(),
  })
  .describe('Measured statistics in `unit`.')
  .superRefine((m, ctx) => {
    if (!(m.min <= m.median && m.median <= m.max))
      ctx.addIssue({
        code: 'custom',
        path: ['median'],
        message: `expected min <= median <= max, got ${m.min} <= ${m.median} <= ${m.max}`,
      });
  });
export type Measured = z.infer<typeof Measured>;

export const CaseDevice = z
  .strictObject({
    name: z.string().min(1),
    smClockMhz: z.number().positive().optional(),
    driver: z.string().optional(),
    cuda: z.string().optional(),
    software: z.string().optional().describe('Framework and versions (e.g. PyTorch 2.11 cu130).'),
  })
  .describe('The device the case was measured on.');

export const CaseSource = z
  .strictObject({
    file: z.string().min(1).describe('Raw measurement file.'),
    record: z.string().min(1).describe('Where in the file: `line 12`, `cases[3]`, ...'),
    field: z.string().optional().describe('The statistics taken from the record.'),
    sha256: sha256.optional().describe('Digest of the raw file or of the record, when recorded.'),
    seed: z.number().int().optional(),
  })
  .describe('Where the numbers come from.');

export const EXEC_MODES = ['eager', 'graph', 'cuda'] as const;
export type ExecMode = (typeof EXEC_MODES)[number];

export const MeasurementCase = z
  .strictObject({
    $schema: z.string().optional(),
    format: z.literal('dynsim-case'),
    version: z.literal(1),
    id: z.string().min(1).describe('Unique among the cases correlated together.'),
    description: z.string().optional(),
    group: z
      .string()
      .min(1)
      .optional()
      .describe('Cases that differ only in strategy or mechanism share a group (ranking agreement).'),
    hardware: z.string().min(1).describe('Hardware preset name, or a file path relative to the case file.'),
    mode: z
      .enum(EXEC_MODES)
      .describe('eager: framework ops issued from the host one by one; graph: replayed graph nodes; cuda: raw runtime launches.'),
    timing: z
      .enum(['back-to-back', 'single'])
      .describe('back-to-back: steady-state time per unit of a long stream of identical units; single: one unit from issue to completion.'),
    workload: Workload,
    measured: Measured,
    device: CaseDevice.optional(),
    source: CaseSource.optional(),
    notes: z.string().optional(),
  })
  .describe('dynsim measurement case: a measured time and the exact workload behind it');
export type MeasurementCase = z.infer<typeof MeasurementCase>;

export const CaseSet = z
  .strictObject({
    $schema: z.string().optional(),
    format: z.literal('dynsim-cases'),
    version: z.literal(1),
    description: z.string().optional(),
    cases: z.array(MeasurementCase).min(1),
  })
  .describe('dynsim measurement cases: a list of cases in one file');
export type CaseSet = z.infer<typeof CaseSet>;

/** Time in ns of a value in a case unit. */
export function toNs(value: number, unit: Measured['unit']): number {
  return unit === 'us' ? value * 1000 : value;
}

/** A time in ns expressed in a case unit. */
export function fromNs(ns: number, unit: Measured['unit']): number {
  return unit === 'us' ? ns / 1000 : ns;
}

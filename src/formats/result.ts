/**
 * The fields of result files (`run -o`, `compare -o`) that `dynsim report` renders, checked
 * before rendering so a damaged or hand-edited file gets a located message instead of a crash.
 * Only what the report reads is checked (other fields may be anything); times, energies,
 * counts and shares are >= 0, savings and gains may be negative.
 */
import * as z from 'zod';

const ns = z.number().nonnegative();
const count = z.number().int().nonnegative();
const share = z.number().nonnegative();
/** Saving against a baseline: negative when slower. */
const saving = z.number();

const RunMetricsDoc = z.object({
  totalTimeNs: ns,
  throughputSamplesPerS: z.number().nonnegative(),
  idealSaving: saving,
  achievedSaving: saving,
  maskWasteFraction: share,
  simdEfficiency: share,
  controlTransfers: count,
  energyPj: z.number().nonnegative(),
  samples: count,
  deadlineMissRate: share.optional(),
  timeNs: z.object({
    usefulCompute: ns,
    maskedWaste: ns,
    divergence: ns,
    regroup: ns,
    controlTransfer: ns,
    reconfiguration: ns,
    idle: ns,
    queueing: ns,
  }),
  latencyNs: z.object({ p50: ns, p95: ns, p99: ns, max: ns }),
  utilization: z.object({ accelerator: share }),
});

export const RunResultDoc = z.object({
  format: z.literal('dynsim-result'),
  tool: z.object({ version: z.string() }),
  config: z.object({
    network: z.string(),
    hardware: z.string(),
    accelerator: z.string(),
    strategy: z.string(),
    plan: z.record(z.string(), z.string()),
    trace: z.object({ samples: count }),
    batching: z.object({ mode: z.string(), batchSize: count }),
    budgetNs: ns.nullable(),
  }),
  metrics: RunMetricsDoc,
  gates: z.record(
    z.string(),
    z.object({
      kind: z.string(),
      strategy: z.string(),
      totalTimeNs: ns,
      idealSaving: saving,
      achievedSaving: saving,
      maskWasteFraction: share,
      simdEfficiency: share,
      controlTransfers: count,
    }),
  ),
  latencyCdfNs: z.array(z.tuple([ns, share])),
  utilizationOverTime: z.array(z.object({ tNs: ns, utilization: share })),
});

const StrategySummaryDoc = z.object({
  strategy: z.string(),
  totalTimeNs: ns,
  throughputSamplesPerS: z.number().nonnegative(),
  latencyNs: z.object({ p50: ns, p99: ns }),
  achievedSaving: saving,
  maskWasteFraction: share,
  simdEfficiency: share,
  controlTransfers: count,
  energyPj: z.number().nonnegative(),
});

export const CompareResultDoc = z.object({
  format: z.literal('dynsim-compare'),
  config: z.object({ network: z.string(), hardware: z.string(), samples: count, batch: count }),
  strategies: z.array(StrategySummaryDoc).min(1),
  skipped: z.array(z.object({ strategy: z.string(), reason: z.string() })).optional(),
  bestSingle: z.string(),
  gates: z.record(z.string(), z.object({ kind: z.string(), timeNsByStrategy: z.record(z.string(), ns), cheapest: z.string() })),
  planned: z.object({
    plan: z.object({ default: z.string(), gates: z.record(z.string(), z.string()) }),
    gainOverBestSingle: z.number(),
  }),
});

/**
 * Sweep outputs (`dynsim-sweep`, version 1): one row per point of an experiment, in point
 * order. Written by `dynsim sweep` (JSON or CSV); a shard's output is always JSON and records
 * the shard, so `dynsim merge` can check and combine shards. Read back here for merging.
 */
import * as z from 'zod';
import { ExperimentAxis, ExperimentBase } from './experiment.js';

export const SWEEP_FORMAT = 'dynsim-sweep';
export const SWEEP_VERSION = 1;

/** A metric that was not finite (e.g. a throughput over zero time) is written as null. */
const metric = z.number().nullable();

export const PointMetrics = z.strictObject({
  totalTimeNs: metric,
  throughputSamplesPerS: metric,
  latencyNs: z.strictObject({ p50: metric, p95: metric, p99: metric }),
  idealSaving: metric,
  achievedSaving: metric,
  maskWasteFraction: metric,
  simdEfficiency: metric,
  controlTransfers: metric,
  energyPj: metric,
  deadlineMissRate: metric.optional(),
});
export type PointMetrics = z.infer<typeof PointMetrics>;

export const SweepPoint = z.strictObject({
  point: z.number().int().min(0),
  params: z.record(z.string(), z.unknown()).describe('Axis path -> value of this point.'),
  metrics: PointMetrics.optional(),
  error: z.string().optional().describe('Why the point failed (no metrics then).'),
});
export type SweepPoint = z.infer<typeof SweepPoint>;

export const Shard = z.strictObject({
  index: z.number().int().min(0),
  count: z.number().int().min(1),
});
export type Shard = z.infer<typeof Shard>;

export const SweepDocument = z.strictObject({
  format: z.literal(SWEEP_FORMAT),
  version: z.literal(SWEEP_VERSION),
  tool: z.strictObject({ name: z.literal('dynsim'), version: z.string() }),
  experiment: z.string().min(1),
  experimentHash: z.string().min(1),
  mode: z.enum(['grid', 'zip']),
  base: ExperimentBase,
  axes: z.array(ExperimentAxis),
  totalPoints: z.number().int().min(1),
  shard: Shard.optional(),
  failed: z.number().int().min(0),
  points: z.array(SweepPoint),
});
export type SweepDocument = z.infer<typeof SweepDocument>;

/** Metric columns, in output order (`latencyNs.p50` is the JSON path of a nested one). */
export const METRIC_COLUMNS = [
  'totalTimeNs',
  'throughputSamplesPerS',
  'latencyNs.p50',
  'latencyNs.p95',
  'latencyNs.p99',
  'idealSaving',
  'achievedSaving',
  'maskWasteFraction',
  'simdEfficiency',
  'controlTransfers',
  'energyPj',
] as const;

/**
 * Expectations files (`dynsim-expectations`, version 1) for `dynsim regress`: how to run one
 * trace (network, hardware, strategy, ...) and the values its metrics must keep, each with a
 * tolerance. Written by hand or created/refreshed by `dynsim regress --update`.
 */
import * as z from 'zod';
import { StrategyKindSchema } from './plan.js';

export const MetricExpectation = z
  .strictObject({
    value: z
      .number()
      .optional()
      .describe('Expected value; may be left out in a new entry and filled in by `dynsim regress --update`.'),
    abs: z.number().nonnegative().optional().describe('Absolute tolerance.'),
    rel: z.number().nonnegative().optional().describe('Relative tolerance (share of |value|).'),
  })
  .describe('Passes when |new - value| <= max(abs, rel * |value|); rel defaults to 1e-9 when neither abs nor rel is given.');
export type MetricExpectation = z.infer<typeof MetricExpectation>;

export const Expectations = z.strictObject({
  $schema: z.string().optional(),
  format: z.literal('dynsim-expectations'),
  version: z.literal(1),
  trace: z.string().min(1).describe('Trace file (.jsonl or .jsonl.gz), relative to this file.'),
  network: z.string().min(1).describe('Network preset name, or a file path relative to this file.'),
  hw: z.string().min(1).describe('Hardware preset name, or a file path relative to this file.'),
  strategy: StrategyKindSchema.optional().describe("Strategy of every gate (default: the plan's default, else mask)."),
  batch: z.number().int().min(1).optional().describe('Batch size (default 32).'),
  plan: z.string().min(1).optional().describe('Strategy plan file (dynsim-plan), relative to this file.'),
  budgetNs: z.number().positive().optional().describe('Per-sample latency budget in ns.'),
  metrics: z
    .record(z.string().min(1), MetricExpectation)
    .describe(
      'Metric path -> expectation. Paths: a field of `metrics` (the `metrics.` prefix may be left out, e.g. `latencyNs.p99`), ' +
        '`gates.<id>.<field>`, `layers.<name>.<field>`, `baseline.<field>`, `exits.<gateId>.<index>`.',
    ),
});
export type Expectations = z.infer<typeof Expectations>;

/** Relative tolerance used when an entry gives neither `abs` nor `rel`. */
export const DEFAULT_REL_TOLERANCE = 1e-9;

/** The absolute tolerance an entry allows around `old`: max(abs, rel * |old|). */
export function toleranceFor(e: { abs?: number | undefined; rel?: number | undefined }, old: number): number {
  const rel = e.rel ?? (e.abs === undefined ? DEFAULT_REL_TOLERANCE : 0);
  return Math.max(e.abs ?? 0, rel * Math.abs(old));
}

/** True when `now` is within the entry's tolerance of `old` (a non-finite value never is, unless identical). */
export function withinTolerance(e: { abs?: number | undefined; rel?: number | undefined }, old: number, now: number): boolean {
  if (Object.is(old, now)) return true;
  if (!Number.isFinite(old) || !Number.isFinite(now)) return false;
  return Math.abs(now - old) <= toleranceFor(e, old);
}

/** Metrics a new expectations file lists (each with rel 1e-6). */
export const DEFAULT_REGRESS_METRICS = [
  'totalTimeNs',
  'latencyNs.p99',
  'executedFlops',
  'usefulFlops',
  'maskWasteFraction',
  'simdEfficiency',
  'controlTransfers',
  'energyPj',
] as const;
export const DEFAULT_NEW_REL_TOLERANCE = 1e-6;

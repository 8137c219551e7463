/**
 * Parameters of synthetic trace generation (a JSON file for `gen-trace --spec`, and the
 * defaults behind the CLI's gate flags). Every field has a default, so `{}` is a valid spec.
 *
 * Correlation model: each sample draws one latent difficulty z ~ N(0,1); each gate draws
 * u = Phi(sqrt(rho) z + sqrt(1 - rho) e), e ~ N(0,1) fresh per gate, so u ~ U(0,1) for every
 * rho (marginals are exact) while gates of one sample are correlated through z (rho = 0:
 * independent gates; rho = 1: one difficulty decides everything). Small u = easy sample:
 * skip more, exit earlier, fewer channels, positions and steps.
 */
import * as z from 'zod';

const ratio = z.number().min(0).max(1);
const layout = z.enum(['clustered', 'scattered']);

export const SkipParams = z.strictObject({
  prob: ratio.default(0.5).describe('Probability that the block is skipped.'),
});
export const ExitParams = z.strictObject({
  distribution: z
    .enum(['geometric', 'budget'])
    .default('geometric')
    .describe('geometric: each exit taken with `prob` once reached; budget: fixed shares per exit.'),
  prob: ratio.default(0.5).describe('geometric: P(exit here | reached this exit).'),
  shares: z
    .array(ratio)
    .optional()
    .describe('budget: share of samples per exit index 0..exits (sums to 1); default uniform.'),
});
export const MoeParams = z.strictObject({
  routing: z.enum(['uniform', 'zipf', 'drift']).default('uniform').describe('Expert popularity: uniform (a load-balanced router), zipf or drift.'),
  zipfS: z.number().min(0).default(1.2).describe('Zipf exponent of expert popularity (zipf, drift).'),
  driftPeriodSamples: z
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('drift: the popularity ranking rotates by one expert every this many samples.'),
  capacityDrops: z
    .boolean()
    .default(true)
    .describe("Drop assignments beyond the gate's expert capacity (per sample's tokens)."),
});
export const ChannelParams = z.strictObject({
  meanRatio: ratio.default(0.5).describe('Mean share of active channels.'),
  spread: ratio.default(0.25).describe('Half-width of the share around its mean.'),
});
export const SpatialParams = z.strictObject({
  keepRatio: ratio.default(0.7).describe('Mean share of active positions.'),
  spread: ratio.default(0.1).describe('Half-width of the share around its mean.'),
  layout: layout.default('clustered'),
  encoding: z.enum(['rle', 'bitmap']).default('rle'),
});
export const TemporalParams = z.strictObject({
  keepRatio: ratio.default(0.5).describe('Mean share of active steps.'),
  spread: ratio.default(0.2).describe('Half-width of the share around its mean.'),
  layout: z.enum(['clustered', 'scattered', 'uniform']).default('uniform'),
  encoding: z.enum(['rle', 'bitmap']).default('rle'),
});

export const SyntheticSpec = z.strictObject({
  correlation: ratio
    .default(0.8)
    .describe('rho: weight of the shared per-sample difficulty (0 = independent gates).'),
  arrival: z
    .strictObject({
      process: z.enum(['none', 'poisson', 'uniform']).default('none'),
      rateHz: z.number().positive().optional().describe('Mean arrivals per second.'),
    })
    .default({ process: 'none' }),
  skip: SkipParams.default(SkipParams.parse({})),
  exit: ExitParams.default(ExitParams.parse({})),
  moe: MoeParams.default(MoeParams.parse({})),
  channel: ChannelParams.default(ChannelParams.parse({})),
  spatial: SpatialParams.default(SpatialParams.parse({})),
  temporal: TemporalParams.default(TemporalParams.parse({})),
  gates: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .default({})
    .describe("Per gate id, overrides of its kind's parameters."),
});
export type SyntheticSpec = z.infer<typeof SyntheticSpec>;

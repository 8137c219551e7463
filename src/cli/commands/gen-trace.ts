/** `dynsim gen-trace`: writes a seeded synthetic trace for a network. */
import type { Command } from 'commander';
import { genTrace } from '../../api/gen-trace.js';
import { choiceArg, intArg, listArg, numArg } from '../options.js';
import { toJson } from '../output.js';
import type { CommandResult } from '../main.js';

interface GenTraceFlags {
  network: string;
  samples: number;
  seed: number;
  output: string;
  spec?: string;
  correlation?: number;
  skipProb?: number;
  exitDist?: string;
  exitProb?: number;
  exitShares?: number[];
  moeRouting?: string;
  zipfS?: number;
  driftPeriod?: number;
  capacityDrops?: boolean;
  channelRatio?: number;
  spatialRatio?: number;
  spatialLayout?: string;
  temporalRatio?: number;
  temporalLayout?: string;
  maskEncoding?: string;
  arrival?: string;
  arrivalRate?: number;
  json?: boolean;
}

export function registerGenTrace(program: Command, done: (r: Promise<CommandResult>) => void): void {
  const ratio = numArg(0, 1);
  program
    .command('gen-trace')
    .description('generate a seeded synthetic trace of gate decisions for a network')
    .requiredOption('--network <file|preset>', 'network description or bundled preset')
    .requiredOption('--samples <n>', 'number of samples', intArg(0))
    .option('--seed <s>', 'random seed (same seed, same bytes)', intArg(0), 1)
    .requiredOption('-o, --output <file>', 'output trace (.jsonl, or .jsonl.gz to compress)')
    .option('--spec <file>', 'synthetic spec JSON (docs/trace-format.md); flags override it')
    .option('--correlation <rho>', 'weight of the per-sample difficulty shared by all gates (0 = independent)', ratio)
    .option('--skip-prob <p>', 'skip gates: probability a block is skipped', ratio)
    .option('--exit-dist <d>', 'exit gates: geometric | budget', choiceArg(['geometric', 'budget'] as const))
    .option('--exit-prob <p>', 'exit gates (geometric): P(exit | reached)', ratio)
    .option('--exit-shares <a,b,...>', 'exit gates (budget): share per exit index, summing to 1', listArg(ratio))
    .option('--moe-routing <r>', 'moe gates: uniform | zipf | drift', choiceArg(['uniform', 'zipf', 'drift'] as const))
    .option('--zipf-s <s>', 'moe gates: Zipf exponent of expert popularity', numArg(0))
    .option('--drift-period <n>', 'moe gates (drift): samples per rotation of the popularity ranking', intArg(1))
    .option('--no-capacity-drops', 'moe gates: keep assignments beyond expert capacity')
    .option('--channel-ratio <r>', 'channel gates: mean share of active channels', ratio)
    .option('--spatial-ratio <r>', 'spatial gates: mean share of active positions', ratio)
    .option('--spatial-layout <l>', 'spatial gates: clustered | scattered', choiceArg(['clustered', 'scattered'] as const))
    .option('--temporal-ratio <r>', 'temporal gates: mean share of active steps', ratio)
    .option(
      '--temporal-layout <l>',
      'temporal gates: uniform | clustered | scattered',
      choiceArg(['uniform', 'clustered', 'scattered'] as const),
    )
    .option('--mask-encoding <e>', 'spatial/temporal masks: rle | bitmap', choiceArg(['rle', 'bitmap'] as const))
    .option('--arrival <p>', 'arrival process: none | poisson | uniform', choiceArg(['none', 'poisson', 'uniform'] as const))
    .option('--arrival-rate <hz>', 'mean arrivals per second (implies --arrival poisson)', numArg(Number.MIN_VALUE))
    .option('--json', 'print a machine-readable summary')
    .action((o: GenTraceFlags) =>
      done(
        (async () => {
          const arrival = o.arrival ?? (o.arrivalRate !== undefined ? 'poisson' : undefined);
          const r = await genTrace({
            network: o.network,
            samples: o.samples,
            seed: o.seed,
            out: o.output,
            specFile: o.spec,
            overrides: {
              correlation: o.correlation,
              'skip.prob': o.skipProb,
              'exit.distribution': o.exitDist,
              'exit.prob': o.exitProb,
              'exit.shares': o.exitShares,
              'moe.routing': o.moeRouting,
              'moe.zipfS': o.zipfS,
              'moe.driftPeriodSamples': o.driftPeriod,
              'moe.capacityDrops': o.capacityDrops === false ? false : undefined,
              'channel.meanRatio': o.channelRatio,
              'spatial.keepRatio': o.spatialRatio,
              'spatial.layout': o.spatialLayout,
              'spatial.encoding': o.maskEncoding,
              'temporal.keepRatio': o.temporalRatio,
              'temporal.layout': o.temporalLayout,
              'temporal.encoding': o.maskEncoding,
              'arrival.process': arrival,
              'arrival.rateHz': o.arrivalRate,
            },
          });
          const summary = { output: r.out, network: r.header.network, samples: r.samples, seed: r.header.seed, gates: r.header.gates.length };
          if (o.json) return { stdout: toJson(summary) };
          return {
            stdout: `wrote ${r.out}: ${r.samples} samples of ${r.header.network} (${r.header.gates.length} gates, seed ${String(r.header.seed)})\n`,
          };
        })(),
      ),
    );
}

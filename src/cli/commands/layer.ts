/** `dynsim layer`: one GEMM or convolution on one piece of hardware. */
import type { Command } from 'commander';
import { queryLayer, type LayerResult } from '../../api/layer.js';
import { choiceArg, intArg, listArg } from '../options.js';
import { dur, energy, makeChalk, pct, table, toJson } from '../output.js';
import { DTYPES } from '../../formats/network.js';
import { InvalidArgumentError } from 'commander';
import type { CommandResult } from '../main.js';

function renderLayer(r: LayerResult): string {
  const c = makeChalk();
  const head = r.array
    ? `${r.hardware}: ${r.array.rows}x${r.array.cols} array${r.array.tiles > 1 ? ` x ${r.array.tiles} tiles` : ''}, ${r.array.dataflow}`
    : `${r.hardware}: GPU tile/wave estimate`;
  const rows: [string, string][] = [
    ['GEMM M x K x N', `${r.gemm.m} x ${r.gemm.k} x ${r.gemm.n} (${r.macs} MACs)`],
    ['cycles', `${r.cycles} (${dur(r.timeNs)})`],
    ['compute / stall cycles', `${r.computeCycles} / ${r.stallCycles}`],
    ['mapping efficiency', pct(r.mappingEfficiency)],
    ['utilization', pct(r.utilization)],
  ];
  if (r.folds !== null) rows.push(['folds', String(r.folds)]);
  if (r.sramReads !== null) rows.push(['SRAM reads / writes (words)', `${r.sramReads} / ${r.sramWrites}`]);
  rows.push(['DRAM bytes', String(r.dramBytes)], ['energy', energy(r.energyPj)]);
  return `${c.bold(head)}\n${table(['', ''], rows, c, ['l', 'l'])}\n`;
}

const arraySize = (v: string): number[] => {
  const m = /^(\d+)x(\d+)$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`expected RxC such as 32x32, got "${v}"`);
  return [Number(m[1]), Number(m[2])];
};

export function registerLayer(program: Command, done: (r: Promise<CommandResult>) => void): void {
  program
    .command('layer')
    .description('cost of one GEMM or convolution on a spatial array (SCALE-Sim folds) or a GPU')
    .requiredOption('--hw <file|preset>', 'hardware system')
    .option('--gemm <M,K,N>', 'GEMM: M rows, K reduction, N columns', listArg(intArg(1)))
    .option('--conv <H,W,R,S,C,F,stride>', "convolution in SCALE-Sim's topology columns (no padding)", listArg(intArg(1)))
    .option('--dataflow <d>', "os | ws | is (default: the preset's)", choiceArg(['os', 'ws', 'is'] as const))
    .option('--array <RxC>', "array rows x columns (default: the preset's)", arraySize)
    .option('--dtype <t>', 'element type on a GPU (default fp16)', choiceArg(DTYPES))
    .option('--json', 'machine-readable output')
    .action((o: { hw: string; gemm?: number[]; conv?: number[]; dataflow?: 'os' | 'ws' | 'is'; array?: number[]; dtype?: (typeof DTYPES)[number]; json?: boolean }) =>
      done(
        (async () => {
          const r = queryLayer(o);
          return { stdout: o.json ? toJson(r) : renderLayer(r) };
        })(),
      ),
    );
}

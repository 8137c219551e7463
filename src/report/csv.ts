/** CSV exports of a run: per gate and per sample, readable by pandas.read_csv as is. */
import type { RunResult } from '../api/run.js';
import type { SampleDone } from '../engine/simulate.js';
import { csvCell, csvLine as csvFields } from '../util/csv.js';

/** One CSV line of values (quoting and number forms as in util/csv.ts). */
export function csvLine(values: readonly unknown[]): string {
  return csvFields(values.map(csvCell));
}

export const GATE_CSV_COLUMNS = [
  'gate', 'kind', 'strategy', 'totalTimeNs', 'kernels', 'executedFlops', 'usefulFlops', 'maskWasteFraction',
  'simdEfficiency', 'divergentWarps', 'controlTransfers', 'controlTransferNs', 'reconfigurations', 'energyPj',
  'idealSaving', 'achievedSaving', 'usefulComputeNs', 'maskedWasteNs', 'divergenceNs', 'regroupNs',
  'controlTransferWaitNs', 'reconfigurationNs',
] as const;

export function gatesCsv(r: RunResult): string {
  let out = csvLine(GATE_CSV_COLUMNS);
  for (const [id, g] of Object.entries(r.gates))
    out += csvLine([
      id, g.kind, g.strategy, g.totalTimeNs, g.kernels, g.executedFlops, g.usefulFlops, g.maskWasteFraction,
      g.simdEfficiency, g.divergentWarps, g.controlTransfers, g.controlTransferNs, g.reconfigurations, g.energyPj,
      g.idealSaving, g.achievedSaving, g.timeNs.usefulCompute, g.timeNs.maskedWaste, g.timeNs.divergence,
      g.timeNs.regroup, g.timeNs.controlTransfer, g.timeNs.reconfiguration,
    ]);
  return out;
}

export const SAMPLE_CSV_COLUMNS = ['sample', 'batch', 'arrivalNs', 'startNs', 'doneNs', 'latencyNs', 'queueingNs', 'exitIndex'] as const;

export function sampleCsvLine(s: SampleDone): string {
  return csvLine([s.index, s.batch, s.arrivalNs, s.startNs, s.doneNs, s.latencyNs, Math.max(0, s.startNs - s.arrivalNs), s.exitIndex]);
}

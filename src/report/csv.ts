/**
 * CSV in RFC 4180 form (comma separated, CRLF-free "\n" lines, fields quoted when they hold a
 * comma, quote or newline), readable by pandas.read_csv as is.
 */
import type { RunResult } from '../api/run.js';
import type { SampleDone } from '../engine/simulate.js';

export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\n`;
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

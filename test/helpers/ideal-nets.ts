/**
 * Small networks and traces for hand-derived tests on the ideal GPU (fixtures.ts): a 32-row
 * tile of a 32 -> 32 fp16 linear layer is one CTA of 2 x 32 x 32 x 32 / 2048 = 32 cycles = 32 ns.
 */
import { runSimulation, type RunOptions } from '../../src/api/run.js';
import { idealGpu, writeInputs } from './fixtures.js';

/** Linear 32 -> 32, no bias, `rows` rows per sample: F = 2 x 32 x 32 FLOPs per row. */
export const lin = (name: string, rows = 1) => ({ kind: 'linear', name, rows, inFeatures: 32, outFeatures: 32, bias: false });
export const F = 2048;
/** A copy of n bytes at the ideal GPU's 1e12 B/ns: ~1e-9 ns, kept where it matters at 9 digits. */
export const copyNs = (bytes: number) => bytes / 1e12;

/** A trace file's lines: header, then one record per decision set (with arrival times if given). */
export function trace(network: string, gates: unknown[], decisions: Record<string, unknown>[], arrivals?: number[]) {
  return [
    { format: 'dynsim-trace', version: 1, network, gates, seed: null, provenance: { test: true } },
    ...decisions.map((d, i) => (arrivals ? { i, arrivalNs: arrivals[i], d } : { i, d })),
  ];
}

/** a -> b, with a skip gate g over b. */
export function skipNet() {
  return {
    format: 'dynsim-network',
    version: 1,
    id: 'skip2',
    dtype: 'fp16',
    layers: [lin('a'), lin('b')],
    gates: [{ id: 'g', kind: 'skip', layers: ['b'] }],
  };
}
export const skipGates = [{ id: 'g', kind: 'skip' }];

/** 32 samples per batch; the first `skipped` of each batch skip block b. */
export function skipInputs(batches: number, skipped: number, hw: unknown = idealGpu()) {
  const d: Record<string, unknown>[] = [];
  for (let b = 0; b < batches; b++) for (let i = 0; i < 32; i++) d.push({ g: i < skipped ? 1 : 0 });
  return writeInputs({ 'net.json': skipNet(), 'hw.json': hw, 't.jsonl': trace('skip2', skipGates, d) });
}

/** The given layers, with an exit gate x (head h) after a. */
export function exitNet(layers: string[] = ['a', 'b']) {
  return {
    format: 'dynsim-network',
    version: 1,
    id: 'ee',
    dtype: 'fp16',
    layers: layers.map((l) => lin(l)),
    gates: [{ id: 'x', kind: 'exit', exits: [{ after: 'a', head: [lin('h')] }] }],
  };
}
export const exitGates = [{ id: 'x', kind: 'exit', exits: 1 }];

/** a -> MoE m (1 token per sample, 4 experts, top-1, one 32 -> 32 expert layer e). */
export const moeNet = {
  format: 'dynsim-network',
  version: 1,
  id: 'moe',
  dtype: 'fp16',
  layers: [lin('a')],
  gates: [{ id: 'm', kind: 'moe', after: 'a', tokens: 1, experts: 4, topK: 1, capacityFactor: 4, expert: [lin('e')] }],
};
export const moeGates = [{ id: 'm', kind: 'moe', experts: 4, topK: 1, tokens: 1 }];

/** Runs the files of writeInputs ('net.json', 'hw.json', 't.jsonl'), batch 32 unless given. */
export async function run(files: Record<string, string>, o: RunOptions) {
  return runSimulation({ network: files['net.json'], hw: files['hw.json'], trace: files['t.jsonl'], batch: 32, ...o });
}

import { describe, expect, it } from 'vitest';
import { runSimulation, type RunOptions } from '../src/api/run.js';
import { variantSize } from '../src/strategy/regroup.js';
import { idealArray, writeInputs } from './helpers/fixtures.js';

const lin = (name: string) => ({ kind: 'linear', name, rows: 1, inFeatures: 4, outFeatures: 4, bias: false });
const net = {
  format: 'dynsim-network',
  version: 1,
  id: 'skip2',
  dtype: 'fp16',
  layers: [lin('a'), lin('b')],
  gates: [{ id: 'g', kind: 'skip', layers: ['b'] }],
};

/** Batches of 8 samples; in batch k the first needed[k] samples run block b. */
function inputs(needed: number[], hw = idealArray()) {
  const d: { g: number }[] = [];
  for (const n of needed) for (let i = 0; i < 8; i++) d.push({ g: i < n ? 0 : 1 });
  const header = { format: 'dynsim-trace', version: 1, network: 'skip2', gates: [{ id: 'g', kind: 'skip' }], seed: null, provenance: {} };
  return writeInputs({ 'net.json': net, 'hw.json': hw, 't.jsonl': [header, ...d.map((x, i) => ({ i, d: x }))] });
}

const run = (f: Record<string, string>, o: RunOptions) =>
  runSimulation({ network: f['net.json'], hw: f['hw.json'], trace: f['t.jsonl'], batch: 8, ...o });

describe('strategies on a static-dataflow array (hand-derived: M rows cost M + 9 cycles)', () => {
  it('static and mask: both layers over all 8 rows, no reconfiguration', async () => {
    const f = inputs([4]);
    for (const s of ['static', 'mask'] as const) {
      const m = (await run(f, { strategy: s })).metrics;
      expect(m.totalTimeNs).toBe(17 + 17);
      expect(m.reconfigurations).toBe(0);
    }
  });

  it('compact: the 4-row shape of b is not resident: one configuration load (100 ns), then it stays', async () => {
    const m = (await run(inputs([4, 4]), { strategy: 'compact' })).metrics;
    expect(m.reconfigurations).toBe(1);
    expect(m.timeNs.reconfiguration).toBeCloseTo(100, 6); // + 32 weight bytes at 1e12 B/ns
    // batch 1: a 17 + load 100 + b(4 rows) 13; batch 2: a 17 + b 13 (copies ~0 ns)
    expect(m.totalTimeNs).toBeCloseTo(17 + 100 + 13 + 17 + 13, 6);
  });

  it('the static power during a configuration load is wasted energy (no masking, no divergence, no host wait here)', async () => {
    const hw = idealArray() as { accelerator: { energy: Record<string, number> } };
    hw.accelerator.energy.staticPowerMw = 2000;
    const m = (await run(inputs([4, 4], hw as Record<string, unknown>), { strategy: 'compact' })).metrics;
    expect(m.maskWasteFraction).toBe(0);
    // 2 W x 100 ns of loading (+ 32 B at 1e12 B/ns) x 1000 pJ per W.ns = 200,000 pJ
    expect(m.wastedEnergyPj).toBeCloseTo(2 * 100 * 1000, 3);
  });

  it('compact reloads when sub-batch shapes alternate; multi-kernel pads them to one resident variant', async () => {
    const f = inputs([3, 4, 3, 4]);
    const cp = (await run(f, { strategy: 'compact' })).metrics;
    expect(cp.reconfigurations).toBe(4); // 3 rows, 4 rows, 3, 4: one resident configuration
    const mk = await run(f, { strategy: 'multi-kernel' });
    // variants of 8 rows: 1, 2, 4, 8; 3 rows run padded to 4
    expect(variantSize(3, 8, 4)).toBe(4);
    expect(variantSize(5, 8, 4)).toBe(8);
    expect(variantSize(1, 8, 4)).toBe(1);
    expect(variantSize(100, 4096, 4)).toBe(512); // below the smallest variant: padded to it
    expect(mk.metrics.reconfigurations).toBe(1);
    expect(mk.metrics.totalTimeNs).toBeCloseTo(4 * (17 + 13) + 100, 6);
    // the padded row of the 3-row batches is computed and discarded
    expect(mk.gates.g!.executedFlops).toBe(4 * 4 * 32);
    expect(mk.gates.g!.usefulFlops).toBe((3 + 4 + 3 + 4) * 32);
  });

  it('host: a round trip per gate per batch and a configuration load for the branch', async () => {
    const m = (await run(inputs([4]), { strategy: 'host' })).metrics;
    const roundTrip = 100 + 500 + 8 + 1000;
    expect(m.controlTransfers).toBe(1);
    expect(m.reconfigurations).toBe(1);
    expect(m.totalTimeNs).toBeCloseTo(17 + roundTrip + 100 + 13, 6);
  });

  it('per-sample with an early exit: the host decided, so a sample that left launches nothing more', async () => {
    const exitNet = { ...net, id: 'ee', gates: [{ id: 'x', kind: 'exit', exits: [{ after: 'a', head: [lin('h')] }] }] };
    const header = { format: 'dynsim-trace', version: 1, network: 'ee', gates: [{ id: 'x', kind: 'exit', exits: 1 }], seed: null, provenance: {} };
    const d = Array.from({ length: 8 }, (_, i) => ({ x: i < 4 ? 0 : 1 })); // samples 0-3 leave after a
    const f = writeInputs({ 'net.json': exitNet, 'hw.json': idealArray(), 't.jsonl': [header, ...d.map((x, i) => ({ i, d: x }))] });
    const r = await run(f, { strategy: 'per-sample' });
    expect(r.layers.a!.kernels).toBe(8);
    expect(r.layers['x/h']!.kernels).toBe(8);
    expect(r.layers.b!.kernels).toBe(4); // only the 4 samples that stayed
    expect(r.metrics.controlTransfers).toBe(8); // one exit decision per sample on the host
  });

  it('per-sample: the array cannot branch, so the host decides for every sample', async () => {
    const m = (await run(inputs([4]), { strategy: 'per-sample' })).metrics;
    expect(m.batches).toBe(8);
    expect(m.controlTransfers).toBe(8);
    expect(m.reconfigurations).toBe(0); // batch 1 is the static shape of a batch of one
  });
});

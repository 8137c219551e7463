import { describe, expect, it } from 'vitest';
import { strategyRegistry } from '../src/strategy/registry.js';
import { STRATEGY_KINDS } from '../src/strategy/types.js';
import { idealGpu, writeInputs } from './helpers/fixtures.js';
// linear 32 -> 32 (F = 2048 FLOPs per row): one 32-row tile = 32 ns on the ideal GPU
import { exitGates, exitNet, F, lin, moeGates, moeNet, run, skipGates, skipInputs, skipNet, trace } from './helpers/ideal-nets.js';

describe('strategy registry', () => {
  it('has one implementation per kind, each reporting its own kind', () => {
    expect(Object.keys(strategyRegistry).sort()).toEqual([...STRATEGY_KINDS].sort());
    for (const [k, s] of Object.entries(strategyRegistry)) expect(s.kind).toBe(k);
  });
});

describe('skip gate at p = 0.5, one batch of 32 (hand-derived on the ideal GPU)', () => {
  const files = skipInputs(1, 16);

  it('static: every block runs, zero waste, zero savings', async () => {
    const m = (await run(files, { strategy: 'static' })).metrics;
    expect(m.totalTimeNs).toBe(64);
    expect(m.executedFlops).toBe(64 * F);
    expect(m.maskWasteFraction).toBe(0);
    expect(m.idealSaving).toBe(0);
    expect(m.achievedSaving).toBe(0);
    expect(m.controlTransfers).toBe(0);
  });

  it('mask: waste = the skipped share of FLOPs (16 of 64 rows), no time saved', async () => {
    const r = await run(files, { strategy: 'mask' });
    const m = r.metrics;
    expect(m.totalTimeNs).toBeCloseTo(64, 6); // + the blend's bytes at 1e12 GB/s (~1e-8 ns)
    expect(m.executedFlops).toBe(64 * F);
    expect(m.usefulFlops).toBe(48 * F);
    expect(m.maskWasteFraction).toBe(0.25);
    expect(m.idealSaving).toBe(0.25);
    expect(m.achievedSaving).toBeCloseTo(0, 9);
    expect(m.timeNs.maskedWaste).toBeCloseTo(16, 6); // half of block b's 32 ns (+ the ~0 ns select)
    expect(r.gates.g!.maskWasteFraction).toBe(0.5);
  });

  it('device-branch: SIMD efficiency < 1 with no masked FLOPs', async () => {
    const m = (await run(files, { strategy: 'device-branch' })).metrics;
    expect(m.maskWasteFraction).toBe(0);
    expect(m.executedFlops).toBe(48 * F);
    expect(m.simdEfficiency).toBe(48 / 64);
    expect(m.divergentWarps).toBe(1);
    expect(m.timeNs.divergence).toBe(16);
    expect(m.totalTimeNs).toBe(64);
  });

  it('compact: only needed rows run (a padded tile), gather/scatter priced as copies', async () => {
    const m = (await run(files, { strategy: 'compact' })).metrics;
    expect(m.executedFlops).toBe(48 * F);
    expect(m.maskWasteFraction).toBe(0);
    expect(m.totalTimeNs).toBeCloseTo(64, 6); // the 16-row sub-batch still fills one 32-cycle tile; copies ~0 ns
    expect(m.simdEfficiency).toBe(48 / 64);
    expect(m.kernels).toBe(4); // a, gather, b, scatter
  });

  it('host: one round trip per gate per batch = notify + link + decide', async () => {
    const r = await run(files, { strategy: 'host' });
    const m = r.metrics;
    const roundTrip = 100 + (500 + 32) + 1000; // half the 200 ns poll, 32 one-byte decisions at 1 B/ns
    expect(m.controlTransfers).toBe(1);
    expect(m.controlTransferNs).toBe(roundTrip);
    expect(m.totalTimeNs).toBeCloseTo(32 + roundTrip + 32, 6);
    expect(m.timeNs.controlTransfer).toBe(roundTrip);
    expect(m.acceleratorIdleOnHostFraction).toBeCloseTo(roundTrip / (64 + roundTrip), 9);
    expect(r.gates.g!.controlTransfers).toBe(1);
  });

  it('per-sample: batch size 1, each sample alone in a padded tile', async () => {
    const m = (await run(files, { strategy: 'per-sample' })).metrics;
    expect(m.batches).toBe(32);
    // 16 samples run a and b (64 ns), 16 run a only (32 ns)
    expect(m.totalTimeNs).toBe(16 * 64 + 16 * 32);
    expect(m.executedFlops).toBe(48 * F);
    expect(m.simdEfficiency).toBeCloseTo(1 / 32, 12);
    expect(m.latencyNs.max).toBeCloseTo(64, 1);
  });
});

describe('the select of masking (hand-derived)', () => {
  it('mask merges the gated output with the bypass: reads 2 x 32 x 32 fp16, writes 32 x 32 = 6144 B, one layer\'s traffic', async () => {
    // at 1 GB/s (1 B/ns) every kernel is memory-bound: a linear 32 -> 32 moves 2048 B of
    // weights + 32 x (32 + 32) x 2 B of activations = 6144 B = 6144 ns
    const h = idealGpu() as { accelerator: Record<string, unknown> };
    h.accelerator.memBandwidthGBps = 1;
    const files = skipInputs(1, 16, h);
    const m = (await run(files, { strategy: 'mask' })).metrics;
    expect(m.totalTimeNs).toBeCloseTo(3 * 6144, 6);
    expect(m.kernels).toBe(3);
    // the skipped half of b's rows and the whole select are masking's cost
    expect(m.timeNs.maskedWaste).toBeCloseTo(0.5 * 6144 + 6144, 6);
    expect((await run(files, { strategy: 'static' })).metrics.totalTimeNs).toBeCloseTo(2 * 6144, 6);
  });
});

describe('tile-granular branching over two batches', () => {
  it('device-branch skips a tile whose rows all skip; mask runs it', async () => {
    // batch of 64 = two tiles; the first 32 samples skip b
    const d = Array.from({ length: 64 }, (_, i) => ({ g: i < 32 ? 1 : 0 }));
    const files = writeInputs({ 'net.json': skipNet(), 'hw.json': idealGpu(), 't.jsonl': trace('skip2', skipGates, d) });
    const db = (await run(files, { strategy: 'device-branch', batch: 64 })).metrics;
    const mask = (await run(files, { strategy: 'mask', batch: 64 })).metrics;
    expect(mask.totalTimeNs).toBeCloseTo(64 + 64, 6);
    expect(db.totalTimeNs).toBe(64 + 32);
    expect(db.simdEfficiency).toBe(1);
    expect(db.achievedSaving).toBeCloseTo(1 - 96 / 128, 12);
  });
});

describe('metrics bookkeeping', () => {
  it('the time breakdown adds up to the total time', async () => {
    const files = skipInputs(3, 10, idealGpu({ dispatchNs: 20 }));
    for (const s of STRATEGY_KINDS.filter((k) => k !== 'multi-kernel')) {
      const m = (await run(files, { strategy: s })).metrics;
      const t = m.timeNs;
      const sum = t.usefulCompute + t.maskedWaste + t.divergence + t.regroup + t.controlTransfer + t.reconfiguration + t.idle;
      expect(sum).toBeCloseTo(m.totalTimeNs, 6);
      expect(m.throughputSamplesPerS).toBeCloseTo((96 * 1e9) / m.totalTimeNs, 3);
    }
  });

  it('dispatch-bound: the host issues 2 kernels per batch at 20 ns each, the accelerator waits', async () => {
    const files = skipInputs(1, 0, idealGpu({ dispatchNs: 100 }));
    const m = (await run(files, { strategy: 'static' })).metrics;
    // kernel a starts at 100, ends 132; kernel b issued at 200, ends 232
    expect(m.totalTimeNs).toBe(232);
    expect(m.timeNs.idle).toBe(232 - 64);
    expect(m.utilization.host).toBeCloseTo(200 / 232, 12);
  });

  it('energy = FLOPs x pJ/FLOP + static power x time; waste = masked FLOPs energy + static during waste', async () => {
    const files = skipInputs(1, 16, idealGpu({ staticPowerW: 2 }));
    const m = (await run(files, { strategy: 'mask' })).metrics;
    expect(m.energyPj).toBeCloseTo(64 * F * 1 + 2 * 64 * 1000, 3);
    expect(m.wastedEnergyPj).toBeCloseTo(16 * F + 2 * 16 * 1000, 3);
  });

  it('offline latency = the batch time; budget counts deadline misses', async () => {
    const files = skipInputs(2, 16);
    const m = (await run(files, { strategy: 'mask', budgetNs: 50 })).metrics;
    expect(m.latencyNs.p50).toBeCloseTo(64, 1);
    expect(m.latencyNs.max).toBeCloseTo(64, 6);
    expect(m.deadlineMissRate).toBe(1);
    const ok = (await run(files, { strategy: 'mask', budgetNs: 64.001 })).metrics; // 64 + the ~0 ns select
    expect(ok.deadlineMissRate).toBe(0);
  });

  it('streaming: a batch closes at its timeout and samples queue', async () => {
    // 4 samples arriving 0, 10, 20, 1000 ns; max batch 4, timeout 100 ns
    const d = [{ g: 0 }, { g: 0 }, { g: 0 }, { g: 0 }];
    const files = writeInputs({
      'net.json': skipNet(),
      'hw.json': idealGpu(),
      't.jsonl': trace('skip2', skipGates, d, [0, 10, 20, 1000]),
    });
    const m = (await run(files, { strategy: 'static', streaming: true, batch: 4, batchTimeoutNs: 100 })).metrics;
    expect(m.batches).toBe(2);
    // batch 1 ready at 100, done at 164: latencies 164, 154, 144; batch 2 ready 1100, done 1164: 164
    expect(m.latencyNs.max).toBe(164);
    expect(m.timeNs.queueing).toBeCloseTo((100 + 90 + 80 + 100) / 4, 9);
    expect(m.totalTimeNs).toBe(1164);
    // nearest rank of the sorted 144, 154, 164, 164 (histogram: within 0.05%, clamped to the max):
    // p50 rank ceil(0.5 x 4) = 2 -> 154; p95 and p99 rank 4 -> 164; mean 626 / 4 = 156.5 exactly
    const within = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(5e-4 * want);
    within(m.latencyNs.p50, 154);
    within(m.latencyNs.p95, 164);
    within(m.latencyNs.p99, 164);
    expect(m.latencyNs.p99).toBeLessThanOrEqual(164);
    expect(m.latencyNs.mean).toBeCloseTo(156.5, 9);
  });
});

describe('MoE and exits (hand-derived)', () => {

  it('static runs every expert on every token; mask wastes 1 - k/E of the expert FLOPs', async () => {
    const d = Array.from({ length: 32 }, (_, i) => ({ m: { e: [[i % 4]] } }));
    const files = writeInputs({ 'net.json': moeNet, 'hw.json': idealGpu(), 't.jsonl': trace('moe', moeGates, d) });
    const st = (await run(files, { strategy: 'static' })).metrics;
    expect(st.executedFlops).toBe(32 * F + 4 * 32 * F);
    expect(st.totalTimeNs).toBe(32 + 4 * 32);
    const mask = await run(files, { strategy: 'mask' });
    expect(mask.gates.m!.maskWasteFraction).toBe(0.75);
    // 4 experts + 4 weighted accumulations (one per expert, 32 tokens x 32 outputs)
    expect(mask.gates.m!.kernels).toBe(4 + 4);
    expect(mask.metrics.idealSaving).toBeCloseTo(1 - (32 * F + 32 * F) / (5 * 32 * F), 12);
    // device-branch: each 32-token tile holds all 4 experts -> 4 serial passes, efficiency 1/4
    const db = await run(files, { strategy: 'device-branch' });
    expect(db.gates.m!.simdEfficiency).toBe(0.25);
    expect(db.gates.m!.totalTimeNs).toBe(4 * 32);
    // compact: 8 tokens per expert, each a padded 32-row tile
    const cp = await run(files, { strategy: 'compact' });
    expect(cp.gates.m!.executedFlops).toBe(32 * F);
    expect(cp.gates.m!.kernels).toBe(2 + 4); // gather, combine, 4 experts
  });

  it('capacity: C = ceil(2 x 32 / 4) = 16 slots per expert; overflow dropped, padding masked, one batched GEMM tiled per expert', async () => {
    // 20 tokens routed to expert 0, 4 to each of experts 1-3; capacity factor 2 -> C = 16:
    // expert 0 keeps 16 of its 20, the others fill 4 of 16 slots -> kept 28 of 64 slot rows
    const net = { ...moeNet, gates: [{ ...moeNet.gates[0], capacityFactor: 2 }] };
    const d = Array.from({ length: 32 }, (_, i) => ({ m: { e: [[i < 20 ? 0 : 1 + ((i - 20) % 3)]] } }));
    const files = writeInputs({ 'net.json': net, 'hw.json': idealGpu({ sms: 4 }), 't.jsonl': trace('moe', moeGates, d) });
    const r = await run(files, { strategy: 'capacity' });
    const m = r.gates.m!;
    expect(m.executedFlops).toBe(4 * 16 * F);
    expect(m.usefulFlops).toBe(28 * F);
    expect(m.droppedFlops).toBe(4 * F); // expert 0's 4 tokens over capacity
    expect(m.maskWasteFraction).toBe(1 - 28 / 64);
    // the ideal saving counts the routed work (useful + dropped): the same as under compact
    const cp = await run(files, { strategy: 'compact' });
    expect(cp.gates.m!.droppedFlops).toBe(0);
    expect(m.idealSaving).toBeCloseTo(cp.gates.m!.idealSaving, 12);
    expect(r.metrics.idealSaving).toBeCloseTo(cp.metrics.idealSaving, 12);
    // dispatch gather, one batched expert GEMM, gather back, weighted sum
    expect(m.kernels).toBe(4);
    // each 16-row entry is its own 32-row tile: 4 CTAs of 32 ns on 4 SMs run at once; layer a
    // is one more 32 ns tile (a 64-row tile would mix two experts and take 2 x 32 ns)
    expect(r.metrics.totalTimeNs).toBeCloseTo(32 + 32, 6);
    // the work does not depend on the routing: an even routing runs the same kernels
    const even = Array.from({ length: 32 }, (_, i) => ({ m: { e: [[i % 4]] } }));
    const f2 = writeInputs({ 'net.json': net, 'hw.json': idealGpu({ sms: 4 }), 't.jsonl': trace('moe', moeGates, even) });
    const r2 = await run(f2, { strategy: 'capacity' });
    expect(r2.metrics.totalTimeNs).toBe(r.metrics.totalTimeNs);
    expect(r2.gates.m!.usefulFlops).toBe(32 * F);
    expect(r2.gates.m!.droppedFlops).toBe(0);
  });

  it('grouped: one grouped GEMM launch per expert layer, each expert\'s tokens tiled apart (compact: one launch per expert)', async () => {
    // 20 / 4 / 4 / 4 tokens: four entries, each one 32-row tile -> 4 CTAs on 4 SMs in one
    // 32 ns kernel; compact runs the same four tiles as four kernels in order (4 x 32 ns)
    const d = Array.from({ length: 32 }, (_, i) => ({ m: { e: [[i < 20 ? 0 : 1 + ((i - 20) % 3)]] } }));
    const files = writeInputs({ 'net.json': moeNet, 'hw.json': idealGpu({ sms: 4 }), 't.jsonl': trace('moe', moeGates, d) });
    const gr = await run(files, { strategy: 'grouped' });
    expect(gr.gates.m!.kernels).toBe(3); // gather, the grouped GEMM, scatter
    expect(gr.gates.m!.executedFlops).toBe(32 * F);
    expect(gr.gates.m!.maskWasteFraction).toBe(0);
    expect(gr.metrics.totalTimeNs).toBeCloseTo(32 + 32, 6);
    const cp = await run(files, { strategy: 'compact' });
    expect(cp.gates.m!.kernels).toBe(6);
    expect(cp.metrics.totalTimeNs).toBeCloseTo(32 + 4 * 32, 6);
  });

  it('expert capacity rounds ceil(cf x tokens x k / E) without float residue', async () => {
    const { expertCapacity } = await import('../src/network/capacity.js');
    expect(expertCapacity(1.1, 3200, 1, 8)).toBe(440); // 1.1 x 3200 / 8 = 440.00000000000006 in floats
    expect(expertCapacity(1.1, 100, 1, 10)).toBe(11);
    expect(expertCapacity(1.25, 2048, 1, 8)).toBe(320);
    expect(expertCapacity(1, 7, 2, 4)).toBe(4); // 3.5 -> 4
  });

  it('mask combine: each expert output is weighted and accumulated, reading 2 x 32 x 32 fp16 and writing 32 x 32 = 6144 B', async () => {
    // at 1 B/ns: layer a (2048 B weights + 4096 B activations) 6144 ns, each expert the same,
    // each combine 6144 ns: 6144 x (1 + 4 + 4)
    const h = idealGpu() as { accelerator: Record<string, unknown> };
    h.accelerator.memBandwidthGBps = 1;
    const d = Array.from({ length: 32 }, (_, i) => ({ m: { e: [[i % 4]] } }));
    const files = writeInputs({ 'net.json': moeNet, 'hw.json': h, 't.jsonl': trace('moe', moeGates, d) });
    const m = (await run(files, { strategy: 'mask' })).metrics;
    expect(m.totalTimeNs).toBeCloseTo(9 * 6144, 6);
  });

  it('early exit: compact removes leavers, mask keeps computing them', async () => {
    const d = Array.from({ length: 64 }, (_, i) => ({ x: i < 32 ? 0 : 1 }));
    const files = writeInputs({ 'net.json': exitNet(), 'hw.json': idealGpu(), 't.jsonl': trace('ee', exitGates, d) });
    const mask = await run(files, { strategy: 'mask', batch: 64 });
    // a (2 tiles) + head (2 tiles) + b (2 tiles, half masked)
    expect(mask.metrics.totalTimeNs).toBe(6 * 32);
    expect(mask.metrics.maskWasteFraction).toBeCloseTo(32 / (6 * 32), 12);
    expect(mask.exits.x).toEqual([32, 32]);
    const cp = await run(files, { strategy: 'compact', batch: 64 });
    expect(cp.metrics.totalTimeNs).toBeCloseTo(5 * 32, 6);
    // leavers complete after the head (128 ns), the rest after b (160 ns)
    expect(cp.metrics.latencyNs.p50).toBeCloseTo(128, 0);
    expect(cp.metrics.latencyNs.max).toBeCloseTo(160, 6);
    const st = await run(files, { strategy: 'static', batch: 64 });
    expect(st.metrics.totalTimeNs).toBe(4 * 32); // no head, no exit
  });
});

describe('a batch that every sample leaves early', () => {
  const d = Array.from({ length: 64 }, () => ({ x: 0 }));
  const files = writeInputs({ 'net.json': exitNet(), 'hw.json': idealGpu(), 't.jsonl': trace('ee', exitGates, d) });

  it('host: the host took the exit and issues nothing more (no launch of b)', async () => {
    const r = await run(files, { strategy: 'host', batch: 64 });
    // a (2 tiles) 64 + head 64 + round trip (100 notify + 500 link + 64 B at 1 B/ns + 1000 decide)
    expect(r.metrics.totalTimeNs).toBeCloseTo(128 + 1664, 6);
    expect(r.metrics.kernels).toBe(2);
    expect(r.layers.b).toBeUndefined();
  });

  it('compact: the exit is taken on the device, so b is still launched, with an empty grid', async () => {
    const r = await run(files, { strategy: 'compact', batch: 64 });
    expect(r.metrics.kernels).toBe(4); // a, head, the gather of the remaining rows (none), b (0 rows)
    expect(r.metrics.totalTimeNs).toBeCloseTo(128, 6); // the empty launch is free here (no dispatch cost)
  });
});

describe('budgets and anytime prediction', () => {
  const net = exitNet(['a', 'b', 'c']);
  // nobody wants to exit early; batches of 32, 3 batches
  const d = Array.from({ length: 96 }, () => ({ x: 1 }));
  const files = writeInputs({ 'net.json': net, 'hw.json': idealGpu(), 't.jsonl': trace('ee', exitGates, d) });

  it('without anytime every sample runs to the end: a + h + b + c = 128 ns, all miss a 100 ns budget', async () => {
    const m = (await run(files, { strategy: 'compact', budgetNs: 100 })).metrics;
    expect(m.latencyNs.max).toBeCloseTo(128, 6);
    expect(m.deadlineMissRate).toBe(1);
  });

  it('with anytime, after the first batch shows b + c takes 64 ns, samples leave at the head (64 ns)', async () => {
    const r = await run(files, { strategy: 'compact', budgetNs: 100, anytime: true });
    // batch 1 has no estimate yet and runs to the end; batches 2 and 3 leave after a + h
    expect(r.metrics.forcedExits).toBe(64);
    expect(r.exits.x).toEqual([64, 32]);
    expect(r.metrics.deadlineMissRate).toBeCloseTo(32 / 96, 12);
    expect(r.metrics.latencyNs.p50).toBeCloseTo(64, 0);
  });

  it('anytime needs a budget and an exit gate', async () => {
    await expect(run(files, { strategy: 'compact', anytime: true })).rejects.toThrow(/needs a latency budget/);
    const f2 = skipInputs(1, 0);
    await expect(run(f2, { strategy: 'compact', budgetNs: 10, anytime: true })).rejects.toThrow(/skip2 has no exit gate/);
  });
});

describe('channel, spatial and temporal gates (hand-derived)', () => {
  it('channel gate: half the samples use 32 of 64 channels', async () => {
    const net = {
      format: 'dynsim-network',
      version: 1,
      id: 'ch',
      dtype: 'fp16',
      layers: [lin('a'), { ...lin('b'), outFeatures: 64 }],
      gates: [{ id: 'c', kind: 'channel', layers: ['b'], channels: 64, granularity: 32 }],
    };
    const d = Array.from({ length: 32 }, (_, i) => ({ c: i % 2 ? 32 : 64 }));
    const files = writeInputs({ 'net.json': net, 'hw.json': idealGpu(), 't.jsonl': trace('ch', [{ id: 'c', kind: 'channel', channels: 64, granularity: 32 }], d) });
    // b: 4096 FLOPs per row at 64 channels = two 32-cycle CTAs per row tile
    const st = (await run(files, { strategy: 'static' })).metrics;
    expect(st.totalTimeNs).toBe(32 + 64);
    const mask = await run(files, { strategy: 'mask' });
    expect(mask.gates.c!.maskWasteFraction).toBe(0.25);
    expect(mask.metrics.maskWasteFraction).toBeCloseTo((16 * 2048) / (32 * 2048 + 32 * 4096), 12);
    const db = await run(files, { strategy: 'device-branch' });
    expect(db.gates.c!.totalTimeNs).toBe(64); // nested: the tile runs the widest path once
    expect(db.gates.c!.simdEfficiency).toBe(0.75);
    const cp = await run(files, { strategy: 'compact' });
    expect(cp.gates.c!.totalTimeNs).toBeCloseTo(64 + 32, 6); // one sub-batch per width
    expect(cp.gates.c!.maskWasteFraction).toBe(0);
  });

  it('spatial gate: 2 of 4 positions active per sample', async () => {
    const net = {
      format: 'dynsim-network',
      version: 1,
      id: 'sp',
      dtype: 'fp16',
      layers: [{ ...lin('s'), rows: 4 }],
      gates: [{ id: 'p', kind: 'spatial', layers: ['s'], positions: 4 }],
    };
    const d = Array.from({ length: 16 }, () => ({ p: { active: 2, rle: [0, 2, 2] } }));
    const files = writeInputs({ 'net.json': net, 'hw.json': idealGpu(), 't.jsonl': trace('sp', [{ id: 'p', kind: 'spatial', positions: 4 }], d) });
    // 16 samples x 4 rows = two 32-row tiles
    const mask = (await run(files, { strategy: 'mask', batch: 16 })).metrics;
    expect(mask.totalTimeNs).toBeCloseTo(64, 6);
    expect(mask.maskWasteFraction).toBe(0.5);
    const db = (await run(files, { strategy: 'device-branch', batch: 16 })).metrics;
    expect(db.totalTimeNs).toBe(64); // both tiles hold active rows
    expect(db.simdEfficiency).toBe(0.5);
    expect(db.divergentWarps).toBe(2);
    const cp = (await run(files, { strategy: 'compact', batch: 16 })).metrics;
    expect(cp.totalTimeNs).toBeCloseTo(32, 6); // 32 active rows packed into one tile
    expect(cp.idealSaving).toBe(0.5);
  });

  it('temporal gate: steps 0 and 2 of 4 run; host decides every step', async () => {
    const net = {
      format: 'dynsim-network',
      version: 1,
      id: 'tm',
      dtype: 'fp16',
      layers: [lin('t')],
      gates: [{ id: 'k', kind: 'temporal', layers: ['t'], steps: 4 }],
    };
    const d = Array.from({ length: 32 }, () => ({ k: { active: 2, rle: [0, 1, 1, 1, 1] } }));
    const files = writeInputs({ 'net.json': net, 'hw.json': idealGpu(), 't.jsonl': trace('tm', [{ id: 'k', kind: 'temporal', steps: 4 }], d) });
    expect((await run(files, { strategy: 'static' })).metrics.totalTimeNs).toBe(128);
    const mask = (await run(files, { strategy: 'mask' })).metrics;
    expect(mask.totalTimeNs).toBeCloseTo(128, 6);
    expect(mask.maskWasteFraction).toBe(0.5);
    expect((await run(files, { strategy: 'device-branch' })).metrics.totalTimeNs).toBe(64); // idle steps skipped
    expect((await run(files, { strategy: 'compact' })).metrics.totalTimeNs).toBeCloseTo(64, 6);
    const host = (await run(files, { strategy: 'host' })).metrics;
    expect(host.controlTransfers).toBe(4);
    expect(host.controlTransferNs).toBe(4 * (100 + 500 + 32 + 1000));
  });
});

describe('execution modes: eager dispatch, bare CUDA launches, CUDA graph replay', () => {
  const hw = () => {
    const h = idealGpu({ dispatchNs: 100 }) as { accelerator: Record<string, unknown> };
    h.accelerator.kernelLaunchNs = 50;
    h.accelerator.graphNodeNs = 5;
    return h;
  };

  it('static, 2 kernels of 32 ns: eager 232 ns, cuda 132 ns, graph 50 + 2 x (5 + 32) = 124 ns', async () => {
    const files = skipInputs(1, 0, hw());
    // eager: a issued at 100 (ends 132), b issued at 200 (ends 232)
    expect((await run(files, { strategy: 'static', mode: 'eager' })).metrics.totalTimeNs).toBe(232);
    // cuda: launches every 50 ns: a 50..82, b 100..132
    expect((await run(files, { strategy: 'static', mode: 'cuda' })).metrics.totalTimeNs).toBe(132);
    // graph: one launch (50), then each node adds 5 ns on the device
    const g = await run(files, { strategy: 'static', mode: 'graph' });
    expect(g.metrics.totalTimeNs).toBe(124);
    expect(g.config.mode).toBe('graph');
  });

  it('graph mode: a host round trip ends the graph, the rest is launched anew', async () => {
    const files = skipInputs(1, 16, hw());
    const m = (await run(files, { strategy: 'host', mode: 'graph' })).metrics;
    // notify 100 + link (500 + 32); no framework readback (decisionLatencyNs is eager-only:
    // a captured CUDA program branches on the copied word)
    const roundTrip = 100 + (500 + 32);
    // launch 50 + node 5 + a 32 = 87; round trip; relaunch 50 + gather node 5 (+~0) + b node 5 + 32 + scatter node 5
    expect(m.totalTimeNs).toBeCloseTo(87 + roundTrip + 50 + 5 + 5 + 32 + 5, 6);
    expect(m.controlTransfers).toBe(1);
  });

  it('submission latency and kernel tail: a command reaches the device syncNs - launch - notify after its launch call; every kernel pays its tail', async () => {
    // launch 50, notify 100 (poll 200 / 2), syncNs 550 -> submission 400; tail 10 ns
    const h = hw() as { accelerator: Record<string, unknown> };
    h.accelerator.syncNs = 550;
    h.accelerator.kernelTailNs = 10;
    const files = skipInputs(1, 0, h);
    // cuda: a launched by 50, on the device at 450: 450..492 (32 + tail 10); b launched by 100,
    // on the device at 500: 500..542
    expect((await run(files, { strategy: 'static', mode: 'cuda' })).metrics.totalTimeNs).toBe(542);
    // graph: one graph launch 50 + submission 400, then two nodes of 5 + 32 + 10
    expect((await run(files, { strategy: 'static', mode: 'graph' })).metrics.totalTimeNs).toBe(50 + 400 + 2 * 47);
  });

  it('host round trip by mode: eager pays the framework readback (decisionLatencyNs) and its sync call; cuda branches on the copied word', async () => {
    const h = hw() as unknown as { host: Record<string, unknown> };
    h.host.syncCallNs = 2000;
    const files = skipInputs(1, 16, h);
    const cuda = (await run(files, { strategy: 'host', mode: 'cuda' })).metrics;
    // the host reaches the gate after launching a (50) when a ends (82): wait notify 100 from
    // 82, then link 500 + 32 B / 1 GB/s; no decision cost; the transfer counts from 82
    expect(cuda.controlTransferNs).toBeCloseTo(100 + 532, 9);
    const eager = (await run(files, { strategy: 'host', mode: 'eager' })).metrics;
    // eager: dispatch 100 -> a ends at 132; the sync call (2000 from 100) ends after the device
    // (132), so the wait ends at 2100 + notify 100 = 2200; link 532 and readback 1000 follow
    expect(eager.controlTransferNs).toBeCloseTo(2200 + 532 + 1000 - 132, 9);
  });

  it('power-limited clock: once the device has been busy throttleAfterNs, kernels run at the sustained clock', async () => {
    // ideal GPU at 1000 MHz, sustained 500 MHz after 30 ns busy: a (32 ns, busy 0 before it) at
    // full clock, b (busy 32 >= 30) twice as long: 32 + 64 = 96 ns (eager, no dispatch cost)
    const h = idealGpu() as { accelerator: Record<string, unknown> };
    h.accelerator.sustainedClockMhz = 500;
    h.accelerator.throttleAfterNs = 30;
    const m = (await run(skipInputs(1, 0, h), { strategy: 'static' })).metrics;
    expect(m.totalTimeNs).toBe(96);
    // a device already busy 30 ns before the run: both kernels at the sustained clock, and the
    // prior busy time is not the run's utilisation
    const hot = (await run(skipInputs(1, 0, h), { strategy: 'static', priorBusyNs: 30 })).metrics;
    expect(hot.totalTimeNs).toBe(128);
    expect(hot.utilization.accelerator).toBe(1);
    await expect(run(skipInputs(1, 0, h), { strategy: 'static', priorBusyNs: -1 })).rejects.toThrow(/priorBusyNs: expected a finite busy time >= 0 ns, got -1/);
  });

  it('graph mode needs a GPU', async () => {
    const f = writeInputs({ 'net.json': skipNet(), 'hw.json': (await import('./helpers/fixtures.js')).idealArray(), 't.jsonl': trace('skip2', skipGates, [{ g: 0 }]) });
    await expect(run(f, { strategy: 'mask', mode: 'graph' })).rejects.toThrow(/graph mode replays CUDA graphs and needs a gpu-simt accelerator/);
  });
});

describe('eager dispatch by op kind', () => {
  it('a matmul op costs its own dispatch; elementwise ops the generic one', async () => {
    const h = idealGpu({ dispatchNs: 100 }) as { host: Record<string, unknown> };
    h.host.dispatchNsByOp = { matmul: 300 };
    const net = {
      format: 'dynsim-network',
      version: 1,
      id: 'mix',
      dtype: 'fp16',
      layers: [lin('a'), { kind: 'elementwise', name: 'r', shape: [32], flopsPerElement: 32 }],
    };
    const files = writeInputs({ 'net.json': net, 'hw.json': h, 't.jsonl': trace('mix', [], [{}]) });
    // batch of 1: a (matmul) issued at 300, runs 32 ns (one padded tile) -> 332;
    // r (elementwise, 32 rows x 32 FLOPs = 1 warp of 32 cycles) issued at 400 -> 432
    const m = (await run(files, { strategy: 'static', batch: 1 })).metrics;
    expect(m.totalTimeNs).toBe(432);
    expect(m.utilization.host).toBeCloseTo(400 / 432, 12);
  });
});

/**
 * Strategy x gate-kind combinations checked against values derived by hand (docs/metrics.md
 * section 4 says what each strategy does with each gate kind; src/strategy/ implements it).
 *
 * Ideal GPU (test/helpers/fixtures.ts): 1 SM at 1 GHz, 2048 tensor FLOP/cycle, 32x32x32 GEMM
 * tiles, memory at 1e12 GB/s (~free: a copy of n bytes takes n / 1e12 ns), free launches.
 * A 32-row tile of a 32 -> 32 fp16 linear layer is one CTA of 2 x 32 x 32 x 32 / 2048 = 32
 * cycles = 32 ns; a layer 32 -> n takes ceil(n / 32) such CTAs per row tile.
 * Host: notification 200 / 2 = 100 ns (polling), decision 1000 ns; link 500 ns + 1 B/ns.
 * Ideal array: 4x4 weight-stationary, a 4 -> 4 GEMM of M rows takes M + 9 cycles (1 GHz),
 * configuration load 100 ns + the weights at 1e12 B/ns.
 */
import { describe, expect, it } from 'vitest';
import { idealArray, idealGpu, writeInputs } from './helpers/fixtures.js';
import type { RunOptions } from '../src/api/run.js';
import { copyNs, F, lin, moeGates, moeNet, run, skipGates, skipNet, trace } from './helpers/ideal-nets.js';

describe('MoE under host (ideal GPU, two batches of 32)', () => {
  // batch 1: 20 tokens to expert 0, 12 to expert 2 (experts 1 and 3 get none);
  // batch 2: all 32 tokens to expert 3
  const d = [
    ...Array.from({ length: 32 }, (_, i) => ({ m: { e: [[i < 20 ? 0 : 2]] } })),
    ...Array.from({ length: 32 }, () => ({ m: { e: [[3]] } })),
  ];
  const files = writeInputs({ 'net.json': moeNet, 'hw.json': idealGpu(), 't.jsonl': trace('moe', moeGates, d) });
  // decision bytes of an MoE gate: 4 x experts per batch (per-expert token counts) = 16 B,
  // whatever the batch size; round trip = notify 100 + link (500 + 16 B at 1 B/ns) + decide 1000
  const roundTrip = 100 + 500 + 16 + 1000; // 1616
  // gather: 32 assignments x 32 input elements x (2 B read + 2 B write) = 4096 B;
  // scatter: 32 assignments x 32 output elements x 4 B = 4096 B
  const c = copyNs(4096);

  it('one control transfer per MoE gate per batch; experts with no tokens are not launched', async () => {
    const r = await run(files, { strategy: 'host' });
    const m = r.metrics;
    expect(m.batches).toBe(2);
    expect(m.controlTransfers).toBe(2);
    expect(r.gates.m!.controlTransfers).toBe(2);
    expect(m.controlTransferNs).toBeCloseTo(2 * roundTrip, 9);
    // batch 1: a, gather, e (expert 0, 20 rows), e (expert 2, 12 rows), scatter = 5
    // batch 2: a, gather, e (expert 3, 32 rows), scatter = 4
    expect(m.kernels).toBe(9);
    expect(r.gates.m!.kernels).toBe(7);
    expect(r.layers['m/e']!.kernels).toBe(3);
    // batch 1: a 0..32; sync at 32, notified 132, link 132..648, decided 1648; gather, e0 32,
    //   e2 32 (each a single padded 32-row tile), scatter -> 1712 + 2c
    // batch 2: a 32 -> 1744 + 2c; round trip 1616 -> 3360 + 2c; gather, e3 32, scatter -> 3392 + 4c
    expect(m.totalTimeNs).toBeCloseTo(2 * (32 + roundTrip) + 3 * 32 + 4 * c, 9);
    // the accelerator waits from each drain to the gather: the round trip (issue is free)
    expect(m.timeNs.controlTransfer).toBeCloseTo(2 * roundTrip, 9);
    expect(m.acceleratorIdleOnHostFraction).toBeCloseTo((2 * roundTrip) / 3392, 9);
    // a: 64 rows x F; experts: 64 routed tokens x F, each computed once
    expect(m.executedFlops).toBe(128 * F);
    expect(m.maskWasteFraction).toBe(0);
    // expert tiles: 3 tiles issued (96F slots) for 64 tokens; a: 2 full tiles
    expect(r.gates.m!.simdEfficiency).toBeCloseTo(64 / 96, 12);
    expect(m.simdEfficiency).toBeCloseTo(128 / 160, 12);
    // static: a 32 + 4 experts x 32 = 160 per batch
    expect(r.baseline.totalTimeNs).toBe(320);
  });

  it('compact (decided on the device) launches every expert, with an empty grid when it has no tokens', async () => {
    const r = await run(files, { strategy: 'compact' });
    // per batch: gather, 4 expert launches, scatter
    expect(r.gates.m!.kernels).toBe(12);
    expect(r.layers['m/e']!.kernels).toBe(8);
    expect(r.metrics.controlTransfers).toBe(0);
    // the empty launches are free here: a 32 + 2 x 32 (batch 1), a 32 + 32 (batch 2), + copies
    expect(r.metrics.totalTimeNs).toBeCloseTo(96 + 64 + 4 * c, 9);
  });
});

describe('MoE under per-sample (ideal GPU): each sample alone, only the experts it uses', () => {
  // a (2 rows) -> MoE m: 2 tokens per sample, 4 experts, top-2, router r (2 rows, 32 -> 4)
  const net = {
    format: 'dynsim-network',
    version: 1,
    id: 'moe2',
    dtype: 'fp16',
    layers: [lin('a', 2)],
    gates: [
      {
        id: 'm',
        kind: 'moe',
        after: 'a',
        tokens: 2,
        experts: 4,
        topK: 2,
        capacityFactor: 4,
        expert: [lin('e')],
        decider: [{ kind: 'linear', name: 'r', rows: 2, inFeatures: 32, outFeatures: 4, bias: false }],
      },
    ],
  };
  const gates = [{ id: 'm', kind: 'moe', experts: 4, topK: 2, tokens: 2 }];
  // four patterns, repeated 8 times (32 samples):
  //   P0 [[0,1],[0,1]]: experts 0 (2 tokens), 1 (2)          -> 2 expert kernels
  //   P1 [[0,1],[2,3]]: experts 0, 1, 2, 3 (1 token each)    -> 4
  //   P2 [[0,2],[2,3]]: experts 0 (1), 2 (2), 3 (1)          -> 3
  //   P3 [[3,1],[1,0]]: experts 3 (1), 1 (2), 0 (1)          -> 3
  const patterns = [
    [[0, 1], [0, 1]],
    [[0, 1], [2, 3]],
    [[0, 2], [2, 3]],
    [[3, 1], [1, 0]],
  ];
  const d = Array.from({ length: 32 }, (_, i) => ({ m: { e: patterns[i % 4] } }));
  const files = writeInputs({ 'net.json': net, 'hw.json': idealGpu(), 't.jsonl': trace('moe2', gates, d) });

  it('kernels, time, FLOPs and latency', async () => {
    const r = await run(files, { strategy: 'per-sample' });
    const m = r.metrics;
    expect(r.config.batching.batchSize).toBe(1);
    expect(m.batches).toBe(32);
    // per sample: a, r, then one e launch per expert used: P0 4, P1 6, P2 5, P3 5 = 20 per 4 samples
    expect(m.kernels).toBe(8 * 20);
    // gate m: 32 routers + 8 x (2 + 4 + 3 + 3) = 96 expert launches
    expect(r.gates.m!.kernels).toBe(32 + 96);
    expect(r.layers['m/r']!.kernels).toBe(32);
    expect(r.layers['m/e']!.kernels).toBe(96);
    // every kernel is one partial 32-row tile of one 32-cycle CTA (r: n = 4 pads to one 32-column tile)
    // per sample: 32 x kernels = P0 128, P1 192, P2 160, P3 160 -> 640 per 4 samples
    expect(m.totalTimeNs).toBe(8 * 640);
    // latency = own service time: max 192 (P1), mean 640 / 4 = 160
    expect(m.latencyNs.max).toBe(192);
    expect(m.latencyNs.mean).toBeCloseTo(160, 9);
    // a: 32 x 2 rows x F = 64F; r: 32 x 2 rows x 2 x 32 x 4 = 16384 = 8F; experts: 32 samples
    // x 2 tokens x 2 experts x F = 128F
    expect(m.executedFlops).toBe(64 * F + 8 * F + 128 * F);
    expect(r.gates.m!.executedFlops).toBe(8 * F + 128 * F);
    expect(m.maskWasteFraction).toBe(0);
    // issued slots: a 32 tiles x 32F = 1024F; r 32 tiles x 32 x 256 = 128F; e 96 tiles x 32F = 3072F
    expect(m.simdEfficiency).toBeCloseTo(200 / (1024 + 128 + 3072), 12);
    // static FLOPs per sample: a 2F + 4 experts x 2 tokens x F = 10F -> 320F; useful 200F
    // (the router included): 1 - 200 / 320
    expect(m.idealSaving).toBeCloseTo(0.375, 12);
    // baseline static, batch 32: a 64 rows = 2 tiles (64 ns) + 4 experts x 64 rows (64 ns each) = 320
    expect(r.baseline.totalTimeNs).toBe(320);
    expect(r.baseline.executedFlops).toBe(320 * F);
    expect(m.achievedSaving).toBeCloseTo(1 - 5120 / 320, 9);
  });
});

describe('MoE under multi-kernel on the ideal array (batches of 8)', () => {
  // a, MoE m: 1 token, 4 experts, top-1, one 4 -> 4 expert layer
  const lin4 = (name: string) => ({ kind: 'linear', name, rows: 1, inFeatures: 4, outFeatures: 4, bias: false });
  const net = {
    format: 'dynsim-network',
    version: 1,
    id: 'moe4',
    dtype: 'fp16',
    layers: [lin4('a')],
    gates: [{ id: 'm', kind: 'moe', after: 'a', tokens: 1, experts: 4, topK: 1, capacityFactor: 4, expert: [lin4('e')] }],
  };
  // batch 1: expert 0 gets 3 tokens, expert 1 4, expert 2 1, expert 3 none
  // batch 2: expert 0 gets 4, expert 1 3, expert 2 1, expert 3 none
  const route1 = [0, 0, 0, 1, 1, 1, 1, 2];
  const route2 = [0, 0, 0, 0, 1, 1, 1, 2];
  const d = [...route1, ...route2].map((e) => ({ m: { e: [[e]] } }));
  const inputs = (residentConfigs: number) =>
    writeInputs({ 'net.json': net, 'hw.json': idealArray({ residentConfigs }), 't.jsonl': trace('moe4', moeGates, d) });
  const opts: RunOptions = { strategy: 'multi-kernel', batch: 8 };

  // variants of the static 8 rows: 8, 4, 2, 1. 3 -> 4 (1 padded row), 4 -> 4, 1 -> 1.
  // Each expert's variant is its own configuration (own weights): e0:4x4, e1:4x4, e2:1x4 in
  // both batches. Kernel times (M + 9): a 8 rows 17; a 4-row variant 13; the 1-row variant 10.
  // Each load: 100 ns + 32 B of weights at 1e12 B/ns.

  it('three resident configurations: loaded in batch 1, reused in batch 2', async () => {
    const r = await run(inputs(3), opts);
    const m = r.metrics;
    expect(m.reconfigurations).toBe(3);
    expect(m.timeNs.reconfiguration).toBeCloseTo(300, 6);
    // batch 1: a 17 + 3 loads 300 + 13 + 13 + 10 = 353; batch 2: 17 + 13 + 13 + 10 = 53 (copies ~0)
    expect(m.totalTimeNs).toBeCloseTo(353 + 53, 6);
    // per batch: a, gather, 4 expert launches (expert 3's empty), scatter
    expect(m.kernels).toBe(14);
    // experts compute 4 + 4 + 1 rows per batch of 2 x 4 x 4 = 32 FLOPs; 8 tokens are useful
    expect(r.gates.m!.executedFlops).toBe(2 * 9 * 32);
    expect(r.gates.m!.usefulFlops).toBe(2 * 8 * 32);
    expect(r.gates.m!.maskWasteFraction).toBeCloseTo(1 / 9, 12);
    // the padded row: a 13-cycle kernel issuing 2 x 16 PEs x 13 = 416 slots, 32 of them
    // discarded -> 13 x 32 / 416 = 1 ns per batch
    expect(m.timeNs.maskedWaste).toBeCloseTo(2, 6);
  });

  it('one resident configuration: each batch loads all three again', async () => {
    const m = (await run(inputs(1), opts)).metrics;
    // e0:4x4, e1:4x4, e2:1x4 evict one another: 3 loads per batch
    expect(m.reconfigurations).toBe(6);
    expect(m.totalTimeNs).toBeCloseTo(2 * 353, 6);
  });

  it('compact uses exact shapes: e0:3, e1:4, e2:1, then e0:4 and e1:3 are new', async () => {
    const m = (await run(inputs(3), { ...opts, strategy: 'compact' })).metrics;
    // LRU of 3: batch 1 loads 3; batch 2 loads e0:4x4 (evicts e0:3x4) and e1:3x4 (evicts
    // e1:4x4); e2:1x4 stays resident
    expect(m.reconfigurations).toBe(5);
    // batch 1: 17 + 300 + 12 + 13 + 10 = 352; batch 2: 17 + 200 + 13 + 12 + 10 = 252
    expect(m.totalTimeNs).toBeCloseTo(352 + 252, 6);
    expect(m.maskWasteFraction).toBe(0);
  });
});

// two batches of 64: 16 skip b in batch 1 (48 need it), 40 in batch 2 (24 need it)
const skipD = [...Array.from({ length: 64 }, (_, i) => ({ g: i < 16 ? 1 : 0 })), ...Array.from({ length: 64 }, (_, i) => ({ g: i < 40 ? 1 : 0 }))];
const skipFiles = writeInputs({ 'net.json': skipNet(), 'hw.json': idealGpu(), 't.jsonl': trace('skip2', skipGates, skipD) });

describe('capacity on a network without MoE runs as mask (skip gate, 2 batches of 64)', () => {
  // mask: per batch a (2 tiles, 64 ns), b over all 64 rows (64 ns), the select: 64 x 32
  // elements x (2 reads + 1 write) x 2 B = 12288 B
  const sel = copyNs(12288);

  for (const strategy of ['mask', 'capacity'] as const)
    it(`${strategy}: every row of b computes, the skipped ones are discarded`, async () => {
      const r = await run(skipFiles, { strategy, batch: 64 });
      const m = r.metrics;
      expect(m.totalTimeNs).toBeCloseTo(2 * (64 + 64) + 2 * sel, 9);
      expect(m.kernels).toBe(6); // a, b, select per batch
      expect(m.executedFlops).toBe(256 * F);
      // useful: a 128F + b (48 + 24)F
      expect(m.usefulFlops).toBe(200 * F);
      expect(m.maskWasteFraction).toBe(1 - 200 / 256);
      expect(m.droppedFlops).toBe(0);
      // b: 64 ns x 16/64 + 64 ns x 40/64 = 56, plus the selects
      expect(m.timeNs.maskedWaste).toBeCloseTo(56 + 2 * sel, 9);
      expect(r.gates.g!.maskWasteFraction).toBe(1 - 72 / 128);
      expect(r.gates.g!.kernels).toBe(4);
      expect(m.simdEfficiency).toBe(1);
    });

  it('capacity and mask give the same numbers', async () => {
    const a = (await run(skipFiles, { strategy: 'mask', batch: 64 })).metrics;
    const b = (await run(skipFiles, { strategy: 'capacity', batch: 64 })).metrics;
    expect(b.totalTimeNs).toBe(a.totalTimeNs);
    expect(b.executedFlops).toBe(a.executedFlops);
    expect(b.maskWasteFraction).toBe(a.maskWasteFraction);
  });
});

describe('grouped on a network without MoE runs as compact (skip gate, 2 batches of 64)', () => {
  // compact, per batch: a (64 rows, 2 tiles, 64 ns), gather of the needed rows, b over them,
  // scatter. Batch 1: 48 rows -> 2 tiles (64 ns); copies 48 x 32 x 4 B = 6144 B each.
  // Batch 2: 24 rows -> 1 tile (32 ns); copies 24 x 32 x 4 B = 3072 B each.
  const copies = copyNs(2 * 6144 + 2 * 3072);

  for (const strategy of ['compact', 'grouped'] as const)
    it(`${strategy}: b over the needed rows only`, async () => {
      const r = await run(skipFiles, { strategy, batch: 64 });
      const m = r.metrics;
      expect(m.totalTimeNs).toBeCloseTo(64 + 64 + 64 + 32 + copies, 9);
      expect(m.kernels).toBe(8); // a, gather, b, scatter per batch
      expect(r.gates.g!.kernels).toBe(6);
      // a 128F + b (48 + 24)F
      expect(m.executedFlops).toBe(200 * F);
      expect(m.maskWasteFraction).toBe(0);
      // issued: a 4 tiles (128F), b 2 + 1 tiles (96F)
      expect(m.simdEfficiency).toBeCloseTo(200 / 224, 12);
      expect(m.timeNs.regroup).toBeCloseTo(copies, 12);
      // baseline: (64 + 64) x 2 = 256
      expect(r.baseline.totalTimeNs).toBe(256);
      expect(m.achievedSaving).toBeCloseTo(1 - 224 / 256, 9);
    });

  it('grouped and compact give the same numbers', async () => {
    const a = (await run(skipFiles, { strategy: 'compact', batch: 64 })).metrics;
    const b = (await run(skipFiles, { strategy: 'grouped', batch: 64 })).metrics;
    expect(b.totalTimeNs).toBe(a.totalTimeNs);
    expect(b.executedFlops).toBe(a.executedFlops);
    expect(b.kernels).toBe(a.kernels);
  });
});

describe('channel gate with three widths (32, 64, 96 of 96 channels), one batch of 64', () => {
  // a (32 -> 32), b (32 -> 96) gated by c, granularity 32. A 32-row tile of b at width w is
  // w / 32 CTAs of 32 cycles = w ns; a row at width w is 2 x 32 x w = 64w FLOPs (F at 32).
  const net = {
    format: 'dynsim-network',
    version: 1,
    id: 'ch3',
    dtype: 'fp16',
    layers: [lin('a'), { ...lin('b'), outFeatures: 96 }],
    gates: [{ id: 'c', kind: 'channel', layers: ['b'], channels: 96, granularity: 32 }],
  };
  // tile 1 (samples 0-31): 16 at width 32, 16 at 64; tile 2 (32-63): 8 at 96, 24 at 32
  const width = (i: number) => (i < 16 ? 32 : i < 32 ? 64 : i < 40 ? 96 : 32);
  const d = Array.from({ length: 64 }, (_, i) => ({ c: width(i) }));
  const files = writeInputs({
    'net.json': net,
    'hw.json': idealGpu(),
    't.jsonl': trace('ch3', [{ id: 'c', kind: 'channel', channels: 96, granularity: 32 }], d),
  });
  // b's needed FLOPs: (16 x 32 + 16 x 64 + 8 x 96 + 24 x 32) x 64 = 3072 x 64 = 96F
  const needed = 96 * F;

  it('static: b at full width over 2 tiles: 2 x 96 = 192 ns, a 64 ns', async () => {
    const m = (await run(files, { strategy: 'static', batch: 64 })).metrics;
    expect(m.totalTimeNs).toBe(64 + 192);
    expect(m.executedFlops).toBe(256 * F); // a 64 rows x F = 64F + b 64 rows x 3F = 192F
  });

  it('device-branch: nested widths, each tile runs its widest (64, then 96)', async () => {
    const r = await run(files, { strategy: 'device-branch', batch: 64 });
    const g = r.gates.c!;
    // b: 64 + 96 = 160 ns on 1 SM
    expect(g.totalTimeNs).toBe(160);
    expect(r.metrics.totalTimeNs).toBe(64 + 160);
    expect(g.kernels).toBe(1);
    // rows compute their own width only
    expect(g.executedFlops).toBe(needed);
    expect(g.maskWasteFraction).toBe(0);
    // issued: tile 1 32 rows x 64 x 64 = 64F, tile 2 32 x 64 x 96 = 96F
    expect(g.simdEfficiency).toBeCloseTo(96 / 160, 12);
    // both tiles hold rows at two widths
    expect(g.divergentWarps).toBe(2);
    // 160 ns x (160F - 96F) / 160F = 64 ns
    expect(g.timeNs.divergence).toBe(64);
    expect(r.metrics.timeNs.divergence).toBe(64);
    expect(r.metrics.achievedSaving).toBeCloseTo(1 - 224 / 256, 12);
  });

  it('compact: gather, one kernel per width (96: 8 rows, 64: 16 rows, 32: 40 rows), scatter', async () => {
    const r = await run(files, { strategy: 'compact', batch: 64 });
    const g = r.gates.c!;
    // width 96: 1 tile, 96 ns; width 64: 1 tile, 64 ns; width 32: 2 tiles, 64 ns -> 224 ns
    // gather: 64 rows x 32 inputs x 4 B = 8192 B; scatter: 64 rows x 96 outputs x 4 B = 24576 B
    const copies = copyNs(8192 + 24576);
    expect(g.kernels).toBe(5);
    expect(r.layers.b!.kernels).toBe(3);
    expect(g.totalTimeNs).toBeCloseTo(224 + copies, 9);
    expect(r.metrics.totalTimeNs).toBeCloseTo(64 + 224 + copies, 9);
    expect(g.executedFlops).toBe(needed);
    expect(g.maskWasteFraction).toBe(0);
    expect(g.divergentWarps).toBe(0);
    // issued: 96F (1 tile at 96) + 64F (1 tile at 64) + 64F (2 tiles at 32) = 224F
    expect(g.simdEfficiency).toBeCloseTo(96 / 224, 12);
    expect(g.timeNs.regroup).toBeCloseTo(copies, 12);
    // slower than static here: 1 - 288 / 256
    expect(r.metrics.achievedSaving).toBeCloseTo(1 - 288 / 256, 9);
  });
});

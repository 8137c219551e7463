/**
 * Metrics of `dynsim run` checked against values derived by hand from the hardware and network
 * parameters (docs/metrics.md defines each metric). Ideal GPU (test/helpers/fixtures.ts): 1 SM
 * at 1 GHz, 2048 tensor FLOP/cycle, 32x32x32 GEMM tiles, memory at 1e12 GB/s (~free), free
 * launches; host: notification 200 / 2 = 100 ns, decision 1000 ns; link 500 ns + 1 B/ns.
 * A 32-row tile of a 32 -> 32 fp16 linear layer is one CTA of 2 x 32 x 32 x 32 / 2048 = 32 cycles.
 */
import { describe, expect, it } from 'vitest';
import { idealGpu, writeInputs } from './helpers/fixtures.js';
import { copyNs, exitGates, exitNet, F, lin, run, skipGates, skipInputs, skipNet, trace } from './helpers/ideal-nets.js';

/** The ideal GPU with some accelerator fields overridden. */
function gpu(acc: Record<string, unknown>, over: { staticPowerW?: number } = {}) {
  const h = idealGpu(over);
  return { ...h, accelerator: { ...(h.accelerator as Record<string, unknown>), ...acc } };
}

/** |actual - exact| <= rel x exact: the latency histogram's stated accuracy is 0.05% (docs/metrics.md, Percentiles). */
function expectWithin(actual: number, exact: number, rel = 5e-4) {
  expect(Math.abs(actual - exact)).toBeLessThanOrEqual(rel * exact);
}

describe('cycles and throughput (static, skip net, one batch of 32)', () => {
  it('totalCycles = totalTimeNs x clock GHz at 2 GHz', async () => {
    const m = (await run(skipInputs(1, 0, gpu({ clockMhz: 2000 })), { strategy: 'static' })).metrics;
    // each 32-cycle tile at 2 GHz takes 16 ns; a then b: 2 x 16 = 32 ns
    expect(m.totalTimeNs).toBe(32);
    // 32 ns x 2 GHz = 64 cycles
    expect(m.totalCycles).toBe(64);
    // 64F / (1 SM x 2048 FLOP/cycle x 2 GHz x 32 ns) = 131072 / 131072 = 1
    expect(m.utilization.compute).toBeCloseTo(1, 9);
  });

  it('throughputSamplesPerS = samples x 1e9 / totalTimeNs', async () => {
    const m = (await run(skipInputs(1, 0), { strategy: 'static' })).metrics;
    // a + b = 32 + 32 = 64 ns at 1 GHz
    expect(m.totalTimeNs).toBe(64);
    // 32 samples x 1e9 / 64 ns = 5e8 samples/s
    expect(m.throughputSamplesPerS / 5e8).toBeCloseTo(1, 9);
  });
});

describe('utilization, time breakdown and energy at skip p = 0.5 (16 of 32 samples skip b)', () => {
  it('device-branch: utilization.compute = executed FLOPs over the tensor peak', async () => {
    const m = (await run(skipInputs(1, 16), { strategy: 'device-branch' })).metrics;
    // a: 32 rows x F; b: one 32-row tile, 16 working rows: 16F; the tile still takes 32 ns
    // 48F / (1 SM x 2048 FLOP/cycle x 1 GHz x 64 ns) = 98304 / 131072 = 0.75
    expect(m.utilization.compute).toBeCloseTo(0.75, 9);
    // the accelerator is busy the whole 64 ns
    expect(m.utilization.accelerator).toBeCloseTo(1, 9);
  });

  it('device-branch: usefulCompute = kernel time less the divergent share', async () => {
    const m = (await run(skipInputs(1, 16), { strategy: 'device-branch' })).metrics;
    // b: divergent slots = issued 32F - active 16F - padding 0 = 16F -> 32 ns x 16F / 32F = 16 ns
    expect(m.timeNs.divergence).toBe(16);
    // a 32 ns + b 32 ns x (1 - 0 masked - 0.5 divergent) = 32 + 16 = 48
    expect(m.timeNs.usefulCompute).toBe(48);
    expect(m.timeNs.maskedWaste).toBe(0);
  });

  it('host: accelerator, link and host busy shares of a 1696 ns run', async () => {
    const m = (await run(skipInputs(1, 16), { strategy: 'host' })).metrics;
    // a 0..32; sync: notify 100 -> 132; link 500 + 32 B / 1 B/ns = 532 -> 664; decide 1000 -> 1664;
    // gather (16 x 32 elements x (2 B read + 2 B write) = 2048 B, ~2e-9 ns), b over 16 rows 32 ns,
    // scatter (2048 B): total 1664 + 32 + 2 copies
    const total = 1664 + 32 + 2 * copyNs(2048);
    expect(m.totalTimeNs).toBeCloseTo(total, 9);
    // kernel time a 32 + b 32 + copies over the run: ~64 / 1696
    expect(m.utilization.accelerator).toBeCloseTo((64 + 2 * copyNs(2048)) / total, 9);
    // the link carried one 532 ns transfer: 532 / 1696
    expect(m.utilization.link).toBeCloseTo(532 / total, 9);
    // host busy: 4 kernels x 0 ns issue + 1 decision x 1000 ns: 1000 / 1696
    expect(m.utilization.host).toBeCloseTo(1000 / total, 9);
  });

  it('compact with 1 GB/s memory: every kernel memory-bound, gather + scatter = regroup', async () => {
    // at 1 GB/s and 1 GHz memory moves 1 B/cycle; every compute time (<= 32 cycles) is smaller
    const m = (await run(skipInputs(1, 16, gpu({ memBandwidthGBps: 1 })), { strategy: 'compact' })).metrics;
    // a: weights 32 x 32 x 2 B = 2048 + 32 rows x (32 in + 32 out) x 2 B = 4096 -> 6144 ns
    // gather: 16 rows x 32 elements x (2 B read + 2 B write) = 2048 ns
    // b over 16 rows: weights 2048 + 16 x 64 x 2 B = 2048 -> 4096 ns
    // scatter: 16 rows x 32 elements x 4 B = 2048 ns
    expect(m.timeNs.regroup).toBe(2048 + 2048);
    expect(m.timeNs.usefulCompute).toBe(6144 + 4096); // b's 16 missing rows are padding, not waste
    expect(m.timeNs.maskedWaste).toBe(0);
    expect(m.timeNs.divergence).toBe(0);
    expect(m.totalTimeNs).toBe(6144 + 2048 + 4096 + 2048); // 14336
    expect(m.timeNs.idle).toBe(0);
  });

  it('device-branch with 2 W static power: wasted = static power during divergence', async () => {
    const m = (await run(skipInputs(1, 16, idealGpu({ staticPowerW: 2 })), { strategy: 'device-branch' })).metrics;
    // dynamic 48F x 1 pJ/FLOP = 98304 pJ; static 2 W x 64 ns x 1000 = 128000 pJ
    expect(m.energyPj).toBeCloseTo(48 * F * 1 + 2 * 64 * 1000, 6);
    // maskWasteFraction 0 -> no dynamic waste; 2 W x 16 ns divergence x 1000 = 32000 pJ
    expect(m.wastedEnergyPj).toBeCloseTo(2 * 16 * 1000, 6);
  });

  it('host with 2 W static power: wasted = static power while the accelerator waits on the host', async () => {
    const m = (await run(skipInputs(1, 16, idealGpu({ staticPowerW: 2 })), { strategy: 'host' })).metrics;
    // idle on host: from a's end (32) to the gather's start (1664) = 1632 ns
    expect(m.timeNs.controlTransfer).toBe(1632);
    // nothing masked, no divergence: 2 W x 1632 ns x 1000 = 3,264,000 pJ
    expect(m.wastedEnergyPj).toBeCloseTo(2 * 1632 * 1000, 6);
    // dynamic 48F x 1 pJ + 2 W x (1696 + copies) ns x 1000
    expect(m.energyPj).toBeCloseTo(48 * F + 2 * (1696 + 2 * copyNs(2048)) * 1000, 6);
  });
});

describe('samples and decisions', () => {
  it('a spatial gate counts one decision per position: 16 samples x 4 positions = 64', async () => {
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
    const m = (await run(files, { strategy: 'mask', batch: 16 })).metrics;
    expect(m.samples).toBe(16);
    expect(m.batches).toBe(1);
    expect(m.decisions).toBe(16 * 4);
  });

  it('a skip gate counts one decision per sample: 2 batches x 32 = 64', async () => {
    const m = (await run(skipInputs(2, 16), { strategy: 'mask' })).metrics;
    expect(m.samples).toBe(64);
    expect(m.batches).toBe(2);
    expect(m.decisions).toBe(64);
  });
});

describe('baseline', () => {
  it('per-sample runs at batch 1 while the static baseline keeps the batch of 32', async () => {
    const r = await run(skipInputs(1, 16), { strategy: 'per-sample' });
    expect(r.config.batching.batchSize).toBe(1);
    // baseline: static, one batch of 32: a 32 + b 32 = 64 ns, 64 rows x F
    expect(r.baseline.totalTimeNs).toBe(64);
    expect(r.baseline.executedFlops).toBe(64 * F);
    // run: 16 x (a + b = 64 ns) + 16 x (a = 32 ns) = 1536 ns; 1 - 1536 / 64 = 1 - 24 = -23
    expect(r.metrics.totalTimeNs).toBe(1536);
    expect(r.metrics.achievedSaving).toBeCloseTo(-23, 9);
  });
});

describe('gates.<id> at skip p = 0.5', () => {
  it('host: the gate carries the round trip and the accelerator wait', async () => {
    const r = await run(skipInputs(1, 16), { strategy: 'host' });
    const g = r.gates.g!;
    // round trip: notify 100 + link (500 + 32 B) + decide 1000 = 1632
    expect(g.controlTransfers).toBe(1);
    expect(g.controlTransferNs).toBe(1632);
    // accelerator idle from a's end (32) to the gather (1664), charged to g
    expect(g.timeNs.controlTransfer).toBe(1632);
    // gather, b, scatter
    expect(g.kernels).toBe(3);
    // scope time: b 32 + copies + wait 1632 = 1664; static scope: b alone, 32 ns
    // 1 - 1664 / 32 = -51
    expect(g.totalTimeNs).toBeCloseTo(1664 + 2 * copyNs(2048), 9);
    expect(g.achievedSaving).toBeCloseTo(1 - (1664 + 2 * copyNs(2048)) / 32, 9);
  });

  it('device-branch: one divergent tile, 16 ns divergence, dynamic energy only', async () => {
    const r = await run(skipInputs(1, 16, idealGpu({ staticPowerW: 2 })), { strategy: 'device-branch' });
    const g = r.gates.g!;
    // b's single 32-row tile holds skipping and working rows
    expect(g.divergentWarps).toBe(1);
    // 32 ns x (32F issued - 16F active) / 32F = 16 ns
    expect(g.timeNs.divergence).toBe(16);
    // scope energy is dynamic only: 16 working rows x F x 1 pJ/FLOP = 32768 pJ (no 2 W share)
    expect(g.energyPj).toBe(16 * F);
    // b's time equals static's: 1 - 32 / 32 = 0
    expect(g.achievedSaving).toBe(0);
  });

  it('mask: idealSaving of the gate = 1 - useful / static FLOPs of its scope', async () => {
    const r = await run(skipInputs(1, 16), { strategy: 'mask' });
    // useful: 16 rows of b = 16F (the select computes no FLOPs); static scope: b over 32 rows = 32F
    // 1 - 16F / 32F = 0.5
    expect(r.gates.g!.idealSaving).toBeCloseTo(0.5, 9);
    // run-wide: 1 - 48F / 64F = 0.25
    expect(r.metrics.idealSaving).toBeCloseTo(0.25, 9);
  });
});

describe('layers.<name>', () => {
  it('mask at p = 0.5: layer b computes 32 rows, needs 16', async () => {
    const r = await run(skipInputs(1, 16), { strategy: 'mask' });
    const b = r.layers.b!;
    // layer b alone: 32 rows x F = 32F executed, 16 rows x F = 16F useful
    expect(b.executedFlops).toBe(32 * F);
    expect(b.usefulFlops).toBe(16 * F);
    // 1 - 16F / 32F = 0.5
    expect(b.maskWasteFraction).toBe(0.5);
    // 32 ns x (32F - 16F) / 32F = 16 ns; the select kernel has no layer
    expect(b.timeNs.maskedWaste).toBe(16);
    expect(b.totalTimeNs).toBe(32);
    // layer a is ungated: every row needed
    expect(r.layers.a!.maskWasteFraction).toBe(0);
    expect(r.layers.a!.executedFlops).toBe(32 * F);
  });

  it('host: a layer every sample skips launches nothing and has no entry; compact launches an empty grid', async () => {
    const files = skipInputs(1, 32);
    const host = await run(files, { strategy: 'host' });
    expect(Object.keys(host.layers)).toEqual(['a']);
    const cp = await run(files, { strategy: 'compact' });
    expect(Object.keys(cp.layers)).toEqual(['a', 'b']);
    expect(cp.layers.b!.kernels).toBe(1);
    expect(cp.layers.b!.executedFlops).toBe(0);
  });
});

describe('early exit under host, device-branch and per-sample (64 samples, the first 32 leave after a)', () => {
  // a -> exit point (head h) -> b; batch of 64 = two 32-row tiles on 1 SM
  const d = Array.from({ length: 64 }, (_, i) => ({ x: i < 32 ? 0 : 1 }));
  const files = writeInputs({ 'net.json': exitNet(), 'hw.json': idealGpu(), 't.jsonl': trace('ee', exitGates, d) });

  it('host: head, round trip, gather of the 32 that stay, b over one tile', async () => {
    const r = await run(files, { strategy: 'host', batch: 64 });
    const m = r.metrics;
    // a 0..64 (2 tiles), h 64..128; notify 100 -> 228; link 500 + 64 B -> 792; decide 1000 -> 1792
    // gather 32 rows x 32 elements x 4 B = 4096 B (~4e-9 ns); b over 32 rows: 32 ns -> 1824
    const total = 1792 + copyNs(4096) + 32;
    expect(m.totalTimeNs).toBeCloseTo(total, 9);
    expect(m.controlTransfers).toBe(1);
    expect(m.controlTransferNs).toBe(100 + 564 + 1000); // 1664
    expect(m.timeNs.controlTransfer).toBe(1792 - 128); // 1664
    expect(r.exits.x).toEqual([32, 32]);
    // leavers complete after the head (128, before the round trip), the rest at the end
    expectWithin(m.latencyNs.p50, 128);
    expect(m.latencyNs.max).toBeCloseTo(total, 9);
    expect(m.latencyNs.mean).toBeCloseTo((32 * 128 + 32 * total) / 64, 9);
    // a 64F + h 64F + b 32F = 160F
    expect(m.executedFlops).toBe(160 * F);
    // baseline static, batch 64: a 64 + b 64 = 128 ns
    expect(r.baseline.totalTimeNs).toBe(128);
  });

  it('device-branch: leavers go idle; b skips their all-idle tile', async () => {
    const r = await run(files, { strategy: 'device-branch', batch: 64 });
    const m = r.metrics;
    // a 64 + h 64 + b (one working tile; the idle tile costs emptyWarpCycles = 0) 32 = 160
    expect(m.totalTimeNs).toBe(160);
    expect(m.divergentWarps).toBe(0);
    expect(m.simdEfficiency).toBe(1);
    expect(m.executedFlops).toBe(160 * F);
    // leavers done at 128, the rest at 160: mean (128 + 160) / 2 = 144
    expectWithin(m.latencyNs.p50, 128);
    expect(m.latencyNs.max).toBe(160);
    expect(m.latencyNs.mean).toBeCloseTo(144, 9);
    // 1 - 160 / 128 = -0.25
    expect(m.achievedSaving).toBeCloseTo(-0.25, 9);
  });

  it('per-sample: batch 1, each sample a, h and (if it stays) b, each a padded 32 ns tile', async () => {
    const r = await run(files, { strategy: 'per-sample', batch: 64 });
    const m = r.metrics;
    expect(m.batches).toBe(64);
    // 32 leavers x (a + h = 64) + 32 stayers x (a + h + b = 96) = 2048 + 3072 = 5120
    expect(m.totalTimeNs).toBe(5120);
    // 32 x 2F + 32 x 3F = 160F, each row alone in a 32-row tile: 1 / 32
    expect(m.executedFlops).toBe(160 * F);
    expect(m.simdEfficiency).toBeCloseTo(1 / 32, 12);
    // latency = own service time: 64 (leavers), 96 (stayers); mean 80
    expectWithin(m.latencyNs.p50, 64);
    expect(m.latencyNs.max).toBe(96);
    expect(m.latencyNs.mean).toBeCloseTo(80, 9);
    expect(r.exits.x).toEqual([32, 32]);
    // baseline keeps batch 64: 128 ns; 1 - 5120 / 128 = -39
    expect(r.baseline.totalTimeNs).toBe(128);
    expect(m.achievedSaving).toBeCloseTo(-39, 9);
  });
});

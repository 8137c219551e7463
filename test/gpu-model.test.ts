import { describe, expect, it } from 'vitest';
import { HardwareSystem } from '../src/formats/hardware.js';
import { createGpuSimt } from '../src/hardware/gpu-simt/model.js';
import type { KernelSpec, PathWork, RowRun } from '../src/hardware/types.js';
import { idealGpu } from './helpers/fixtures.js';

const gpu = (over?: Parameters<typeof idealGpu>[0]) => {
  const hw = HardwareSystem.parse(idealGpu(over));
  if (hw.accelerator.kind !== 'gpu-simt') throw new Error('gpu expected');
  return createGpuSimt(hw.accelerator);
};

const vpath = (flopsPerRow: number): PathWork => ({ flopsPerRow, k: 0, n: 0, weightBytes: 0, bytesPerRow: 0 });
const vector = (paths: PathWork[], runs: RowRun[]): KernelSpec => ({ name: 'v', unit: 'vector', dtype: 'fp16', paths, runs });

/** Lane i of a 32-lane warp takes path i % k. */
function lanes(k: number, warps = 1): RowRun[] {
  const runs: RowRun[] = [];
  for (let i = 0; i < 32 * warps; i++) runs.push({ rows: 1, paths: [i % k], useful: 1 });
  return runs;
}

describe('GPU SIMT divergence (hand-derived)', () => {
  const one = gpu().cost(vector([vpath(100)], lanes(1)));

  it('one converged warp: 32 lanes x 100 FLOPs at 32 FLOP/cycle = 100 cycles, efficiency 1', () => {
    expect(one.cycles).toBe(100);
    expect(one.timeNs).toBe(100);
    expect(one.activeFlops / one.issuedSlotFlops).toBe(1);
    expect(one.divergentUnits).toBe(0);
  });

  it('32 lanes alternating between two equal paths: SIMD efficiency 0.5, twice the time', () => {
    const c = gpu().cost(vector([vpath(100), vpath(100)], lanes(2)));
    expect(c.activeFlops / c.issuedSlotFlops).toBe(0.5);
    expect(c.timeNs).toBe(2 * one.timeNs);
    expect(c.divergentUnits).toBe(1);
    expect(c.divergentSlotFlops).toBe(3200);
  });

  for (const k of [1, 2, 4, 8, 16, 32])
    it(`k = ${k} distinct paths per warp cost k x one path, efficiency 1/k`, () => {
      const paths = Array.from({ length: k }, () => vpath(100));
      const c = gpu().cost(vector(paths, lanes(k, 4)));
      expect(c.timeNs).toBe(k * 4 * one.timeNs);
      expect(c.activeFlops / c.issuedSlotFlops).toBeCloseTo(1 / k, 12);
      expect(c.divergentUnits).toBe(k > 1 ? 4 : 0);
    });

  it('idle lanes (inactive rows) cost the full warp; an all-idle warp is skipped', () => {
    const runs: RowRun[] = [
      { rows: 1, paths: [0], useful: 1 },
      { rows: 31, paths: [], useful: 1 },
      { rows: 32, paths: [], useful: 1 },
    ];
    const c = gpu().cost(vector([vpath(100)], runs));
    expect(c.units).toBe(1);
    expect(c.timeNs).toBe(100);
    expect(c.activeFlops / c.issuedSlotFlops).toBeCloseTo(1 / 32, 12);
    expect(c.divergentUnits).toBe(1);
  });

  it('nested paths (channel prefixes) run the widest, not each in turn', () => {
    const runs: RowRun[] = [
      { rows: 16, paths: [0], useful: 1 },
      { rows: 16, paths: [1], useful: 1 },
    ];
    const spec: KernelSpec = { ...vector([vpath(100), vpath(50)], runs), nestedPaths: true };
    const c = gpu().cost(spec);
    expect(c.timeNs).toBe(100);
    expect(c.activeFlops).toBe(16 * 100 + 16 * 50);
    expect(c.issuedSlotFlops).toBe(3200);
  });
});

describe('GPU tiles, waves and memory (hand-derived)', () => {
  // linear 32 -> 32: 2048 FLOPs per row; a 32-row x 32-col CTA = 2*32*32*32 / 2048 = 32 cycles
  const lin: PathWork = { flopsPerRow: 2048, k: 32, n: 32, weightBytes: 2048, bytesPerRow: 128 };
  const gemm = (rows: number, paths: readonly number[] = [0], p: PathWork[] = [lin]): KernelSpec => ({
    name: 'g',
    unit: 'tensor',
    dtype: 'fp16',
    paths: p,
    runs: [{ rows, paths, useful: 1 }],
  });

  it('one full tile = one 32-cycle CTA', () => {
    expect(gpu().cost(gemm(32)).cycles).toBe(32);
  });

  it('wave quantisation: 4 SMs, 4 tiles = 1 wave, 5 tiles = 2 waves', () => {
    expect(gpu({ sms: 4 }).cost(gemm(128)).cycles).toBe(32);
    expect(gpu({ sms: 4 }).cost(gemm(129)).cycles).toBe(64); // 5 tiles, the last with one row
    expect(gpu({ sms: 4 }).cost(gemm(160)).cycles).toBe(64);
  });

  it('columns split into CTAs: N = 96 is three 32-cycle CTAs, spread over SMs', () => {
    const wide: PathWork = { ...lin, n: 96, flopsPerRow: 2 * 32 * 96 };
    expect(gpu({ sms: 1 }).cost(gemm(32, [0], [wide])).cycles).toBe(96);
    expect(gpu({ sms: 3 }).cost(gemm(32, [0], [wide])).cycles).toBe(32);
  });

  it('a partial tile pads: 33 rows issue 64 rows of slots, efficiency 33/64', () => {
    const c = gpu({ sms: 2 }).cost(gemm(33));
    expect(c.cycles).toBe(32);
    expect(c.activeFlops / c.issuedSlotFlops).toBeCloseTo(33 / 64, 12);
    expect(c.divergentSlotFlops).toBe(0); // padding is not divergence
  });

  it('memory bound: bytes / bandwidth when it exceeds compute', () => {
    const hw = HardwareSystem.parse({ ...idealGpu(), accelerator: { ...(idealGpu().accelerator as object), memBandwidthGBps: 1 } });
    if (hw.accelerator.kind !== 'gpu-simt') throw new Error();
    const c = createGpuSimt(hw.accelerator).cost(gemm(32));
    // weights 2048 B + 32 rows x 128 B = 6144 B at 1 B/ns
    expect(c.dramBytes).toBe(6144);
    expect(c.timeNs).toBe(6144);
  });

  it('MoE tile with two experts runs both in turn (top-1 tokens of two experts)', () => {
    const runs: RowRun[] = [
      { rows: 16, paths: [0], useful: 1 },
      { rows: 16, paths: [1], useful: 1 },
    ];
    const c = gpu().cost({ name: 'e', unit: 'tensor', dtype: 'fp16', paths: [lin, lin], runs });
    expect(c.cycles).toBe(64);
    expect(c.activeFlops / c.issuedSlotFlops).toBe(0.5);
    expect(c.dramBytes).toBe(2 * 2048 + 32 * 128); // both experts' weights
  });
});

describe('GPU split-K and sustained tensor rate (hand-derived)', () => {
  // ideal GPU: tile 32 x 32 x 32, 2048 fp16 FLOP/cycle/SM, 1 GHz, DRAM bandwidth negligible
  const tpath = (k: number, n: number): PathWork => ({ flopsPerRow: 2 * k * n, k, n, weightBytes: k * n * 2, bytesPerRow: (k + n) * 2 });
  const tensor = (paths: PathWork[], runs: RowRun[]): KernelSpec => ({ name: 't', unit: 'tensor', dtype: 'fp16', paths, runs });
  const gemm = tensor([tpath(128, 32)], [{ rows: 32, paths: [0], useful: 1 }]);

  it('1 SM: one CTA of 2 x 32 x 32 x 128 / 2048 = 128 cycles, no split (CTAs = SMs)', () => {
    const c = gpu().cost(gemm);
    expect(c.cycles).toBe(128);
    // weights 128 x 32 x 2 + activations 32 x (128 + 32) x 2
    expect(c.dramBytes).toBe(8192 + 10240);
  });

  it('4 SMs, 1 CTA: splits = min(floor(4 / 1), ceil(128 / 32)) = 4, 128 / 4 = 32 cycles, + 2 x 4 x 32 x 32 x 4 partial bytes', () => {
    const c = gpu({ sms: 4 }).cost(gemm);
    expect(c.cycles).toBe(32);
    expect(c.dramBytes).toBe(8192 + 10240 + 32768);
  });

  it('K <= tile.k is not split: K = 32 on 4 SMs stays one CTA of 2 x 32 x 32 x 32 / 2048 = 32 cycles', () => {
    const c = gpu({ sms: 4 }).cost(tensor([tpath(32, 32)], [{ rows: 32, paths: [0], useful: 1 }]));
    expect(c.cycles).toBe(32);
    expect(c.dramBytes).toBe(32 * 32 * 2 + 32 * 64 * 2);
  });

  it('a kernel with several paths is never split', () => {
    const c = gpu({ sms: 4 }).cost(tensor([tpath(128, 32), tpath(128, 32)], [{ rows: 32, paths: [0], useful: 1 }]));
    expect(c.cycles).toBe(128);
  });

  it('tensorEfficiency 0.5 halves the tensor rate: 128 cycles become 256', () => {
    const hw = HardwareSystem.parse(idealGpu());
    if (hw.accelerator.kind !== 'gpu-simt') throw new Error('gpu expected');
    expect(hw.accelerator.tensorEfficiency).toBe(1);
    expect(createGpuSimt({ ...hw.accelerator, tensorEfficiency: 0.5 }).cost(gemm).cycles).toBe(256);
  });
});

describe('empty warps (launched without work)', () => {
  const withEmpty = (sms: number) => {
    const hw = HardwareSystem.parse({ ...idealGpu({ sms }), accelerator: { ...(idealGpu({ sms }).accelerator as object), emptyWarpCycles: 10 } });
    if (hw.accelerator.kind !== 'gpu-simt') throw new Error();
    return createGpuSimt(hw.accelerator);
  };
  const runs: RowRun[] = [
    { rows: 32, paths: [0], useful: 1 },
    { rows: 64, paths: [], useful: 1 },
  ];

  it('each empty warp adds its cycles on the SMs: 1 SM, one 100-cycle warp + 2 empty = 120', () => {
    expect(withEmpty(1).cost(vector([vpath(100)], runs)).cycles).toBe(120);
  });

  it('on 2 SMs the empty warps hide beside the working one: 100 cycles', () => {
    expect(withEmpty(2).cost(vector([vpath(100)], runs)).cycles).toBe(100);
  });

  it('a launch in which no warp has work costs emptyGridWarpCycles per warp (3 x 2 on 1 SM) where given', () => {
    const hw = HardwareSystem.parse({ ...idealGpu(), accelerator: { ...(idealGpu().accelerator as object), emptyWarpCycles: 10, emptyGridWarpCycles: 2 } });
    if (hw.accelerator.kind !== 'gpu-simt') throw new Error();
    const g = createGpuSimt(hw.accelerator);
    expect(g.cost(vector([vpath(100)], [{ rows: 96, paths: [], useful: 1 }])).cycles).toBe(6);
    // with one working warp the empty ones cost emptyWarpCycles: 100 + 2 x 10
    expect(g.cost(vector([vpath(100)], runs)).cycles).toBe(120);
  });

  it('a kernel of only empty warps still costs them: 3 x 10 cycles on 1 SM', () => {
    expect(withEmpty(1).cost(vector([vpath(100)], [{ rows: 96, paths: [], useful: 1 }])).cycles).toBe(30);
    expect(gpu().cost(vector([vpath(100)], [{ rows: 96, paths: [], useful: 1 }])).cycles).toBe(0); // default 0
  });
});

describe('instruction issue, copies, caches, kernel tail and throttling (hand-derived)', () => {
  // ideal GPU: 1 SM, 32 vector FLOP/cycle = 16 lane-instructions/cycle, so one warp
  // instruction (32 lanes) takes 2 cycles; 1 GHz
  const withAcc = (acc: Record<string, unknown>, sms = 1) => {
    const base = idealGpu({ sms }) as { accelerator: object };
    const hw = HardwareSystem.parse({ ...base, accelerator: { ...base.accelerator, ...acc } });
    if (hw.accelerator.kind !== 'gpu-simt') throw new Error('gpu expected');
    return createGpuSimt(hw.accelerator);
  };
  const copyPath = (bytesPerRow: number): PathWork => ({ flopsPerRow: 0, k: 0, n: 0, weightBytes: 0, bytesPerRow });

  it('path entry: a warp entering one of 2 compiled paths issues 100 / 2 FMAs + 10 = 60 instructions = 120 cycles; two paths 240', () => {
    const g = withAcc({ pathEntryInstr: 10 });
    expect(g.cost(vector([vpath(100), vpath(100)], lanes(1))).cycles).toBe(120);
    expect(g.cost(vector([vpath(100), vpath(100)], lanes(2))).cycles).toBe(240);
    // a kernel with one compiled path has no branch to enter
    expect(g.cost(vector([vpath(100)], lanes(1))).cycles).toBe(100);
  });

  it('loop control: 4 trips x 3 instructions add 12 warp instructions: (50 + 12) x 2 = 124 cycles', () => {
    const g = withAcc({ loopControlInstr: 3 });
    expect(g.cost(vector([{ ...vpath(100), loopTrips: 4 }], lanes(1))).cycles).toBe(124);
  });

  it('scatter copies issue copyInstrPerElement per element: 64 elements = 2 warps x 5 instructions x 2 cycles = 20 cycles; gather unlisted = 0', () => {
    const g = withAcc({ copyInstrPerElement: { scatter: 5 } });
    const copy = (copyOp: 'gather' | 'scatter'): KernelSpec => ({ ...vector([copyPath(4)], [{ rows: 64, paths: [0], useful: 1 }]), copyOp });
    expect(g.cost(copy('scatter')).cycles).toBe(20);
    expect(g.cost(copy('gather')).cycles).toBeCloseTo(256 / 1e12, 12); // bytes at the (huge) DRAM bandwidth
  });

  it('kernel tail: every kernel with work adds kernelTailNs (7 ns = 7 cycles at 1 GHz); an empty launch adds nothing', () => {
    const g = withAcc({ kernelTailNs: 7 });
    expect(g.cost(vector([vpath(100)], lanes(1))).cycles).toBe(107);
    expect(g.cost(vector([vpath(100)], [])).cycles).toBe(0);
  });

  it('L2-resident operands stream at the L2 bandwidth when they fit: 400 bytes at 1 B/ns = 400 ns, resident at 4 B/ns = 100 ns', () => {
    const acc = { memBandwidthGBps: 1, l2BandwidthGBps: 4, l2Bytes: 1000 };
    const k = vector([copyPath(4)], [{ rows: 100, paths: [0], useful: 1 }]);
    expect(withAcc(acc).cost(k).timeNs).toBe(400);
    const warm = withAcc(acc).cost({ ...k, l2Resident: true });
    expect(warm.timeNs).toBe(100);
    expect(warm.dramBytes).toBe(0);
    // too large for the cache: from DRAM after all
    expect(withAcc({ ...acc, l2Bytes: 100 }).cost({ ...k, l2Resident: true }).timeNs).toBe(400);
  });

  it('sustained clock 500 MHz of 1000: a compute-bound kernel takes twice as long throttled, a memory-bound one does not', () => {
    const g = withAcc({ sustainedClockMhz: 500, memBandwidthGBps: 1 });
    const compute = g.cost(vector([vpath(100)], lanes(1)));
    expect([compute.timeNs, compute.throttledTimeNs]).toEqual([100, 200]);
    const memory = g.cost(vector([copyPath(4)], [{ rows: 100, paths: [0], useful: 1 }]));
    expect([memory.timeNs, memory.throttledTimeNs]).toEqual([400, 400]);
  });

  it('CTA overhead: one 128-cycle CTA + 10 = 138 cycles; split 4 ways on 4 SMs: 128 / 4 + 10 = 42 cycles', () => {
    const tpath: PathWork = { flopsPerRow: 2 * 128 * 32, k: 128, n: 32, weightBytes: 128 * 32 * 2, bytesPerRow: (128 + 32) * 2 };
    const gemm: KernelSpec = { name: 't', unit: 'tensor', dtype: 'fp16', paths: [tpath], runs: [{ rows: 32, paths: [0], useful: 1 }] };
    expect(withAcc({ ctaOverheadCycles: 10 }).cost(gemm).cycles).toBe(138);
    expect(withAcc({ ctaOverheadCycles: 10 }, 4).cost(gemm).cycles).toBe(42);
  });
});

describe('instruction cache of lane-mapped kernels (hand-derived)', () => {
  // ideal GPU, 1 SM, 4 schedulers; 64 warps of 100 FLOPs per lane = 100 cycles each = 6400
  const withIcache = (fetchLatencyCycles: number) => {
    const base = idealGpu() as { accelerator: object };
    const hw = HardwareSystem.parse({
      ...base,
      accelerator: { ...base.accelerator, icache: { l1Bytes: 1500, lineBytes: 100, fetchLatencyCycles, interleavePenalty: 0.5 } },
    });
    if (hw.accelerator.kind !== 'gpu-simt') throw new Error('gpu expected');
    return createGpuSimt(hw.accelerator);
  };
  /** 64 warps in blocks of 8; warp w runs path pathOf(w mod 8) on all its lanes. */
  const kernel = (pathOf: (warpInBlock: number) => number): KernelSpec => ({
    ...vector([vpath(100), vpath(100)], Array.from({ length: 64 }, (_, w) => ({ rows: 32, paths: [pathOf(w % 8)], useful: 1 }))),
    code: { pathBytes: 1000, blockThreads: 256 },
  });

  it('one stream, 1000 bytes of code in a 1500-byte cache: no effect', () => {
    expect(withIcache(200).cost(kernel(() => 0)).cycles).toBe(6400);
  });

  it('two streams per scheduler (warps 0-3 path 0, 4-7 path 1; 16 resident warps each): 1.5 x, code 2000 > 1500 bytes but the fetch bound 10 lines x 40 / (16 x 50) is below', () => {
    // expected distinct path sets among 16 warps of a slot: 2 x (1 - 0.5^16)
    expect(withIcache(40).cost(kernel((w) => (w < 4 ? 0 : 1))).cycles).toBeCloseTo(9600, 9);
  });

  it('overflowed L1: a pass of 16 warps through a body takes >= 10 lines x 200 cycles = 2.5 x its 16 x 50 issue cycles', () => {
    expect(withIcache(200).cost(kernel((w) => (w < 4 ? 0 : 1))).cycles).toBeCloseTo(16000, 9);
  });
});

describe('tile menu and chained activations (hand-derived)', () => {
  const withAcc = (acc: Record<string, unknown>) => {
    const base = idealGpu() as { accelerator: object };
    const hw = HardwareSystem.parse({ ...base, accelerator: { ...base.accelerator, ...acc } });
    if (hw.accelerator.kind !== 'gpu-simt') throw new Error('gpu expected');
    return createGpuSimt(hw.accelerator);
  };

  it('a 16-row GEMM runs on the 16 x 32 tile of the menu: 2 x 16 x 32 x 128 / 2048 = 64 cycles instead of the padded 128', () => {
    const p: PathWork = { flopsPerRow: 2 * 128 * 32, k: 128, n: 32, weightBytes: 0, bytesPerRow: 0 };
    const gemm: KernelSpec = { name: 't', unit: 'tensor', dtype: 'fp16', paths: [p], runs: [{ rows: 16, paths: [0], useful: 1 }] };
    expect(withAcc({}).cost(gemm).cycles).toBe(128);
    expect(withAcc({ gemmTileAlternatives: [{ m: 16, n: 32, k: 32 }] }).cost(gemm).cycles).toBe(64);
  });

  it('chained activations move through L2 when they fit; weights still stream: 400 B at 1 B/ns + 400 B at 4 B/ns = 500 ns', () => {
    const g = withAcc({ memBandwidthGBps: 1, l2BandwidthGBps: 4, l2Bytes: 1000 });
    const path: PathWork = { flopsPerRow: 0, k: 0, n: 0, weightBytes: 400, bytesPerRow: 4 };
    const k: KernelSpec = { ...vector([path], [{ rows: 100, paths: [0], useful: 1 }]) };
    expect(g.cost(k).timeNs).toBe(800);
    expect(g.cost({ ...k, chained: true }).timeNs).toBe(500);
    // activations larger than the cache go to DRAM
    expect(withAcc({ memBandwidthGBps: 1, l2BandwidthGBps: 4, l2Bytes: 300 }).cost({ ...k, chained: true }).timeNs).toBe(800);
  });
});

describe('batched / grouped GEMM entries (hand-derived on the ideal GPU: 32-row tiles, 32 ns each)', () => {
  const path: PathWork = { flopsPerRow: 2048, k: 32, n: 32, weightBytes: 2048, bytesPerRow: 128 };
  const runs: RowRun[] = [
    { rows: 20, paths: [0], useful: 1 },
    { rows: 40, paths: [1], useful: 1 },
    { rows: 4, paths: [3], useful: 1 },
  ];
  const spec = (entries?: number[]): KernelSpec => ({ name: 'g', unit: 'tensor', dtype: 'fp16', paths: [path, path, path, path], runs, ...(entries ? { entries } : {}) });

  it('each entry is tiled apart: 20 + 40 + 0 + 4 rows -> 1 + 2 + 0 + 1 = 4 CTAs, 128 ns on one SM', () => {
    const c = gpu().cost(spec([20, 40, 0, 4]));
    expect(c.timeNs).toBe(4 * 32);
    expect(c.units).toBe(4);
    expect(c.divergentUnits).toBe(0);
    expect(c.activeFlops).toBe(64 * 2048);
  });

  it('without entries the rows pack into 2 tiles that mix experts: each runs both paths', () => {
    const c = gpu().cost(spec());
    // tile 1: rows 0-31 = 20 of expert 0 + 12 of expert 1 (2 CTAs); tile 2: 28 of expert 1 + 4 of expert 3 (2 CTAs)
    expect(c.timeNs).toBe(4 * 32);
    expect(c.units).toBe(2);
    expect(c.divergentUnits).toBe(2);
  });

  it('rows past the listed entries form one more entry: [20, 0] over 64 rows -> 1 + 2 tiles', () => {
    const c = gpu().cost(spec([20, 0]));
    expect(c.units).toBe(3);
    expect(c.activeFlops).toBe(64 * 2048);
  });

  it('on 4 SMs the 4 entry tiles run at once (32 ns)', () => {
    expect(gpu({ sms: 4 }).cost(spec([20, 40, 0, 4])).timeNs).toBe(32);
  });
});

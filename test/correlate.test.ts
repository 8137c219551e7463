import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';
import { correlate, type CorrelateResult } from '../src/api/correlate.js';
import { readCaseFile } from '../src/calibration/cases.js';
import { simulateCase } from '../src/calibration/simulate-case.js';
import { expandTile, splitmixU01, tileSha256 } from '../src/calibration/lanes.js';
import { ape, mean, median, pearson, pearsonLog, rankGroup } from '../src/calibration/stats.js';
import { renderCorrelationHtml } from '../src/calibration/html.js';
import { MeasurementCase } from '../src/formats/measurement.js';
import { HardwareSystem } from '../src/formats/hardware.js';
import { loadHardware } from '../src/formats/load.js';
import { resolveHardware } from '../src/hardware/resolve.js';
import { createAccelerator } from '../src/hardware/registry.js';
import { convertH100, stringifyCases, FAMILY_FILES } from '../scripts/convert-h100.js';
import { idealGpu, tmpDir, writeInputs } from './helpers/fixtures.js';

const root = join(import.meta.dirname, '..');
const calib = join(root, 'calibration', 'h100');
const files = FAMILY_FILES.map((f) => join(calib, `${f}.json`));
const rawDir = join(root, '..', 'shared', 'calibration', 'h100');

/** A divergence case on `hw` (preset name or file). */
function divCase(id: string, tile: unknown, over: Record<string, unknown> = {}, hw = 'h100'): Record<string, unknown> {
  return {
    format: 'dynsim-case',
    version: 1,
    id,
    hardware: hw,
    mode: 'cuda',
    timing: 'single',
    workload: { kind: 'divergence', threads: 64, block: 32, paths: 32, flopsPerLane: 10, tile, ...over },
    measured: { median: 100, min: 90, max: 110, count: 3, unit: 'ns' },
  };
}

describe('kept-aside composite measurements (calibration/h100-composite)', () => {
  it('graph-mode skip-MLP forwards follow from the calibrated mechanisms: median APE <= 5%, the fastest strategy agrees in >= 17 of 18 groups', async () => {
    const r = await correlate({ files: [join(root, 'calibration', 'h100-composite', 'skip-mlp.json')] });
    expect(r.cases.length).toBe(51);
    const graph = r.cases.filter((c) => c.mode === 'graph');
    expect(graph.length).toBe(21);
    expect(median(graph.map((c) => c.ape))).toBeLessThanOrEqual(0.05);
    expect(r.overall.ranking.groups).toBe(18);
    expect(r.overall.ranking.agree).toBeGreaterThanOrEqual(17);
  }, 60_000);

  it('MoE forwards: the fastest strategy agrees in all 8 groups; graph mode within its known small-M GEMM gap (median |error| <= 20%)', async () => {
    const r = await correlate({ files: [join(root, 'calibration', 'h100-composite', 'moe.json')] });
    expect(r.cases.length).toBe(16);
    expect(r.overall.ranking.groups).toBe(8);
    expect(r.overall.ranking.agree).toBe(8);
    const graph = r.cases.filter((c) => c.mode === 'graph');
    expect(graph.length).toBe(8);
    expect(median(graph.map((c) => c.ape))).toBeLessThanOrEqual(0.2);
  }, 60_000);
});

describe('converted H100 cases (calibration/h100)', () => {
  let result: CorrelateResult;
  // 56 divergence kernels of ~1M lanes each: a few seconds, more on a loaded machine
  beforeAll(async () => {
    result = await correlate({ files });
  }, 180_000);

  it('validate and cover every family with the hand-counted numbers of records', () => {
    // hand count from the raw files:
    // divergence: E1, W = 64 and 256, each 12 a_k_paths (rr/rot x k = 1..32) + 16 b_gate
    //   (scattered p = 0, then scattered / compact_sorted / compact_grid at 5 values of p) = 56
    // launch: E0 3 back-to-back grids + idle sync + launch+device sync + launch+event sync +
    //   graph per node + graph replay+sync = 8; C0 idle synchronize, tiny op + synchronize, dispatch = 3
    // control: E2 13 variants + E2G 1; C0 .item(), op + .item(), bool64 .cpu(), bool1024 .cpu() = 18
    // gemm: C0 13 M x 2 d x (back-to-back, single) = 52; G0 3 shapes x 9 M = 27
    // copy: C0 13 M x 2 d x (gather, scatter) = 52; G0 9 M x (gather, scatter) + d2d copy = 19
    const want = { divergence: 56, launch: 11, control: 18, gemm: 79, copy: 71 };
    for (const f of FAMILY_FILES) {
      const cases = readCaseFile(join(calib, `${f}.json`));
      expect(cases.length, f).toBe(want[f]);
      expect(new Set(cases.map((c) => c.case.workload.kind))).toEqual(new Set([f]));
    }
    const prefix = (p: string) => result.cases.filter((c) => c.id.startsWith(p)).length;
    expect(prefix('e0-')).toBe(8);
    expect(prefix('e1-')).toBe(56);
    expect(prefix('e2-') + prefix('e2g-')).toBe(14);
    expect(prefix('c0-')).toBe(52 + 52 + 3 + 4);
    expect(prefix('g0-')).toBe(27 + 19);
    expect(result.cases.length).toBe(235);
    for (const f of FAMILY_FILES) expect(result.families[f]?.cases).toBe(want[f]);
    // groups: 6 k x 2 W (rr vs rot), 5 p x 2 W (scattered / sorted / grid; p = 0 has one case), E2
    expect(result.groups.length).toBe(12 + 10 + 1);
  });

  it.skipIf(!existsSync(rawDir))('are what the converter makes of the raw files today', () => {
    const { sets, skipped } = convertH100(rawDir);
    for (const f of FAMILY_FILES) expect(JSON.parse(readFileSync(join(calib, `${f}.json`), 'utf8'))).toEqual(JSON.parse(stringifyCases(sets[f])));
    expect(skipped.map((s) => s.source.replace(/.*results\./, ''))).toEqual(['nonzero_bool1024_us', 'bincount8_tolist_us']);
  });

  it('every divergence tile reproduces its digest and the recorded grid statistics', () => {
    const div = result.cases.filter((c) => c.family === 'divergence');
    expect(div.length).toBe(56);
    // the lanes are checked against `expect` while simulating; spot-check one scattered case
    const s = div.find((c) => c.id === 'e1-w64-scattered-p0.0625')!;
    expect(s.lanes).toMatchObject({ activeLanes: 69300, warps: 33792, warpsWithActive: 30360, sumDistinctPaths: 30360 });
  });

  it('k round-robin paths per warp simulate k x the 1-path kernel time (hand-derived)', () => {
    // H100 preset: 33,792 warps = 256 per SM; a warp on one path issues 1024 FFMA + reps x 3
    // loop-control + 36 path-entry instructions (W = 64: 16 reps -> 1108; W = 256: 4 reps ->
    // 1072); 4 warp instructions per SM cycle -> 256 x instr / 4 cycles per path, k paths
    // serialised; single timing: launch + kernel + kernel tail
    const hw = loadHardware('h100').spec;
    const acc = hw.accelerator;
    if (acc.kind !== 'gpu-simt') throw new Error('h100 is a GPU');
    expect([acc.loopControlInstr, acc.pathEntryInstr]).toEqual([3, 36]);
    for (const W of [64, 256])
      for (const k of [1, 2, 4, 8, 16, 32]) {
        const rr = result.cases.find((c) => c.id === `e1-w${W}-rr-k${k}`)!;
        const instr = 1024 + (W === 64 ? 16 : 4) * 3 + 36;
        // W = 256, k = 32: the 32 bodies (138000 bytes) overflow the 128 KiB L1 instruction
        // cache; a pass of 16 warps through one 4312.5-byte body (33.69 lines) takes at least
        // 33.69 x fetchLatencyCycles, i.e. 33.69 x 715 / (16 x 1072) = 1.4045 x its issue
        const icache = W === 256 && k === 32 ? (138000 / 32 / 128) * acc.icache!.fetchLatencyCycles / (16 * instr) : 1;
        expect(icache === 1 || Math.abs(icache - 1.4045) < 1e-4).toBe(true);
        const cycles = ((256 * instr) / 4) * k * icache;
        expect(rr.kernel!.cycles).toBeCloseTo(cycles + acc.kernelTailNs * 1.9789, 6);
        expect(rr.simulatedNs).toBeCloseTo(acc.kernelLaunchNs + cycles / 1.9789 + acc.kernelTailNs, 6);
        expect(rr.simulated).toBeCloseTo(rr.simulatedNs / 1000, 9);
        expect(rr.relErr).toBeCloseTo((rr.simulated - rr.measured.median) / rr.measured.median, 12);
        expect(rr.kernel!.divergentUnits).toBe(k === 1 ? 0 : 33792);
      }
  });

  it('pins the calibration: median APE <= 5%, every group ranks the fastest alike, divergence cases within 10% except the listed residuals (each held to its current error)', () => {
    expect(result.overall.medianApe).toBeLessThanOrEqual(0.05);
    expect(result.overall.ranking.agree).toBe(result.overall.ranking.groups);
    expect(result.overall.ranking.groups).toBe(23);
    // mechanisms the model lacks or only bounds (docs/correlation.md): rotated bodies beyond the
    // L1 instruction cache, empty warps behind few working ones, a one-wave grid; a change that makes any of them worse must update this list on purpose
    const residual: Record<string, number> = {
      'e1-w256-rot-k1': 0.74,
      'e1-w256-rot-k2': 0.45,
      'e1-w256-rot-k4': 0.49,
      'e1-w256-rot-k8': 0.34,
      'e1-w64-compact-sorted-p0.0625': 0.21,
      'e1-w256-compact-sorted-p0.0625': 0.20,
      'e1-w64-compact-grid-p0.2500': 0.11,
      'e1-w256-compact-grid-p0.2500': 0.11,
    };
    for (const c of result.cases.filter((x) => x.family === 'divergence')) expect(c.ape, c.id).toBeLessThanOrEqual(residual[c.id] ?? 0.1);
  });

  it('reports finite statistics for every family', () => {
    for (const s of [result.overall, ...Object.values(result.families)]) {
      expect(s.mape).toBeGreaterThanOrEqual(0);
      expect(s.medianApe).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(s.pearsonLog!)).toBe(true);
    }
    expect(result.cases[0]!.ape).toBeGreaterThanOrEqual(result.cases[result.cases.length - 1]!.ape);
  });
});

describe('divergence cases on an idealised GPU', () => {
  // 1 SM at 1 GHz, 32 FLOP/cycle: a warp on one path of 10 FLOPs per lane = 10 cycles = 10 ns
  const hw = resolveHardware(HardwareSystem.parse(idealGpu()));
  const ctx = { hw, accel: createAccelerator(hw.spec.accelerator), baseDir: '.' };
  const sim = (c: Record<string, unknown>) => simulateCase(MeasurementCase.parse(c), ctx);

  it('k round-robin paths: 2 warps x 10 k cycles, and the case plumbing carries it', async () => {
    const base = (await sim(divCase('k1', { pattern: 'round-robin', k: 1, length: 32 }))).simulatedNs;
    expect(base).toBe(20);
    for (const k of [2, 4, 8, 16, 32]) {
      const r = await sim(divCase(`k${k}`, { pattern: 'round-robin', k, length: 32 }));
      expect(r.simulatedNs).toBe(k * base);
      expect(r.simulated).toBe(k * base); // unit ns
      expect(r.lanes).toMatchObject({ activeLanes: 64, warps: 2, sumDistinctPaths: 2 * k, maxDistinctPaths: k });
      const rot = await sim(divCase(`rot${k}`, { pattern: 'rotate', k, paths: 32, length: 64 }));
      expect(rot.simulatedNs).toBe(k * base);
      expect(rot.gaps.map((g) => g.key)).toContain('dispatch-tree');
    }
  });

  it('inactive lanes and partial blocks: empty warps cost nothing, a partial warp runs whole', async () => {
    expect((await sim(divCase('off', { pattern: 'uniform', path: -1 }))).simulatedNs).toBe(0);
    const half = await sim(divCase('half', { pattern: 'prefix', active: 32, length: 64 }));
    expect(half.simulatedNs).toBe(10);
    expect(half.gaps.map((g) => g.key)).toContain('empty-warps');
    // 40 threads in blocks of 20: each block one partial warp of 20 lanes (padded to 32)
    const odd = await sim(divCase('odd', [0], { threads: 40, block: 20 }));
    expect(odd.lanes).toMatchObject({ launchedWarps: 2, warps: 2, activeLanes: 40 });
    expect(odd.simulatedNs).toBe(20);
  });

  it('a tile whose digest or recorded statistics do not match is refused with its location', async () => {
    await expect(sim(divCase('sha', [0, 1], { tileSha256: '0'.repeat(64) }))).rejects.toThrow(/workload\.tileSha256: expected the digest of the expanded tile, [0-9a-f]{64}, got 0{64}/);
    await expect(sim(divCase('st', [0, 1], { expect: { activeLanes: 63 } }))).rejects.toThrow(/workload\.expect\.activeLanes: expected the lanes to reproduce the recorded 63, they give 64/);
    await expect(sim(divCase('id', [0, 40]))).rejects.toThrow(/workload\.tile\[1\]: expected path ids < paths \(32\), got 40/);
    await expect(sim(divCase('fl', [0], { flopsPerLane: [1, 2] }))).rejects.toThrow(/workload\.flopsPerLane: expected 32 entries \(one per path\), got 2/);
  });
});

describe('tile generators', () => {
  it('splitmix64 u01 draws match the reference values', () => {
    // splitmix64(0) first outputs: 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4 (Steele et al. reference)
    const u = splitmixU01(0);
    expect(u()).toBe(Number(0xe220a8397b1dcdafn >> 11n) * 2 ** -53);
    expect(u()).toBe(Number(0x6e789e6aa1b965f4n >> 11n) * 2 ** -53);
  });

  it('round-robin, rotate, prefix, uniform, explicit', () => {
    expect([...expandTile({ pattern: 'round-robin', k: 3, length: 7 })]).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect([...expandTile({ pattern: 'rotate', k: 2, paths: 4, warp: 4, length: 12 })]).toEqual([0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1]);
    expect([...expandTile({ pattern: 'prefix', active: 2, path: 3, length: 4 })]).toEqual([3, 3, -1, -1]);
    expect([...expandTile({ pattern: 'uniform', path: 5, length: 2 })]).toEqual([5, 5]);
    expect([...expandTile([1, -1, 2])]).toEqual([1, -1, 2]);
    expect(tileSha256(Int32Array.from([0]))).toBe('df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119');
  });
});

describe('statistics', () => {
  it('APE, MAPE, median APE', () => {
    const apes = [110, 90, 150].map((s) => ape(s, 100));
    expect(apes.map((x) => +x.toFixed(12))).toEqual([0.1, 0.1, 0.5]);
    expect(mean(apes)).toBeCloseTo(0.7 / 3, 12);
    expect(median(apes)).toBeCloseTo(0.1, 12);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(mean([])).toBeNull();
  });

  it('Pearson on raw and log values', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    // dx = dy permuted: sxy = 2.25 - 0.25 - 0.25 + 2.25 = 4, sxx = syy = 5 -> 0.8
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    expect(pearson([1, 1], [1, 2])).toBeNull();
    expect(pearsonLog([1, 10, 100], [10, 100, 1000])).toBeCloseTo(1, 12);
    // log10: [0, 1, 2, 3] vs [0, 2, 1, 3] -> 0.8
    expect(pearsonLog([1, 10, 100, 1000], [1, 100, 10, 1000])).toBeCloseTo(0.8, 12);
  });

  it('ranking with ties from the measured spread', () => {
    const A = { id: 'A', measured: { median: 10, min: 9, max: 11 } };
    const B = { id: 'B', measured: { median: 10.5, min: 10.2, max: 12 } };
    const C = { id: 'C', measured: { median: 20, min: 19, max: 21 } };
    // B's median lies in A's spread: A and B tie; the simulator picks C -> disagree
    const r1 = rankGroup([
      { ...A, simulated: 5 },
      { ...B, simulated: 6 },
      { ...C, simulated: 4 },
    ]);
    expect(r1).toEqual({ measuredFastest: 'A', tied: ['A', 'B'], simulatedFastest: ['C'], agree: false, pairs: 2, concordant: 0 });
    // picking B (tied with the fastest) agrees; A-C and B-C ordered alike
    const r2 = rankGroup([
      { ...A, simulated: 7 },
      { ...B, simulated: 6 },
      { ...C, simulated: 8 },
    ]);
    expect(r2).toMatchObject({ simulatedFastest: ['B'], agree: true, pairs: 2, concordant: 2 });
    // a simulated tie between A and C: C is not tied with A when measured -> disagree; A-C not concordant
    const r3 = rankGroup([
      { ...A, simulated: 5 },
      { ...C, simulated: 5 },
    ]);
    expect(r3).toMatchObject({ tied: ['A'], simulatedFastest: ['A', 'C'], agree: false, pairs: 1, concordant: 0 });
    // spreads overlap but neither median lies in the other's spread: not a tie
    const D = { id: 'D', measured: { median: 10, min: 9, max: 10.4 } };
    const E = { id: 'E', measured: { median: 10.6, min: 10.3, max: 11 } };
    expect(rankGroup([{ ...D, simulated: 1 }, { ...E, simulated: 2 }])).toMatchObject({ tied: ['D'], agree: true, pairs: 1, concordant: 1 });
  });
});

describe('HTML page', () => {
  it('an inline SVG scatter with one point per case, the y = x line, and no network references', async () => {
    const r = await correlate({ files: [join(calib, 'launch.json'), join(calib, 'control.json')] });
    const html = renderCorrelationHtml(r);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<svg');
    expect(html.match(/<circle class="pt"/g)!.length).toBe(r.cases.length);
    expect(html).toContain('class="diag"');
    expect(html.match(/http/g)!.length).toBe(1);
    expect(html).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(html).not.toMatch(/<script|<link|src=/);
    for (const c of r.cases) expect(html).toContain(`<td class="l">${c.id}</td>`);
  });
});

describe('dynsim correlate CLI', () => {
  it('prints the table, --json and writes --html atomically', async () => {
    const dir = tmpDir();
    const out = join(dir, 'corr.html');
    const r = await runCli(['correlate', join(calib, 'launch.json'), '--html', out, '--limit', '3']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^correlation: 11 cases on h100/);
    expect(r.stdout).toContain('cases, worst first (3 of 11)');
    expect(readdirSync(dir)).toEqual(['corr.html']);
    expect(readFileSync(out, 'utf8').match(/<circle class="pt"/g)!.length).toBe(11);
    const j = await runCli(['correlate', ...files, '--family', 'gemm,copy', '--json']);
    expect(j.exitCode).toBe(0);
    const res = JSON.parse(j.stdout) as CorrelateResult;
    expect(res.cases.length).toBe(79 + 71);
    expect(Object.keys(res.families).sort()).toEqual(['copy', 'gemm']);
  });

  it('bad case files exit 2 with located messages', async () => {
    const dir = tmpDir();
    const good = JSON.parse(readFileSync(join(calib, 'launch.json'), 'utf8')) as { cases: Record<string, unknown>[] };
    const one = good.cases[0]!;
    const write = (name: string, v: unknown) => {
      const p = join(dir, name);
      writeFileSync(p, typeof v === 'string' ? v : JSON.stringify(v));
      return p;
    };
    const cases = (...cs: unknown[]) => ({ format: 'dynsim-cases', version: 1, cases: cs });
    const run = (p: string) => runCli(['correlate', p]);

    const missing = join(dir, 'missing.json');
    let r = await run(missing);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${missing}: no such file`);

    const bad = write('bad.json', '{"format": ');
    r = await run(bad);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${bad}: not valid JSON`);

    const fmt = write('fmt.json', { format: 'dynsim-network' });
    r = await run(fmt);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${fmt}: format: expected "dynsim-case" | "dynsim-cases", got "dynsim-network"`);

    const spread = write('spread.json', { ...one, measured: { median: 5, min: 6, max: 7, unit: 'us' } });
    r = await run(spread);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${spread}: measured.median: expected min <= median <= max, got 6 <= 5 <= 7`);

    const kind = write('kind.json', cases({ ...one, workload: { kind: 'fft' } }));
    r = await run(kind);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${kind}: cases[0].workload.kind: expected "divergence" | "launch" | "gemm" | "copy" | "control" | "network", got "fft"`);

    const rows = write('rows.json', cases({ ...one, workload: { kind: 'copy', op: 'gather', width: 8 } }));
    r = await run(rows);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${rows}: cases[0].workload.rows: expected an integer >= 1 (required for op "gather"), got nothing`);

    const dup = write('dup.json', cases(one, one));
    r = await run(dup);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${dup}: cases[1].id: expected a unique case id, got "${String(one.id)}" again (first in ${dup} at cases[0])`);

    const hw = write('hw.json', { ...one, hardware: 'h200' });
    r = await run(hw);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${hw}: hardware: cannot load hardware "h200":`);
    expect(r.stderr).toContain('unknown hardware preset "h200"');

    const tile = write('tile.json', cases(divCase('t', [0, 1], { tileSha256: 'a'.repeat(64) })));
    r = await run(tile);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${tile}: cases[0].workload.tileSha256: expected the digest of the expanded tile`);
    expect(r.stderr).not.toMatch(/\n\s+at /);

    const none = await runCli(['correlate']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/missing required argument 'cases'/);
  });

  it('a hardware file given relative to the case file, and a network case replayed by the engine', async () => {
    const p = writeInputs({
      'ideal.json': idealGpu(),
      'case.json': divCase('rel', { pattern: 'round-robin', k: 2, length: 32 }, {}, 'ideal.json'),
      'net.json': {
        format: 'dynsim-case',
        version: 1,
        id: 'net',
        hardware: 'h100',
        mode: 'eager',
        timing: 'single',
        workload: { kind: 'network', network: 'skipnet-resnet18', strategy: 'mask', batch: 8, synthetic: { samples: 16, seed: 3 } },
        measured: { median: 1, min: 1, max: 1, unit: 'us' },
      },
    });
    const r = await correlate({ files: [p['case.json']!, p['net.json']!] });
    const rel = r.cases.find((c) => c.id === 'rel')!;
    expect(rel.simulatedNs).toBe(40); // 2 warps x 2 paths x 10 cycles at 1 GHz, free launches
    expect(rel.hardware).toBe('ideal-gpu');
    const net = r.cases.find((c) => c.id === 'net')!;
    expect(net.family).toBe('network');
    expect(net.simulatedNs).toBeGreaterThan(0);
  });

  it('a network case whose trace, network, plan or spec file is missing names the case file, the field, the case and the file', async () => {
    const netCase = (id: string, workload: Record<string, unknown>) => ({
      format: 'dynsim-case',
      version: 1,
      id,
      hardware: 'h100',
      mode: 'eager',
      timing: 'single',
      workload: { kind: 'network', network: 'skipnet-resnet18', strategy: 'mask', batch: 8, ...workload },
      measured: { median: 1, min: 1, max: 1, unit: 'us' },
    });
    const synthetic = { samples: 8, seed: 3 };
    const p = writeInputs({
      'set.json': { format: 'dynsim-cases', version: 1, cases: [netCase('ok', { synthetic }), netCase('lost', { trace: 'traces/missing.jsonl' })] },
      'one.json': netCase('solo', { network: 'nets/none.json', synthetic }),
      'plan.json': { format: 'dynsim-cases', version: 1, cases: [netCase('planned', { plan: 'p.json', synthetic })] },
      'spec.json': { format: 'dynsim-cases', version: 1, cases: [netCase('spec', { synthetic: { ...synthetic, spec: 's.json' } })] },
      'preset.json': { format: 'dynsim-cases', version: 1, cases: [netCase('preset', { network: 'resnet', synthetic })] },
    });
    const dir = join(p['set.json']!, '..');
    const expectations: [string, string, string][] = [
      ['set.json', `cases[1].workload.trace: case "lost": cannot use trace "traces/missing.jsonl":`, `${join(dir, 'traces/missing.jsonl')}: cannot read: no such file`],
      ['one.json', `workload.network: case "solo": cannot use network "nets/none.json":`, `${join(dir, 'nets/none.json')}: no such file`],
      ['plan.json', `cases[0].workload.plan: case "planned": cannot use plan "p.json":`, `${join(dir, 'p.json')}: no such file`],
      ['spec.json', `cases[0].workload.synthetic.spec: case "spec": cannot use synthetic spec "s.json":`, `${join(dir, 's.json')}: `],
      ['preset.json', `cases[0].workload.network: case "preset": cannot use network "resnet":`, 'unknown network preset "resnet"'],
    ];
    for (const [file, head, detail] of expectations) {
      await expect(correlate({ files: [p[file]!] }), file).rejects.toMatchObject({ name: 'DynsimError', code: expect.stringMatching(/^E_(IO|REFERENCE)$/) });
      const r = await runCli(['correlate', p[file]!]);
      expect(r.exitCode, file).toBe(2);
      expect(r.stderr).toContain(`${p[file]!}: ${head}\n`);
      expect(r.stderr).toContain(detail);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a network case runs at the sustained clock once the warm-up and the samples before the median have kept the device busy past throttleAfterNs', async () => {
    // ideal GPU at 1000 MHz, 500 MHz after 100 ns busy; one forward = layers a and b, 32 ns
    // each at full clock (static). Busy before the median forward = (warmup + floor(count / 2)) x 64 ns
    const h = idealGpu() as { accelerator: Record<string, unknown> };
    h.accelerator.sustainedClockMhz = 500;
    h.accelerator.throttleAfterNs = 100;
    const lin = (name: string) => ({ kind: 'linear', name, rows: 1, inFeatures: 32, outFeatures: 32, bias: false });
    const net = { format: 'dynsim-network', version: 1, id: 'skip2', dtype: 'fp16', layers: [lin('a'), lin('b')], gates: [{ id: 'g', kind: 'skip', layers: ['b'] }] };
    const netCase = (id: string, extra: Record<string, number>) => ({
      format: 'dynsim-case',
      version: 1,
      id,
      hardware: 'ideal.json',
      mode: 'cuda',
      timing: 'back-to-back',
      workload: { kind: 'network', network: 'net.json', strategy: 'static', batch: 32, decisions: Array.from({ length: 32 }, () => ({ g: 0 })), quantity: 'total' },
      measured: { median: 1, min: 1, max: 1, unit: 'us', ...extra },
    });
    const p = writeInputs({
      'ideal.json': h,
      'net.json': net,
      'cold.json': netCase('cold', {}),
      // 1 forward before: a starts at busy 64, b at 96 (< 100): still full clock
      'edge.json': netCase('edge', { count: 2 }),
      // 3 forwards before (192 ns busy): both layers at half clock
      'hot.json': netCase('hot', { warmup: 1, count: 4 }),
    });
    const r = await correlate({ files: [p['cold.json']!, p['edge.json']!, p['hot.json']!] });
    const ns = (id: string) => r.cases.find((c) => c.id === id)!.simulatedNs;
    expect(ns('cold')).toBeCloseTo(64, 9);
    expect(ns('edge')).toBeCloseTo(64, 9);
    expect(ns('hot')).toBeCloseTo(128, 9);
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareStrategies } from '../src/api/compare.js';
import { runSimulation } from '../src/api/run.js';
import { runCli } from '../src/cli/main.js';
import { idealGpu, tmpDir, writeInputs } from './helpers/fixtures.js';

describe('dynsim compare and the planned strategy', () => {
  it('skip network on h100: every GPU strategy, a plan no slower than the best single one, reproducible by run --plan', async () => {
    const r = await compareStrategies({ network: 'skipnet-resnet18', hw: 'h100', synthetic: 64, seed: 4 });
    expect(r.strategies.map((s) => s.strategy)).toEqual(['static', 'mask', 'compact', 'host', 'per-sample', 'device-branch', 'planned']);
    const best = Math.min(...r.strategies.filter((s) => s.strategy !== 'planned').map((s) => s.totalTimeNs));
    expect(r.strategies.find((s) => s.strategy === r.bestSingle)!.totalTimeNs).toBe(best);
    expect(r.planned.summary.totalTimeNs).toBeLessThanOrEqual(best);
    expect(r.planned.gainOverBestSingle).toBeCloseTo(1 - r.planned.summary.totalTimeNs / best, 12);
    for (const [id, g] of Object.entries(r.gates)) {
      const min = Math.min(...Object.values(g.timeNsByStrategy));
      expect(g.timeNsByStrategy[g.cheapest], id).toBe(min);
    }
    const dir = tmpDir();
    const planFile = join(dir, 'plan.json');
    const c = await runCli(['compare', '--network', 'skipnet-resnet18', '--synthetic', '64', '--seed', '4', '--emit-plan', planFile]);
    expect(c.exitCode).toBe(0);
    expect(c.stdout).toMatch(/planned: .* than the best single strategy/);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { format: string; gates: Record<string, string> };
    expect(plan.format).toBe('dynsim-plan');
    expect(plan).toEqual(r.planned.plan);
    const rerun = await runSimulation({ network: 'skipnet-resnet18', synthetic: 64, seed: 4, planFile });
    expect(rerun.metrics.totalTimeNs).toBe(r.planned.summary.totalTimeNs);
  });

  it('MoE on h100: the emitted plan replays to the planned time with run --plan', async () => {
    const dir = tmpDir();
    const planFile = join(dir, 'moe-plan.json');
    const c = await runCli(['compare', '--network', 'switch-moe', '--synthetic', '32', '--seed', '5', '--emit-plan', planFile, '--json']);
    expect(c.exitCode).toBe(0);
    const r = JSON.parse(c.stdout) as { planned: { summary: { totalTimeNs: number } }; strategies: { strategy: string; totalTimeNs: number; droppedFlops: number }[] };
    const best = Math.min(...r.strategies.filter((s) => s.strategy !== 'planned' && s.droppedFlops === 0).map((s) => s.totalTimeNs));
    expect(r.planned.summary.totalTimeNs).toBeLessThanOrEqual(best);
    const rerun = await runCli(['run', '--network', 'switch-moe', '--synthetic', '32', '--seed', '5', '--plan', planFile, '--json']);
    expect(rerun.exitCode).toBe(0);
    expect((JSON.parse(rerun.stdout) as { metrics: { totalTimeNs: number } }).metrics.totalTimeNs).toBe(r.planned.summary.totalTimeNs);
  });

  it('a strategy that drops routed work (capacity over its C) is listed but never best or planned', async () => {
    const lin = (name: string) => ({ kind: 'linear', name, rows: 1, inFeatures: 32, outFeatures: 32, bias: false });
    const net = { format: 'dynsim-network', version: 1, id: 'moe', dtype: 'fp16', layers: [lin('a')], gates: [{ id: 'm', kind: 'moe', after: 'a', tokens: 1, experts: 4, topK: 1, capacityFactor: 2, expert: [lin('e')] }] };
    // 20 of 32 tokens to expert 0: capacity (C = 16) drops 4 and runs one batched GEMM, faster
    // than compact's four expert kernels on the ideal 4-SM GPU
    const header = { format: 'dynsim-trace', version: 1, network: 'moe', gates: [{ id: 'm', kind: 'moe', experts: 4, topK: 1, tokens: 1 }], seed: null, provenance: { test: true } };
    const lines = [header, ...Array.from({ length: 32 }, (_, i) => ({ i, d: { m: { e: [[i < 20 ? 0 : 1 + ((i - 20) % 3)]] } } }))];
    const f = writeInputs({ 'net.json': net, 'hw.json': idealGpu({ sms: 4 }), 't.jsonl': lines });
    const r = await compareStrategies({ network: f['net.json'], hw: f['hw.json'], trace: f['t.jsonl'], batch: 32, strategies: ['static', 'mask', 'compact', 'capacity'] });
    const cap = r.strategies.find((s) => s.strategy === 'capacity')!;
    expect(cap.droppedFlops).toBe(4 * 2048);
    const complete = r.strategies.filter((s) => s.strategy !== 'planned' && s.droppedFlops === 0);
    expect(cap.totalTimeNs).toBeLessThan(Math.min(...complete.map((s) => s.totalTimeNs)));
    expect(r.bestSingle).not.toBe('capacity');
    expect(r.gates.m!.cheapest).not.toBe('capacity');
    expect(Object.values(r.planned.plan.gates)).not.toContain('capacity');
    expect(r.planned.plan.default).not.toBe('capacity');
    // the ideal saving is the routed work's, whatever the strategy
    for (const s of r.strategies.filter((x) => x.strategy !== 'static' && x.strategy !== 'planned')) expect(s.idealSaving, s.strategy).toBeCloseTo(cap.idealSaving, 12);
  });

  it('MoE on a spatial array: multi-kernel is a candidate, device-branch is not', async () => {
    const r = await compareStrategies({ network: 'switch-moe', hw: 'tpu-128', synthetic: 16, seed: 3, noSearch: true });
    const names = r.strategies.map((s) => s.strategy);
    expect(names).toContain('multi-kernel');
    expect(names).not.toContain('device-branch');
    expect(r.planned.runs).toBe(names.length); // 6 single strategies + the per-gate plan, no search
  });

  it('--strategies restricts the candidates; an unknown one is a usage error', async () => {
    const r = await runCli(['compare', '--synthetic', '16', '--strategies', 'mask,compact', '--json', '--no-search']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout) as { strategies: { strategy: string }[] };
    expect(j.strategies.map((s) => s.strategy)).toEqual(['mask', 'compact', 'planned']);
    const bad = await runCli(['compare', '--strategies', 'mask,warp']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('got "warp"');
  });

  it('a listed strategy that does not apply to the hardware is a usage error naming --strategies, the strategy and why', async () => {
    const gpu = await runCli(['compare', '--synthetic', '20', '--strategies', 'multi-kernel']);
    expect(gpu.exitCode).toBe(2);
    expect(gpu.stderr).toContain('--strategies: strategy "multi-kernel" does not apply to a gpu-simt (it needs spatial-array); multi-kernel is for spatial arrays (hardware h100)');
    expect(gpu.stderr).not.toMatch(/internal error|\n\s+at /);
    // the reason is the one run gives
    const run = await runCli(['run', '--synthetic', '20', '--strategy', 'multi-kernel']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('accelerator.kind: strategy "multi-kernel" does not apply to a gpu-simt (it needs spatial-array); multi-kernel is for spatial arrays');
    const arr = await runCli(['compare', '--synthetic', '20', '--strategies', 'device-branch', '--hw', 'tpu-128']);
    expect(arr.exitCode).toBe(2);
    expect(arr.stderr).toContain('--strategies: strategy "device-branch" does not apply to a spatial-array (it needs gpu-simt); a static-dataflow array cannot branch per lane');
    // not dropped silently when listed with one that applies
    const mixed = await runCli(['compare', '--synthetic', '20', '--strategies', 'mask,multi-kernel', '--json']);
    expect(mixed.exitCode).toBe(2);
    expect(mixed.stdout).toBe('');
    expect(mixed.stderr).toContain('--strategies: strategy "multi-kernel" does not apply to a gpu-simt');
    await expect(compareStrategies({ synthetic: 8, strategies: [] })).rejects.toThrow('--strategies: expected at least one strategy, got none');
  });

  it('by default the strategies left out are listed in skipped, with the reason, and printed', async () => {
    const r = await compareStrategies({ network: 'skipnet-resnet18', hw: 'h100', synthetic: 8, seed: 1, noSearch: true });
    expect(r.skipped).toEqual([
      { strategy: 'multi-kernel', reason: 'does not apply to a gpu-simt (it needs spatial-array); multi-kernel is for spatial arrays' },
      { strategy: 'capacity', reason: 'no MoE gate in skipnet-resnet18: it would run as mask' },
      { strategy: 'grouped', reason: 'no MoE gate in skipnet-resnet18: it would run as compact' },
    ]);
    const listed = new Set(r.strategies.map((s) => s.strategy));
    for (const s of r.skipped) expect(listed.has(s.strategy)).toBe(false);
    const arr = await compareStrategies({ network: 'switch-moe', hw: 'tpu-128', synthetic: 8, seed: 1, noSearch: true });
    expect(arr.skipped.map((s) => s.strategy)).toEqual(['device-branch', 'grouped']);
    expect(arr.skipped[0]!.reason).toMatch(/^does not apply to a spatial-array \(it needs gpu-simt\)/);
    const c = await runCli(['compare', '--synthetic', '8', '--no-search']);
    expect(c.exitCode).toBe(0);
    expect(c.stdout).toContain('not compared: multi-kernel (does not apply to a gpu-simt (it needs spatial-array); multi-kernel is for spatial arrays)');
    expect(c.stdout).toContain('not compared: capacity (no MoE gate in skipnet-resnet18: it would run as mask)');
    // listed explicitly: nothing skipped
    const e = await compareStrategies({ synthetic: 8, strategies: ['mask', 'compact'], noSearch: true });
    expect(e.skipped).toEqual([]);
  });
});

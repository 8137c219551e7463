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
});

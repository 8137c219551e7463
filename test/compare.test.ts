import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareStrategies } from '../src/api/compare.js';
import { runSimulation } from '../src/api/run.js';
import { runCli } from '../src/cli/main.js';
import { tmpDir } from './helpers/fixtures.js';

describe('dynsim compare and the planned strategy', () => {
  it('skip network on h100: every GPU strategy, a plan no slower than the best single one, reproducible by run --plan', async () => {
    const r = await compareStrategies({ network: 'skipnet-resnet18', hw: 'h100', synthetic: 64, seed: 4 });
    expect(r.strategies.map((s) => s.strategy)).toEqual(['static', 'mask', 'compact', 'host', 'per-sample', 'device-branch', 'capacity', 'planned']);
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
    const r = JSON.parse(c.stdout) as { planned: { summary: { totalTimeNs: number } }; strategies: { strategy: string; totalTimeNs: number }[] };
    const best = Math.min(...r.strategies.filter((s) => s.strategy !== 'planned').map((s) => s.totalTimeNs));
    expect(r.planned.summary.totalTimeNs).toBeLessThanOrEqual(best);
    const rerun = await runCli(['run', '--network', 'switch-moe', '--synthetic', '32', '--seed', '5', '--plan', planFile, '--json']);
    expect(rerun.exitCode).toBe(0);
    expect((JSON.parse(rerun.stdout) as { metrics: { totalTimeNs: number } }).metrics.totalTimeNs).toBe(r.planned.summary.totalTimeNs);
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

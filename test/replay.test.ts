/**
 * Batch replay (Exec.replay, TapeEntry): a batch placed from a tape recorded on an earlier
 * batch of the same size must give what walking the program gives: the timelines, counts and
 * latencies to the last bit; the tallies to 1e-12 relative (a replayed kernel's additions are
 * made once per run, as products of its replay count, where a walk adds them batch by batch).
 */
import { describe, expect, it, vi } from 'vitest';
import { loadHardware, loadNetwork } from '../src/formats/load.js';
import { createAccelerator } from '../src/hardware/registry.js';
import { SyntheticTraceSource, resolveSyntheticSpec } from '../src/trace/synthetic.js';
import { simulateMany, type EngineConfig, type SimulationOutput } from '../src/engine/simulate.js';
import { strategyRegistry } from '../src/strategy/registry.js';
import type { BatchingOptions } from '../src/engine/batching.js';
import type { ExecutionMode } from '../src/engine/exec.js';
import type { StrategyKind } from '../src/strategy/types.js';

/** Everything a run reports, as plain data. */
function summary(o: SimulationOutput) {
  const m = o.machine;
  const tallies = (map: Map<string, object>) => [...map].map(([k, t]) => [k, { ...t }]);
  return {
    total: { ...m.total },
    byGate: tallies(m.byGate),
    byLayer: tallies(m.byLayer),
    clocks: [m.accelT, m.hostT, m.linkT, m.idleNs, m.accelBusyNs, m.hostBusyNs, m.linkBusyNs],
    latency: [o.latency.count, o.latency.sum, o.latency.min, o.latency.max, o.latency.percentile(50), o.latency.percentile(99)],
    counts: [o.samples, o.decisions, o.batches, o.queueingNsSum, o.deadlineMisses, o.totalTimeNs, o.forcedExits],
    exits: o.exitCounts,
    utilization: o.utilization.points(),
  };
}

async function both(network: string, hwName: string, strategy: StrategyKind, batching: BatchingOptions, mode: ExecutionMode, plan?: Record<string, StrategyKind>, samples = 203) {
  const net = loadNetwork(network);
  const hw = loadHardware(hwName);
  const accel = createAccelerator(hw.spec.accelerator);
  const source = new SyntheticTraceSource(net, resolveSyntheticSpec({}), 5, samples);
  const cfg = (replay: boolean, lean: boolean): EngineConfig => ({
    net,
    hw,
    accel,
    strategy: lean ? 'static' : strategy,
    plan: lean ? undefined : plan,
    batching,
    budgetNs: 1e6,
    lean,
    mode,
    replay,
  });
  const [a, base] = await simulateMany(source, [cfg(true, false), cfg(true, true)]);
  const [b, baseWalked] = await simulateMany(source, [cfg(false, false), cfg(false, true)]);
  expectSame(summary(a!), summary(b!));
  expectSame(summary(base!), summary(baseWalked!));
  return a!;
}

/** Tallies within 1e-12 relative (integers such as kernel counts exactly); the rest equal. */
function expectSame(got: ReturnType<typeof summary>, want: ReturnType<typeof summary>) {
  const { total, byGate, byLayer, ...rest } = got;
  const { total: wTotal, byGate: wGate, byLayer: wLayer, ...wRest } = want;
  expect(rest).toEqual(wRest);
  const close = (x: unknown, y: unknown, path: string): void => {
    if (typeof x === 'number' && typeof y === 'number') {
      if (Number.isInteger(y) && Math.abs(y) < 2 ** 53 && path.endsWith('.kernels')) expect(x, path).toBe(y);
      else expect(Math.abs(x - y), `${path}: ${x} vs ${y}`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(x), Math.abs(y)));
    } else if (x && typeof x === 'object' && y && typeof y === 'object') {
      expect(Object.keys(x).sort(), path).toEqual(Object.keys(y).sort());
      for (const k of Object.keys(y)) close((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${path}.${k}`);
    } else expect(x, path).toEqual(y);
  };
  close(total, wTotal, 'total');
  close(byGate, wGate, 'byGate');
  close(byLayer, wLayer, 'byLayer');
}

const offline: BatchingOptions = { mode: 'offline', batchSize: 32, timeoutNs: 1e6, seed: 1 };
const streaming: BatchingOptions = { mode: 'streaming', batchSize: 16, timeoutNs: 2e4, arrivalRateHz: 4e5, seed: 3 };

describe('batch replay equals walking the program', () => {
  for (const network of ['skipnet-resnet18', 'msdnet', 'switch-moe', 'channel-gated-resnet', 'dynamicvit', 'skip-rnn'])
    for (const strategy of ['mask', 'static'] as const)
      it(`${network}, ${strategy}`, async () => {
        // long enough for the h100 to reach its sustained (throttled) clock mid-run
        const long = await both(network, 'h100', strategy, offline, 'eager', undefined, 6000);
        const acc = loadHardware('h100').spec.accelerator;
        expect(long.machine.accelBusyNs).toBeGreaterThan(acc.kind === 'gpu-simt' ? (acc.throttleAfterNs ?? 0) : 0);
        await both(network, 'a100', strategy, streaming, 'graph'); // batches of many sizes
        await both(network, 'tpu-128', strategy, { ...offline, batchSize: 7 }, 'eager');
      });

  it('capacity (MoE padded to expert capacity, other gates masked)', async () => {
    await both('switch-moe', 'h100', 'capacity', offline, 'eager', undefined, 2000);
    await both('switch-moe', 'a100', 'capacity', streaming, 'graph');
    await both('skipnet-resnet18', 'h100', 'capacity', offline, 'cuda');
    await both('switch-moe', 'tpu-128', 'capacity', { ...offline, batchSize: 7 }, 'eager');
  });

  it('grouped (a walked strategy: the replay path must leave it alone)', async () => {
    await both('switch-moe', 'h100', 'grouped', offline, 'graph');
  });

  it('a plan mixing mask, static and non-replayable gates', async () => {
    await both('switch-moe', 'h100', 'mask', offline, 'cuda', { 'moe.enc1': 'static' });
    await both('skipnet-resnet18', 'h100', 'mask', offline, 'eager', { 'skip.layer2.0': 'host', 'skip.layer3.0': 'static' });
  });

  it('replays instead of walking the program once a batch size was seen', async () => {
    const spy = vi.spyOn(strategyRegistry.mask, 'gatedLayer');
    const net = loadNetwork('skipnet-resnet18');
    const hw = loadHardware('h100');
    const source = new SyntheticTraceSource(net, resolveSyntheticSpec({}), 1, 32 * 10 + 5);
    const cfg: EngineConfig = { net, hw, accel: createAccelerator(hw.spec.accelerator), strategy: 'mask', batching: offline };
    await simulateMany(source, [cfg]);
    // the gated layers are walked for the first full batch and the last partial one only
    const gated = net.gates.reduce((n, g) => n + g.layerIdx.length, 0);
    expect(spy).toHaveBeenCalledTimes(2 * gated);
    spy.mockRestore();
  });
});

describe('active rows of a mask', () => {
  it('equal the sum of the active row segments, for any row count', async () => {
    const { activeRows, maskSegments } = await import('../src/strategy/common.js');
    const { rowSplit } = await import('../src/engine/kernels.js');
    const seedrandom = (await import('seedrandom')).default;
    const rng = seedrandom('rows');
    for (const p of [1, 3, 10, 196])
      for (const rows of [1, 2, p - 1, p, p + 1, 2 * p, 197, 1182, 75648, 12345].filter((r) => r > 0)) {
        const split = rowSplit(p, rows);
        for (let n = 0; n < 20; n++) {
          const bits = Uint8Array.from({ length: p }, () => (rng() < 0.6 ? 1 : 0));
          const active = bits.reduce((a, b) => a + b, 0);
          let on = 0;
          for (const s of maskSegments(bits, rows, 0)) if (s.on) on += s.rows;
          expect(activeRows(bits, active, split)).toBe(on);
        }
      }
  });
});

describe('replayed shares stay physical', () => {
  it('a layer every sample skips under mask: no time share rounds below 0', async () => {
    const { runSimulation } = await import('../src/api/run.js');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpDir } = await import('./helpers/fixtures.js');
    const spec = join(tmpDir(), 'spec.json');
    writeFileSync(spec, JSON.stringify({ skip: { prob: 1 } }));
    for (const strategy of ['mask', 'capacity'] as const) {
      const r = await runSimulation({ synthetic: 3000, batch: 8, specFile: spec, strategy });
      for (const [name, l] of Object.entries(r.layers)) {
        for (const [part, ns] of Object.entries(l.timeNs)) expect(ns, `${strategy} ${name} ${part}`).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

/**
 * Masking's skip-gate share sums (aliveShare, one for-in pass for every skip gate) must equal
 * summing neededShare per sample, whatever the decisions' key order, missing or unknown keys.
 */
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { loadHardware, loadNetwork } from '../src/formats/load.js';
import { createAccelerator } from '../src/hardware/registry.js';
import { Exec, Machine, RowState, netShapes, type Slot } from '../src/engine/exec.js';
import { aliveShare, neededShare } from '../src/strategy/common.js';
import type { Decision } from '../src/formats/trace.js';

describe('skip-gate share sums', () => {
  it('equal per-sample neededShare sums for shuffled, partial and foreign decisions', () => {
    const net = loadNetwork('skipnet-resnet18');
    const hw = loadHardware('h100');
    const machine = new Machine(hw.spec, createAccelerator(hw.spec.accelerator), net, []);
    const rng = seedrandom('shares');
    const ids = net.gates.map((g) => g.gate.id);
    const shared = Array.from({ length: 5 }, () => Object.freeze(Object.fromEntries(ids.map((id) => [id, rng() < 0.5 ? 1 : 0]))) as Record<string, Decision>);
    for (let trial = 0; trial < 200; trial++) {
      const slots: Slot[] = [];
      for (let k = 0; k < 1 + Math.floor(rng() * 40); k++) {
        const keys = ids.filter(() => rng() < 0.85);
        if (rng() < 0.5) keys.sort(() => rng() - 0.5);
        if (rng() < 0.1) keys.splice(Math.floor(rng() * (keys.length + 1)), 0, 'not.a.gate');
        let d: Record<string, Decision> = {};
        for (const id of keys) d[id] = rng() < 0.5 ? 1 : 0;
        // shared frozen objects, as the trace reader gives (their skipped gates are cached)
        if (rng() < 0.5) d = shared[Math.floor(rng() * shared.length)]!;
        const states = [RowState.Alive, RowState.Alive, RowState.DeadComputed, RowState.Removed];
        slots.push({ index: k, arrivalNs: NaN, d, state: states[Math.floor(rng() * 4)]!, doneNs: NaN, exitIndex: -1 });
      }
      const x = new Exec(machine, net, netShapes(net), slots);
      for (const g of net.gates) {
        const layer = g.layerIdx[0]!;
        let want = 0;
        for (const s of slots) if (s.state === RowState.Alive) want += neededShare(x, g, layer, s, 0);
        expect(aliveShare(x, g, layer, 0)).toBe(want);
      }
    }
  });
});

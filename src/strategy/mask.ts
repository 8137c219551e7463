/**
 * `mask`: predication. The whole batch goes through every branch (every expert on every
 * token, every step, every position, full channels) and unneeded results are discarded:
 * the discarded FLOPs are masking waste. Exited samples stay in the batch, computed and
 * masked, and complete with the batch.
 */
import type { RowRun } from '../hardware/types.js';
import type { Strategy } from './types.js';
import { layerNeeds, leavingAt, RowState, runHead, stepsOf, tokenExperts } from './common.js';
import { IDLE, RUN_PATH, kernelOf, pushRun } from '../engine/kernels.js';

export const maskStrategy: Strategy = {
  kind: 'mask',
  gatedLayer(x, g, layerIdx, first) {
    const shape = x.sh.layers[layerIdx]!;
    const name = x.net.spec.layers[layerIdx]!.name;
    const temporal = g.gate.kind === 'temporal';
    if (first && !temporal) x.decider(g);
    for (let t = 0; t < stepsOf(g); t++) {
      if (first && temporal) x.decider(g);
      const runs: RowRun[] = [];
      for (const slot of x.slots) {
        if (slot.state === RowState.Removed) continue;
        if (slot.state !== RowState.Alive) {
          pushRun(runs, shape.rowsPerSample, slot.state === RowState.DeadIdle ? IDLE : RUN_PATH, 0);
          continue;
        }
        for (const need of layerNeeds(x, g, layerIdx, slot, t))
          pushRun(runs, need.rows, RUN_PATH, need.on ? (shape.cols > 0 ? need.cols / shape.cols : 1) : 0);
      }
      x.kernel(kernelOf(name, shape, runs), { category: 'compute', layer: name, gate: g.gate.id });
    }
  },
  moe(x, g) {
    const gate = g.gate;
    if (gate.kind !== 'moe') return;
    x.decider(g);
    const shapes = x.sh.experts.get(gate.id)!;
    for (let e = 0; e < gate.experts; e++)
      gate.expert.forEach((l, k) => {
        const shape = shapes[k]!;
        const r = shape.rowsPerSample;
        const runs: RowRun[] = [];
        for (const slot of x.slots) {
          if (slot.state === RowState.Removed) continue;
          if (slot.state !== RowState.Alive) {
            pushRun(runs, gate.tokens * r, slot.state === RowState.DeadIdle ? IDLE : RUN_PATH, 0);
            continue;
          }
          for (const experts of tokenExperts(g, slot)) pushRun(runs, r, RUN_PATH, experts.includes(e) ? 1 : 0);
        }
        x.kernel(kernelOf(l.name, shape, runs), { category: 'compute', layer: `${gate.id}/${l.name}`, gate: gate.id });
      });
  },
  exit(x, g, exitIndex) {
    runHead(x, g, exitIndex);
    x.exitSamples(leavingAt(x, g.gate.id, exitIndex), exitIndex, RowState.DeadComputed);
  },
};

/**
 * `device-branch` (GPU): one kernel per layer over the whole batch that branches per lane
 * or row tile. A unit (warp or tile) runs the union of its rows' paths serially with the
 * other rows idle, and skips entirely when none of its rows is needed: divergence instead of
 * masked FLOPs. Exited samples' rows go idle.
 */
import type { PathWork, RowRun } from '../hardware/types.js';
import type { Strategy } from './types.js';
import { forEachStep, layerNeeds, leavingAt, RowState, runHead, tokenExperts } from './common.js';
import { IDLE, RUN_PATH, kernelOf, narrowPath, pushRun } from '../engine/kernels.js';

export const deviceBranchStrategy: Strategy = {
  kind: 'device-branch',
  appliesTo: ['gpu-simt'],
  gatedLayer(x, g, layerIdx, first) {
    const shape = x.sh.layers[layerIdx]!;
    const name = x.net.spec.layers[layerIdx]!.name;
    forEachStep(g, first, () => x.decider(g), (t) => {
      // path 0 is the full width; narrower channel counts get their own (nested) paths
      const paths: PathWork[] = [shape.full];
      const pathOfCols = new Map<number, number>([[shape.cols, 0]]);
      const runs: RowRun[] = [];
      for (const slot of x.slots) {
        if (slot.state === RowState.Removed) continue;
        if (slot.state !== RowState.Alive) {
          pushRun(runs, shape.rowsPerSample, slot.state === RowState.DeadComputed ? RUN_PATH : IDLE, 0);
          continue;
        }
        for (const need of layerNeeds(x, g, layerIdx, slot, t)) {
          if (!need.on) {
            pushRun(runs, need.rows, IDLE, 1);
            continue;
          }
          let p = pathOfCols.get(need.cols);
          if (p === undefined) {
            p = paths.length;
            paths.push(narrowPath(shape, need.cols));
            pathOfCols.set(need.cols, p);
          }
          pushRun(runs, need.rows, p === 0 ? RUN_PATH : [p], 1);
        }
      }
      x.kernel(kernelOf(name, shape, runs, paths, true), x.m.tags.layer[layerIdx]!);
    });
  },
  moe(x, g) {
    const gate = g.gate;
    if (gate.kind !== 'moe') return;
    x.decider(g);
    const shapes = x.sh.experts.get(gate.id)!;
    gate.expert.forEach((l, k) => {
      const shape = shapes[k]!;
      const r = shape.rowsPerSample;
      // path e = expert e's copy of this layer (same shape, its own weights)
      const paths = Array.from({ length: gate.experts }, () => shape.full);
      const runs: RowRun[] = [];
      for (const slot of x.slots) {
        if (slot.state === RowState.Removed) continue;
        if (slot.state !== RowState.Alive) {
          pushRun(runs, gate.tokens * r, slot.state === RowState.DeadComputed ? RUN_PATH : IDLE, 0);
          continue;
        }
        for (const experts of tokenExperts(g, slot)) pushRun(runs, r, [...experts].sort((a, b) => a - b), 1);
      }
      x.kernel(kernelOf(l.name, shape, runs, paths), x.m.tags.expert[g.index]![k]!);
    });
  },
  exit(x, g, exitIndex) {
    runHead(x, g, exitIndex);
    x.exitSamples(leavingAt(x, g.gate.id, exitIndex), exitIndex, RowState.DeadIdle);
  },
};

/**
 * `per-sample`: each sample runs alone (batch size 1 when it is the run's strategy), taking
 * exactly its own path: no masking, no divergence, but one launch per layer per sample and
 * tiles (or array rows) filled by one sample's rows only. On a GPU the branch is a
 * device-side conditional; a static-dataflow array cannot branch, so there the host takes
 * each decision (one round trip per gate per sample) and shapes other than the static one
 * need their configuration.
 */
import type { Strategy } from './types.js';
import { RUN_PATH, copyKernel, kernelOf, narrowPath } from '../engine/kernels.js';
import { activationElements, decisionBytes, forEachStep, layerNeeds, leavingAt, RowState, runHead, tokenExperts } from './common.js';

export const perSampleStrategy: Strategy = {
  kind: 'per-sample',
  appliesTo: ['gpu-simt', 'spatial-array'],
  gatedLayer(x, g, layerIdx, first) {
    const shape = x.sh.layers[layerIdx]!;
    const name = x.net.spec.layers[layerIdx]!.name;
    const gid = g.gate.id;
    const act = activationElements(x, layerIdx);
    for (const i of x.alive()) {
      const slot = x.slots[i]!;
      const decide = () => {
        x.decider(g, i);
        if (x.m.spatial) x.hostRoundTrip(gid, decisionBytes(g, 1));
      };
      forEachStep(g, first, decide, (t) => {
        const needs = layerNeeds(x, g, layerIdx, slot, t);
        const rows = needs.reduce((s, n) => s + (n.on ? n.rows : 0), 0);
        if (rows === 0) return;
        const sparse = needs.length > 1; // a spatial mask: this sample's active positions are gathered
        const copyTag = x.m.tags.copy[g.index]!;
        if (sparse) x.kernel(copyKernel(`gather:${gid}`, (rows / shape.rowsPerSample) * act.input, shape.dtype), copyTag);
        const cols = needs[0]!.cols;
        if (rows !== shape.rowsPerSample || cols !== shape.cols)
          x.configure(x.m.tags.layer[layerIdx]!, `${rows}x${cols}`, narrowPath(shape, cols).weightBytes);
        x.kernelFixed(`R${layerIdx}:${cols}:${rows}`, () => kernelOf(name, shape, [{ rows, paths: RUN_PATH, useful: 1 }], [narrowPath(shape, cols)]), x.m.tags.layer[layerIdx]!);
        if (sparse) x.kernel(copyKernel(`scatter:${gid}`, (rows / shape.rowsPerSample) * act.output, shape.dtype), copyTag);
      });
    }
  },
  moe(x, g) {
    const gate = g.gate;
    if (gate.kind !== 'moe') return;
    const shapes = x.sh.experts.get(gate.id)!;
    for (const i of x.alive()) {
      x.decider(g, i);
      if (x.m.spatial) x.hostRoundTrip(gate.id, decisionBytes(g, 1));
      const perExpert = new Array<number>(gate.experts).fill(0);
      for (const experts of tokenExperts(g, x.slots[i]!)) for (const e of experts) perExpert[e]!++;
      for (let e = 0; e < gate.experts; e++) {
        if (perExpert[e] === 0) continue;
        gate.expert.forEach((l, k) => {
          const shape = shapes[k]!;
          const rows = perExpert[e]! * shape.rowsPerSample;
          x.kernelFixed(`RE${g.index}:${k}:${rows}`, () => kernelOf(l.name, shape, [{ rows, paths: RUN_PATH, useful: 1 }]), x.m.tags.expert[g.index]![k]!);
        });
      }
    }
  },
  exit(x, g, exitIndex) {
    const leaving = new Set(leavingAt(x, g.gate.id, exitIndex));
    for (const i of x.alive()) {
      runHead(x, g, exitIndex, i);
      if (x.m.spatial) x.hostRoundTrip(g.gate.id, decisionBytes(g, 1));
      if (leaving.has(i)) x.exitSamples([i], exitIndex, RowState.Removed, x.m.spatial); // an array's host took it
    }
  },
};

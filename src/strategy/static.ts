/** `static`: every gate open, the non-dynamic baseline. No deciders, no exits, every expert on every token. */
import type { Strategy } from './types.js';
import { stepsOf } from './common.js';
import { kernelOf } from '../engine/kernels.js';

export const staticStrategy: Strategy = {
  kind: 'static',
  appliesTo: ['gpu-simt', 'spatial-array'],
  gatedLayer(x, g, layerIdx) {
    for (let t = 0; t < stepsOf(g); t++) x.denseLayer(layerIdx);
  },
  moe(x, g) {
    const gate = g.gate;
    if (gate.kind !== 'moe') return;
    const shapes = x.sh.experts.get(gate.id)!;
    for (let e = 0; e < gate.experts; e++)
      gate.expert.forEach((l, k) => {
        const shape = shapes[k]!;
        x.kernelKeyed(() => kernelOf(l.name, shape, x.denseRuns(gate.tokens * shape.rowsPerSample)), x.m.tags.expert[g.index]![k]!);
      });
  },
  exit() {
    // the static network never leaves early and evaluates no exit head
  },
  replayable: () => true,
};

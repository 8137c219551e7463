/**
 * The replay program of a network: per backbone layer, the gate controlling it (if any, with
 * the position in the gate's region), then the MoE blocks and exit points that follow it.
 * Built once per run; the engine walks it per batch.
 */
import { DynsimError } from '../util/errors.js';
import type { ResolvedGate, ResolvedNetwork } from '../network/resolve.js';

export interface Step {
  layer: number;
  gate: ResolvedGate | undefined;
  first: boolean;
  last: boolean;
  moeAfter: ResolvedGate[];
  exitsAfter: { gate: ResolvedGate; exitIndex: number }[];
}

export function buildProgram(net: ResolvedNetwork): Step[] {
  const steps: Step[] = net.spec.layers.map((_, i) => ({
    layer: i,
    gate: undefined,
    first: false,
    last: false,
    moeAfter: [],
    exitsAfter: [],
  }));
  for (const g of net.gates) {
    const kind = g.gate.kind;
    if (kind === 'moe') steps[g.layerIdx[0]!]!.moeAfter.push(g);
    else if (kind === 'exit') g.layerIdx.forEach((li, e) => steps[li]!.exitsAfter.push({ gate: g, exitIndex: e }));
    else {
      const sorted = [...g.layerIdx].sort((a, b) => a - b);
      for (const li of sorted) {
        const s = steps[li]!;
        if (s.gate)
          throw new DynsimError('E_REFERENCE', {
            file: net.file,
            path: `gates[${g.index}].layers`,
            message: `layer "${net.spec.layers[li]!.name}" is controlled by gates "${s.gate.gate.id}" and "${g.gate.id}"; the engine replays one gate per layer`,
          });
        s.gate = g;
        s.first = li === sorted[0];
        s.last = li === sorted[sorted.length - 1];
      }
    }
  }
  return steps;
}

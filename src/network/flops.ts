/**
 * Useful FLOPs of one sample given its gate decisions: what an ideal machine that runs only
 * the chosen path would compute. Used for the ideal saving (1 - useful / static).
 */
import type { Decision, MaskDecision, MoeDecision } from '../formats/trace.js';
import type { ResolvedNetwork } from './resolve.js';

export interface SampleFlops {
  /** FLOPs of the layers, heads, experts and deciders this sample needs. */
  useful: number;
  /** FLOPs per gate id attributable to what the gate controls (after its decision). */
  byGate: Record<string, number>;
}

/**
 * Per-layer execution multiplier for one sample: 0 (skipped / past the exit), a fraction
 * (channel or spatial share), or a step count (temporal), then FLOPs = work x multiplier.
 * A gate with no decision recorded for the sample is open (full compute).
 */
export function sampleFlops(net: ResolvedNetwork, d: Readonly<Record<string, Decision>>): SampleFlops {
  const n = net.work.length;
  const mult = new Float64Array(n).fill(1);
  let extra = 0;
  const byGate: Record<string, number> = {};
  let lastLayer = n - 1;
  for (const g of net.gates) {
    const dec = d[g.gate.id];
    const gate = g.gate;
    switch (gate.kind) {
      case 'exit': {
        const e = typeof dec === 'number' ? dec : gate.exits.length;
        if (e < gate.exits.length) lastLayer = Math.min(lastLayer, g.layerIdx[e]!);
        let heads = 0;
        for (let k = 0; k <= Math.min(e, gate.exits.length - 1); k++) heads += g.headFlops[k]!;
        extra += heads;
        byGate[gate.id] = heads;
        break;
      }
      case 'skip':
        if (dec === 1) for (const li of g.layerIdx) mult[li] = 0;
        break;
      case 'channel':
        if (typeof dec === 'number') for (const li of g.layerIdx) mult[li]! *= dec / gate.channels;
        break;
      case 'spatial':
        if (dec !== undefined)
          for (const li of g.layerIdx) mult[li]! *= (dec as MaskDecision).active / gate.positions;
        break;
      case 'temporal': {
        const steps = dec !== undefined ? (dec as MaskDecision).active : gate.steps;
        for (const li of g.layerIdx) mult[li]! *= steps;
        break;
      }
      case 'moe':
        break;
    }
  }
  let useful = 0;
  for (let i = 0; i <= lastLayer; i++) useful += net.work[i]!.flops * mult[i]!;
  for (const g of net.gates) {
    const gate = g.gate;
    if (gate.kind === 'exit') continue;
    const first = g.layerIdx[0] ?? 0;
    if (first > lastLayer) continue; // the sample left before this gate
    const dec = d[gate.id];
    let controlled = 0;
    if (gate.kind === 'moe') {
      let assignments = 0;
      if (dec !== undefined) for (const t of (dec as MoeDecision).e) assignments += t.length;
      else assignments = gate.tokens * gate.topK;
      controlled = assignments * g.expertFlopsPerToken;
      extra += controlled;
    } else {
      for (const li of g.layerIdx) if (li <= lastLayer) controlled += net.work[li]!.flops * mult[li]!;
    }
    // a temporal gate decides at every step whether the next one runs
    const deciderRuns = gate.kind === 'temporal' ? gate.steps : 1;
    extra += g.deciderFlops * deciderRuns;
    byGate[gate.id] = controlled;
  }
  return { useful: useful + extra, byGate };
}

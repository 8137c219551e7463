/**
 * Network resolution: a schema-valid Network -> ResolvedNetwork, after the cross-field checks
 * the schema cannot express (names resolve, skip blocks are contiguous, exits are ordered,
 * channel counts match the gated layers). Also precomputes per-layer work, so consumers never
 * derive FLOPs twice. Every failure names the file and JSON path.
 */
import { DynsimError, type Problem } from '../util/errors.js';
import type { Gate, Layer, Network } from '../formats/network.js';
import type { TraceGate } from '../formats/trace.js';
import { layerWork, sumFlops, type LayerWork } from './work.js';

export interface ResolvedGate {
  readonly gate: Gate;
  /** Index of the gate in network.gates. */
  readonly index: number;
  /** Backbone layer indices the gate controls (skip/channel/spatial/temporal), or the single
   * layer it follows (moe), or each exit's layer (exit). */
  readonly layerIdx: readonly number[];
  /** FLOPs of the gate's own decision computation, per sample (per step for temporal). */
  readonly deciderFlops: number;
  /** moe: FLOPs of one expert for one token; exit: FLOPs of each head. */
  readonly expertFlopsPerToken: number;
  readonly headFlops: readonly number[];
}

export interface ResolvedNetwork {
  readonly spec: Network;
  readonly file: string | undefined;
  readonly layerIndex: ReadonlyMap<string, number>;
  readonly work: readonly LayerWork[];
  readonly gates: readonly ResolvedGate[];
  readonly gateById: ReadonlyMap<string, ResolvedGate>;
  /** FLOPs per sample of the static network: every gate open, no exit taken, every expert on
   * every token, every step run; deciders and exit heads excluded. */
  readonly staticFlops: number;
}

function checkUniqueNames(layers: readonly Layer[], base: string, problems: Problem[], file?: string) {
  const seen = new Map<string, number>();
  layers.forEach((l, i) => {
    const prev = seen.get(l.name);
    if (prev !== undefined)
      problems.push({
        file,
        path: `${base}[${i}].name`,
        message: `duplicate layer name "${l.name}" (also ${base}[${prev}])`,
      });
    else seen.set(l.name, i);
  });
}

export function resolveNetwork(net: Network, file?: string): ResolvedNetwork {
  const problems: Problem[] = [];
  checkUniqueNames(net.layers, 'layers', problems, file);
  const layerIndex = new Map<string, number>();
  net.layers.forEach((l, i) => {
    if (!layerIndex.has(l.name)) layerIndex.set(l.name, i);
  });
  const work = net.layers.map((l) => layerWork(l, net.dtype));

  const ref = (name: string, path: string): number => {
    const idx = layerIndex.get(name);
    if (idx === undefined) {
      problems.push({ file, path, message: `unknown layer "${name}" (not in layers)` });
      return -1;
    }
    return idx;
  };

  const gateIds = new Map<string, number>();
  const controlledBy = new Map<string, string>(); // `${kind}:${layer}` -> gate id
  let exitGates = 0;
  const gates: ResolvedGate[] = net.gates.map((gate, gi) => {
    const gp = `gates[${gi}]`;
    const prev = gateIds.get(gate.id);
    if (prev !== undefined)
      problems.push({ file, path: `${gp}.id`, message: `duplicate gate id "${gate.id}" (also gates[${prev}])` });
    gateIds.set(gate.id, gi);
    checkUniqueNames(gate.decider, `${gp}.decider`, problems, file);
    let layerIdx: number[] = [];
    let expertFlopsPerToken = 0;
    let headFlops: number[] = [];
    switch (gate.kind) {
      case 'skip':
      case 'channel':
      case 'spatial':
      case 'temporal': {
        layerIdx = gate.layers.map((n, k) => ref(n, `${gp}.layers[${k}]`));
        gate.layers.forEach((n, k) => {
          const key = `${gate.kind}:${n}`;
          const other = controlledBy.get(key);
          if (other !== undefined)
            problems.push({
              file,
              path: `${gp}.layers[${k}]`,
              message: `layer "${n}" is already controlled by ${gate.kind} gate "${other}"`,
            });
          controlledBy.set(key, gate.id);
        });
        if (gate.kind === 'skip' && !layerIdx.includes(-1)) {
          for (let k = 1; k < layerIdx.length; k++)
            if (layerIdx[k] !== layerIdx[k - 1]! + 1)
              problems.push({
                file,
                path: `${gp}.layers[${k}]`,
                message: `expected the layer right after "${gate.layers[k - 1]}" (a skip block is contiguous), got "${gate.layers[k]}"`,
              });
        }
        if (gate.kind === 'channel') {
          if (gate.channels % gate.granularity !== 0)
            problems.push({
              file,
              path: `${gp}.granularity`,
              message: `expected a divisor of channels (${gate.channels}), got ${gate.granularity}`,
            });
          layerIdx.forEach((li, k) => {
            if (li < 0) return;
            const l = net.layers[li]!;
            const out = l.kind === 'conv2d' ? l.k : l.kind === 'linear' ? l.outFeatures : undefined;
            if (out === undefined)
              problems.push({
                file,
                path: `${gp}.layers[${k}]`,
                message: `expected a conv2d or linear layer (channel gates gate output channels), got ${l.kind} "${l.name}"`,
              });
            else if (out !== gate.channels)
              problems.push({
                file,
                path: `${gp}.channels`,
                message: `expected ${out} (output channels of "${l.name}"), got ${gate.channels}`,
              });
          });
        }
        break;
      }
      case 'exit': {
        exitGates++;
        if (exitGates === 2)
          problems.push({ file, path: `${gp}`, message: 'expected at most one exit gate per network (list every exit point in one gate)' });
        layerIdx = gate.exits.map((e, k) => ref(e.after, `${gp}.exits[${k}].after`));
        for (let k = 1; k < layerIdx.length; k++)
          if (layerIdx[k]! >= 0 && layerIdx[k - 1]! >= 0 && layerIdx[k]! <= layerIdx[k - 1]!)
            problems.push({
              file,
              path: `${gp}.exits[${k}].after`,
              message: `expected an exit after a later layer than "${gate.exits[k - 1]!.after}" (exits are in network order), got "${gate.exits[k]!.after}"`,
            });
        gate.exits.forEach((e, k) => checkUniqueNames(e.head, `${gp}.exits[${k}].head`, problems, file));
        headFlops = gate.exits.map((e) => sumFlops(e.head, net.dtype));
        break;
      }
      case 'moe': {
        layerIdx = [ref(gate.after, `${gp}.after`)];
        if (gate.topK > gate.experts)
          problems.push({
            file,
            path: `${gp}.topK`,
            message: `expected at most experts (${gate.experts}), got ${gate.topK}`,
          });
        checkUniqueNames(gate.expert, `${gp}.expert`, problems, file);
        expertFlopsPerToken = sumFlops(gate.expert, net.dtype);
        break;
      }
    }
    return {
      gate,
      index: gi,
      layerIdx,
      deciderFlops: sumFlops(gate.decider, net.dtype),
      expertFlopsPerToken,
      headFlops,
    };
  });
  if (problems.length) throw new DynsimError('E_REFERENCE', problems);

  let staticFlops = 0;
  const stepsOf = new Array<number>(net.layers.length).fill(1);
  for (const g of gates) if (g.gate.kind === 'temporal') for (const li of g.layerIdx) stepsOf[li] = g.gate.steps;
  work.forEach((w, i) => {
    staticFlops += w.flops * stepsOf[i]!;
  });
  for (const g of gates)
    if (g.gate.kind === 'moe') staticFlops += g.gate.experts * g.gate.tokens * g.expertFlopsPerToken;

  return {
    spec: net,
    file,
    layerIndex,
    work,
    gates,
    gateById: new Map(gates.map((g) => [g.gate.id, g])),
    staticFlops,
  };
}

/** The header gate list that traces of this network carry. */
export function traceGatesOf(net: ResolvedNetwork): TraceGate[] {
  return net.gates.map(({ gate }): TraceGate => {
    switch (gate.kind) {
      case 'skip':
        return { id: gate.id, kind: 'skip' };
      case 'exit':
        return { id: gate.id, kind: 'exit', exits: gate.exits.length };
      case 'moe':
        return { id: gate.id, kind: 'moe', experts: gate.experts, topK: gate.topK, tokens: gate.tokens };
      case 'channel':
        return { id: gate.id, kind: 'channel', channels: gate.channels, granularity: gate.granularity };
      case 'spatial':
        return { id: gate.id, kind: 'spatial', positions: gate.positions };
      case 'temporal':
        return { id: gate.id, kind: 'temporal', steps: gate.steps };
    }
  });
}

/**
 * What a sample needs from a gated layer, derived from its decision: rows in row order, each
 * segment on or off, and for channel gates how many output columns. Strategies differ only in
 * how they turn these needs into kernels, so the decision semantics live here once.
 */
import { DTYPE_BYTES } from '../formats/dtypes.js';
import { maskBits, type MaskDecision, type MoeDecision } from '../formats/trace.js';
import type { ResolvedGate, ResolvedNetwork } from '../network/resolve.js';
import { RowState, type Exec, type Slot } from '../engine/exec.js';
import { kernelOf, type RowSplit } from '../engine/kernels.js';

export interface Need {
  rows: number;
  on: boolean;
  /** Output columns needed (channel gates); the layer's full width otherwise. */
  cols: number;
}

/** Active elements of a mask; without a recorded layout, spread evenly. */
export function maskOf(dec: MaskDecision | undefined, length: number): Uint8Array {
  if (dec === undefined) return new Uint8Array(length).fill(1);
  if (dec.rle || dec.bitmap !== undefined) return maskBits(dec, length);
  const bits = new Uint8Array(length);
  for (let e = 0; e < length; e++) bits[e] = Math.floor(((e + 1) * dec.active) / length) > Math.floor((e * dec.active) / length) ? 1 : 0;
  return bits;
}

/** A sample's decoded mask for one gate, with the row segments derived from it. */
interface MaskCache {
  bits: Uint8Array;
  /** Active elements (set bits). */
  active: number;
  /** By rows * 2^20 + width. */
  segs: Map<number, Need[]>;
}

/** Decodes a sample's mask once per batch (kept on the slot). */
function maskCache(slot: Slot, gateId: string, dec: unknown, length: number): MaskCache {
  slot.cache ??= new Map();
  let c = slot.cache.get(gateId) as MaskCache | undefined;
  if (!c) {
    const bits = maskOf(dec as MaskDecision | undefined, length);
    let active = 0;
    for (let e = 0; e < length; e++) active += bits[e]!;
    slot.cache.set(gateId, (c = { bits, active, segs: new Map() }));
  }
  return c;
}

/** Rows of a mask's active elements: the sum of maskSegments' active runs (integers, exact),
 * from the active count and the few listed elements. */
export function activeRows(bits: Uint8Array, active: number, split: RowSplit): number {
  let listed = 0;
  for (let k = 0; k < split.listed.length; k++) listed += bits[split.listed[k]!]!;
  return split.base * active + (split.complement ? active - listed : listed);
}

/** Row segments of `rows` rows following a mask of `bits.length` elements. */
export function maskSegments(bits: Uint8Array, rows: number, cols: number): Need[] {
  const out: Need[] = [];
  const p = bits.length;
  for (let e = 0; e < p; e++) {
    const n = Math.floor(((e + 1) * rows) / p) - Math.floor((e * rows) / p);
    const on = bits[e] === 1;
    const last = out[out.length - 1];
    if (last && last.on === on) last.rows += n;
    else if (n > 0) out.push({ rows: n, on, cols });
  }
  return out;
}

/**
 * Needs of one alive sample at a controlled layer (`step`: the time step of a temporal gate).
 * A gate without a recorded decision for the sample is open.
 */
export function layerNeeds(x: Exec, g: ResolvedGate, layerIdx: number, slot: Slot, step = 0): Need[] {
  const shape = x.sh.layers[layerIdx]!;
  const rows = shape.rowsPerSample;
  const full = shape.cols;
  const gate = g.gate;
  const dec = slot.d[gate.id];
  switch (gate.kind) {
    case 'skip':
      return [{ rows, on: dec !== 1, cols: full }];
    case 'channel':
      return [{ rows, on: true, cols: typeof dec === 'number' ? dec : full }];
    case 'spatial': {
      // a gate's region spans many layers: segments are built once per row count and width
      const c = maskCache(slot, gate.id, dec, gate.positions);
      const key = rows * 1_048_576 + full;
      let segs = c.segs.get(key);
      if (!segs) c.segs.set(key, (segs = maskSegments(c.bits, rows, full)));
      return segs;
    }
    case 'temporal': {
      const bits = maskCache(slot, gate.id, dec, gate.steps).bits;
      return [{ rows, on: bits[step] === 1, cols: full }];
    }
    default:
      return [{ rows, on: true, cols: full }];
  }
}

/**
 * Share of an alive sample's rows-times-columns of a controlled layer that it needs: the same
 * as summing layerNeeds, without building them (the masking hot path).
 */
export function neededShare(x: Exec, g: ResolvedGate, layerIdx: number, slot: Slot, step = 0): number {
  const gate = g.gate;
  const dec = slot.d[gate.id];
  switch (gate.kind) {
    case 'skip':
      return dec === 1 ? 0 : 1;
    case 'channel':
      return typeof dec === 'number' ? dec / gate.channels : 1;
    case 'temporal':
      return maskCache(slot, gate.id, dec, gate.steps).bits[step] === 1 ? 1 : 0;
    case 'spatial': {
      const rows = x.sh.layers[layerIdx]!.rowsPerSample;
      const c = maskCache(slot, gate.id, dec, gate.positions);
      return activeRows(c.bits, c.active, x.m.rowSplit(gate.positions, rows)) / rows;
    }
    default:
      return 1;
  }
}

/**
 * Runs `body` for each step of a controlled layer (one, or each time step of a temporal gate),
 * with the gate's decision taken (`decide`) at the region's first layer: once, or before every
 * step of a temporal gate.
 */
export function forEachStep(g: ResolvedGate, first: boolean, decide: () => void, body: (step: number) => void): void {
  const temporal = g.gate.kind === 'temporal';
  if (first && !temporal) decide();
  for (let t = 0; t < stepsOf(g); t++) {
    if (first && temporal) decide();
    body(t);
  }
}

/** Per network: gate ids in network order (interned, so equal ids compare as one pointer),
 * each gate's index by id, and which gates are skip gates. */
const gateKeys = new WeakMap<
  ResolvedNetwork,
  { ids: string[]; index: Map<string, number>; skip: boolean[]; skippedBy: WeakMap<object, readonly number[]> }
>();

/**
 * The summed needed share of every skip gate at once (into x.shareCache), in one pass over
 * the alive samples' decisions: each sample's share is 1 unless its decision is 1 (see
 * neededShare), so a gate's sum is the alive count minus the samples that skip it, an exact
 * integer whatever the order. for-in reads each value by its enumeration index, and a key in
 * network order is matched by position, where `d[gate.id]` per gate was a keyed look-up on
 * every sample (~10% of a skipnet replay).
 */
function skipShares(x: Exec): void {
  let k = gateKeys.get(x.net);
  if (!k) {
    const gates = x.net.gates;
    k = {
      ids: gates.map((g) => Object.keys({ [g.gate.id]: 0 })[0]!),
      index: new Map(gates.map((g) => [g.gate.id, g.index])),
      skip: gates.map((g) => g.gate.kind === 'skip'),
      skippedBy: new WeakMap(),
    };
    gateKeys.set(x.net, k);
  }
  const { ids, index, skip, skippedBy } = k;
  const skipped = new Array<number>(ids.length).fill(0);
  let alive = 0;
  for (const slot of x.slots) {
    if (slot.state !== RowState.Alive) continue;
    alive++;
    const d = slot.d;
    // a frozen decision object is shared by every record of its pattern (the trace reader's):
    // its skipped gates are found once
    const known = skippedBy.get(d);
    if (known !== undefined) {
      for (let q = 0; q < known.length; q++) skipped[known[q]!]!++;
      continue;
    }
    const frozen = Object.isFrozen(d);
    const list: number[] | undefined = frozen ? [] : undefined;
    let j = 0;
    for (const id in d) {
      if (d[id] === 1) {
        const gi = id === ids[j] ? j : (index.get(id) ?? -1);
        if (gi >= 0 && skip[gi]) {
          skipped[gi]!++;
          list?.push(gi);
        }
      }
      j++;
    }
    if (list) skippedBy.set(d, list);
  }
  for (let gi = 0; gi < ids.length; gi++) if (skip[gi]) x.shareCache.set(gi, alive - skipped[gi]!);
}

/**
 * Sum over the alive samples of their needed share of a controlled layer. A sample's share
 * depends on the gate alone (skip, channel), on the layer's row count (spatial) or on the step
 * (temporal), so the sum is made once per batch row states and that key.
 */
export function aliveShare(x: Exec, g: ResolvedGate, layerIdx: number, step: number): number {
  const kind = g.gate.kind;
  const key =
    kind === 'skip' || kind === 'channel'
      ? g.index
      : kind === 'spatial'
        ? x.sh.layers[layerIdx]!.rowsPerSample * 65536 + g.index
        : kind === 'temporal'
          ? step * 65536 + g.index
          : -1;
  if (key >= 0) {
    const cached = x.shareCache.get(key);
    if (cached !== undefined) return cached;
  }
  if (kind === 'skip') {
    skipShares(x);
    return x.shareCache.get(key)!;
  }
  let share = 0;
  for (const slot of x.slots) if (slot.state === RowState.Alive) share += neededShare(x, g, layerIdx, slot, step);
  if (key >= 0) x.shareCache.set(key, share);
  return share;
}

/** Steps a temporal gate runs its layers for (1 for other gates). */
export function stepsOf(g: ResolvedGate): number {
  return g.gate.kind === 'temporal' ? g.gate.steps : 1;
}

/** Per token, the experts it was routed to (open gate: the first topK experts). */
export function tokenExperts(g: ResolvedGate, slot: Slot): readonly (readonly number[])[] {
  const gate = g.gate;
  if (gate.kind !== 'moe') return [];
  const dec = slot.d[gate.id] as MoeDecision | undefined;
  if (dec) return dec.e;
  const all = Array.from({ length: gate.topK }, (_, k) => k);
  return Array.from({ length: gate.tokens }, () => all);
}

/** Bytes the host needs to take a gate's decision for `samples` samples. */
export function decisionBytes(g: ResolvedGate, samples: number): number {
  const gate = g.gate;
  switch (gate.kind) {
    case 'skip':
    case 'exit':
      return samples; // one byte per sample
    case 'channel':
      return 4 * samples;
    case 'spatial':
      return Math.ceil(gate.positions / 8) * samples;
    case 'temporal':
      return Math.ceil(gate.steps / 8) * samples;
    case 'moe':
      return 4 * gate.experts; // per-expert token counts size the launches
  }
}

/** Activation elements per sample entering and leaving a backbone layer. */
export function activationElements(x: Exec, layerIdx: number): { input: number; output: number } {
  const layer = x.net.spec.layers[layerIdx]!;
  const w = x.net.work[layerIdx]!;
  const b = DTYPE_BYTES[layer.dtype ?? x.net.spec.dtype];
  const inputs = layer.kind === 'elementwise' ? layer.operands : 1;
  return { input: w.inputBytes / b / inputs, output: w.outputBytes / b };
}

/**
 * Alive slot indices that leave at exit `exitIndex`: those whose decision says so and, in
 * anytime mode, those that would overrun their budget before the next exit point.
 */
export function leavingAt(x: Exec, gateId: string, exitIndex: number): number[] {
  const any = x.anytime;
  const seg = any?.segmentNs.get(gateId)?.[exitIndex];
  return x.alive().filter((i) => {
    const s = x.slots[i]!;
    if (s.d[gateId] === exitIndex) return true;
    if (any === undefined || seg === undefined) return false;
    const arrival = Number.isNaN(s.arrivalNs) ? (x.firstStartNs ?? x.m.accelT) : s.arrivalNs;
    if (x.m.accelT + seg <= arrival + any.budgetNs) return false;
    any.forced++;
    return true;
  });
}

export { RowState };

/** Evaluates exit head `exitIndex` over the present rows (or one sample alone). */
export function runHead(x: Exec, g: ResolvedGate, exitIndex: number, onlySlot?: number): void {
  const gate = g.gate;
  if (gate.kind !== 'exit') return;
  const shapes = x.sh.heads.get(gate.id)![exitIndex]!;
  gate.exits[exitIndex]!.head.forEach((l, k) => {
    const shape = shapes[k]!;
    const tag = x.m.tags.head[g.index]![exitIndex]![k]!;
    if (onlySlot === undefined) x.kernelKeyed(() => kernelOf(l.name, shape, x.denseRuns(shape.rowsPerSample)), tag);
    else x.kernelFixed(`1${tag.key}`, () => kernelOf(l.name, shape, [{ rows: shape.rowsPerSample, paths: [0], useful: 1 }]), tag);
  });
}

/** Tokens of the alive samples routed to each expert of an MoE gate (once per batch state). */
export function expertLoad(x: Exec, g: ResolvedGate): number[] {
  let load = x.expertLoads.get(g.index);
  if (load) return load;
  const gate = g.gate;
  load = new Array<number>(gate.kind === 'moe' ? gate.experts : 0).fill(0);
  for (const slot of x.slots) {
    if (slot.state !== RowState.Alive) continue;
    for (const experts of tokenExperts(g, slot)) for (const e of experts) load[e]!++;
  }
  x.expertLoads.set(g.index, load);
  return load;
}

/** Samples present in the batch tensor (alive or exited but kept). */
export function presentCount(x: Exec): number {
  let n = 0;
  for (const s of x.slots) if (s.state !== RowState.Removed) n++;
  return n;
}

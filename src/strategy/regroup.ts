/**
 * Regrouping, shared by `compact` (decided on the device), `host` (decided by the host after a
 * round trip) and `multi-kernel` (spatial arrays: sub-batches padded up to the nearest of a few
 * precompiled sizes): the rows that take each path are gathered into dense sub-batches, the
 * layer runs on those only, and results are scattered back. Gather/scatter kernels move the
 * activations (priced as memory traffic). Small sub-batches fill few tiles or array rows: the
 * cost models show the under-utilisation. With the decisions on the host, launches and copies
 * that turn out to be empty or unneeded are skipped; on the device they are always issued.
 *
 * On a spatial array an operator shape other than its static one needs a configuration
 * compiled for it (Adyna's premise: loop bounds and address generators are fixed ahead of
 * time). compact and host use the exact shape, which is rarely resident and so is loaded
 * (Exec.configure); multi-kernel rounds it up to one of its precompiled variants, trading
 * padding (masked work) for configurations that stay resident.
 */
import type { Exec, KernelTag } from '../engine/exec.js';
import type { Strategy, StrategyKind } from './types.js';
import type { ResolvedGate } from '../network/resolve.js';
import type { RowRun } from '../hardware/types.js';
import { RUN_PATH, copyKernel, kernelOf, narrowPath, pushRun, type LayerShape } from '../engine/kernels.js';
import { activationElements, aliveShare, decisionBytes, forEachStep, layerNeeds, leavingAt, RowState, runHead, tokenExperts } from './common.js';

export interface RegroupMode {
  /** The host takes each decision (round trip) and launches only what is needed. */
  host: boolean;
  /** multi-kernel: precompiled variants per dynamic operator, at 1, 1/2, 1/4, ... of its
   * static size; a sub-batch runs padded up to the smallest that fits. */
  variants?: number;
  /** GPUs: an MoE layer's experts run as one grouped GEMM launch (each expert's tokens an
   * entry of its own, tiled apart) instead of one GEMM per expert. */
  grouped?: boolean;
}

/**
 * The smallest of `variants` precompiled sizes that holds `n`: full, full/2, full/4, ...
 * (rounded up). Halving steps cover an 8x range of dynamic sizes with 4 variants, which suits
 * the skewed sizes of dynamic operators (an MoE expert sees about 1/E of the tokens) better
 * than even steps; the padding is at most half of the variant above the smallest.
 */
export function variantSize(n: number, full: number, variants: number): number {
  if (n <= 0 || full <= 0) return 0;
  let size = full;
  for (let j = 1; j < variants; j++) {
    const smaller = Math.ceil(full / 2 ** j);
    if (smaller < n) break;
    size = smaller;
  }
  return size;
}

/**
 * Emits one regrouped operator over `rows` needed rows of output width `cols`, with its
 * configuration on a spatial array: exact for compact/host, padded to a variant for
 * multi-kernel (the padding computes and is discarded).
 */
function runRegrouped(
  mode: RegroupMode,
  x: Exec,
  tag: KernelTag,
  variantPrefix: string,
  name: string,
  shape: LayerShape,
  rows: number,
  cols: number,
  staticRows: number,
): void {
  let runRows = rows;
  let runCols = cols;
  if (mode.variants !== undefined) {
    runRows = variantSize(rows, staticRows, mode.variants);
    runCols = shape.cols > 0 ? variantSize(cols, shape.cols, mode.variants) : cols;
  }
  const path = narrowPath(shape, runCols);
  if (runRows !== staticRows || runCols !== shape.cols)
    x.configure(tag, `${variantPrefix}${runRows}x${runCols}`, path.weightBytes);
  const usefulShare = runCols > 0 && shape.cols > 0 ? cols / runCols : 1;
  x.kernelFixed(`R${tag.key}:${rows}:${runRows}:${cols}:${runCols}`, () => {
    const runs: RowRun[] = [];
    pushRun(runs, rows, RUN_PATH, usefulShare);
    pushRun(runs, runRows - rows, RUN_PATH, 0);
    return kernelOf(name, shape, runs, [path]);
  }, tag);
}

function copy(x: Exec, g: ResolvedGate, what: 'gather' | 'scatter', elements: number, layerIdx?: number): void {
  const dtype = layerIdx === undefined ? x.net.spec.dtype : (x.net.spec.layers[layerIdx]!.dtype ?? x.net.spec.dtype);
  // priced once per gate, direction, size and dtype
  x.kernelFixed(`${what}:${g.index}:${elements}:${dtype}`, () => copyKernel(`${what}:${g.gate.id}`, elements, dtype, what), x.m.tags.copy[g.index]!, what);
}

/**
 * The rows the alive samples need at a controlled layer, per distinct output width (widest
 * first), and in all. A skip gate's count comes from the batch's skip shares (aliveShare: one
 * pass per batch for every skip gate, not one per layer); the other kinds sum layerNeeds.
 */
function neededByWidth(x: Exec, g: ResolvedGate, layerIdx: number, t: number): { groups: [number, number][]; neededRows: number; totalRows: number } {
  const shape = x.sh.layers[layerIdx]!;
  const alive = x.alive();
  if (g.gate.kind === 'skip') {
    // every alive sample needs all of its rows at full width, or none
    const neededRows = aliveShare(x, g, layerIdx, t) * shape.rowsPerSample;
    return { groups: neededRows > 0 ? [[shape.cols, neededRows]] : [], neededRows, totalRows: alive.length * shape.rowsPerSample };
  }
  const byCols = new Map<number, number>();
  let neededRows = 0;
  let totalRows = 0;
  for (const i of alive)
    for (const need of layerNeeds(x, g, layerIdx, x.slots[i]!, t)) {
      totalRows += need.rows;
      if (!need.on) continue;
      neededRows += need.rows;
      byCols.set(need.cols, (byCols.get(need.cols) ?? 0) + need.rows);
    }
  return { groups: [...byCols.entries()].sort((a, b) => b[0] - a[0]), neededRows, totalRows };
}

export function regroupGatedLayer(
  mode: RegroupMode,
  x: Exec,
  g: ResolvedGate,
  layerIdx: number,
  first: boolean,
  last: boolean,
): void {
  const shape = x.sh.layers[layerIdx]!;
  const name = x.net.spec.layers[layerIdx]!.name;
  const gid = g.gate.id;
  const temporal = g.gate.kind === 'temporal';
  const act = activationElements(x, layerIdx);
  const rpsIn = act.input / shape.rowsPerSample;
  const rpsOut = act.output / shape.rowsPerSample;
  const decide = () => {
    x.decider(g);
    if (mode.host) x.hostRoundTrip(gid, decisionBytes(g, x.alive().length));
  };
  forEachStep(g, first, decide, (t) => {
    const { groups, neededRows, totalRows } = neededByWidth(x, g, layerIdx, t);
    // a region regroups rows on entry and restores them on exit; a temporal step is its own region
    const entering = first || temporal;
    const leaving = last || temporal;
    const needsRegroup = !mode.host || (neededRows > 0 && (neededRows < totalRows || groups.length > 1));
    if (entering && needsRegroup) copy(x, g, 'gather', neededRows * rpsIn, layerIdx);
    const staticRows = x.present().length * shape.rowsPerSample;
    for (const [cols, rows] of groups)
      if (rows > 0) runRegrouped(mode, x, x.m.tags.layer[layerIdx]!, '', name, shape, rows, cols, staticRows);
    if (!mode.host && groups.length === 0)
      // the device launches the layer with a worst-case grid that finds no work
      x.kernel(kernelOf(name, shape, []), x.m.tags.layer[layerIdx]!);
    if (leaving && needsRegroup) copy(x, g, 'scatter', neededRows * rpsOut, layerIdx);
  });
}

export function regroupMoe(mode: RegroupMode, x: Exec, g: ResolvedGate): void {
  const gate = g.gate;
  if (gate.kind !== 'moe') return;
  x.decider(g);
  if (mode.host) x.hostRoundTrip(gate.id, decisionBytes(g, x.alive().length));
  const perExpert = new Array<number>(gate.experts).fill(0);
  let assignments = 0;
  for (const i of x.alive())
    for (const experts of tokenExperts(g, x.slots[i]!))
      for (const e of experts) {
        perExpert[e]!++;
        assignments++;
      }
  const shapes = x.sh.experts.get(gate.id)!;
  const first = shapes[0]!;
  const lastShape = shapes[shapes.length - 1]!;
  const staticTokens = x.present().length * gate.tokens;
  // tokens are permuted into expert order, and combined back (weighted) afterwards
  copy(x, g, 'gather', assignments * first.full.k);
  if (mode.grouped) {
    gate.expert.forEach((l, k) => {
      const shape = shapes[k]!;
      const r = shape.rowsPerSample;
      const tag = x.m.tags.expert[g.index]![k]!;
      if (shape.full.weightBytes === 0) {
        // a layer without weights (an activation): one element-wise kernel over every row
        x.kernel(kernelOf(l.name, shape, assignments > 0 ? [{ rows: assignments * r, paths: RUN_PATH, useful: 1 }] : []), tag);
        return;
      }
      const runs: RowRun[] = [];
      perExpert.forEach((tokens, e) => pushRun(runs, tokens * r, [e], 1));
      const spec = kernelOf(l.name, shape, runs, Array.from({ length: gate.experts }, () => shape.full));
      x.kernel({ ...spec, entries: perExpert.map((tokens) => tokens * r) }, tag);
    });
    copy(x, g, 'scatter', assignments * (lastShape.full.n || lastShape.rowsPerSample));
    return;
  }
  for (let e = 0; e < gate.experts; e++) {
    const tokens = perExpert[e]!;
    if (mode.host && tokens === 0) continue;
    gate.expert.forEach((l, k) => {
      const shape = shapes[k]!;
      const rows = tokens * shape.rowsPerSample;
      const tag = x.m.tags.expert[g.index]![k]!;
      if (rows > 0) runRegrouped(mode, x, tag, `e${e}:`, l.name, shape, rows, shape.cols, staticTokens * shape.rowsPerSample);
      else x.kernel(kernelOf(l.name, shape, []), tag); // an empty launch: the device found no tokens
    });
  }
  copy(x, g, 'scatter', assignments * (lastShape.full.n || lastShape.rowsPerSample));
}

export function regroupExit(mode: RegroupMode, x: Exec, g: ResolvedGate, exitIndex: number): void {
  const gate = g.gate;
  if (gate.kind !== 'exit') return;
  runHead(x, g, exitIndex);
  if (mode.host) x.hostRoundTrip(gate.id, decisionBytes(g, x.alive().length));
  const leaving = leavingAt(x, gate.id, exitIndex);
  x.exitSamples(leaving, exitIndex, RowState.Removed, mode.host);
  const remaining = x.present().length;
  if (!mode.host || (leaving.length > 0 && remaining > 0)) {
    const afterLayer = g.layerIdx[exitIndex]!;
    copy(x, g, 'gather', remaining * activationElements(x, afterLayer).output, afterLayer);
  }
}

/** A strategy that regroups at every gate in the given mode (compact, host, multi-kernel, grouped). */
export function regroupingStrategy(kind: StrategyKind, appliesTo: Strategy['appliesTo'], mode: RegroupMode): Strategy {
  return {
    kind,
    appliesTo,
    gatedLayer: (x, g, layerIdx, first, last) => regroupGatedLayer(mode, x, g, layerIdx, first, last),
    moe: (x, g) => regroupMoe(mode, x, g),
    exit: (x, g, exitIndex) => regroupExit(mode, x, g, exitIndex),
  };
}

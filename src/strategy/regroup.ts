/**
 * Regrouping, shared by `compact` (decided on the device) and `host` (decided by the host
 * after a round trip): the rows that take each path are gathered into dense sub-batches, the
 * layer runs on those only, and results are scattered back. Gather/scatter kernels move the
 * activations (priced as memory traffic). Small sub-batches fill few tiles: the cost model
 * shows the under-utilisation. With the decisions on the host, launches and copies that turn
 * out to be empty or unneeded are skipped; on the device they are always issued.
 */
import type { Exec } from '../engine/exec.js';
import type { ResolvedGate } from '../network/resolve.js';
import { RUN_PATH, copyKernel, kernelOf, narrowPath } from '../engine/kernels.js';
import { activationElements, decisionBytes, layerNeeds, leavingAt, RowState, runHead, stepsOf, tokenExperts } from './common.js';

export interface RegroupMode {
  /** The host takes each decision (round trip) and launches only what is needed. */
  host: boolean;
}

function copy(x: Exec, g: ResolvedGate, what: 'gather' | 'scatter', elements: number, layerIdx?: number): void {
  const dtype = layerIdx === undefined ? x.net.spec.dtype : (x.net.spec.layers[layerIdx]!.dtype ?? x.net.spec.dtype);
  x.kernel(copyKernel(`${what}:${g.gate.id}`, elements, dtype), x.m.tags.copy[g.index]!);
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
  if (first && !temporal) {
    x.decider(g);
    if (mode.host) x.hostRoundTrip(gid, decisionBytes(g, x.alive().length));
  }
  for (let t = 0; t < stepsOf(g); t++) {
    if (first && temporal) {
      x.decider(g);
      if (mode.host) x.hostRoundTrip(gid, decisionBytes(g, x.alive().length));
    }
    const alive = x.alive();
    // needed rows per distinct output width
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
    const groups = [...byCols.entries()].sort((a, b) => b[0] - a[0]);
    // a region regroups rows on entry and restores them on exit; a temporal step is its own region
    const entering = first || temporal;
    const leaving = last || temporal;
    const needsRegroup = !mode.host || (neededRows > 0 && (neededRows < totalRows || groups.length > 1));
    if (entering && needsRegroup) copy(x, g, 'gather', neededRows * rpsIn, layerIdx);
    for (const [cols, rows] of groups) {
      if (mode.host && rows === 0) continue;
      x.kernelFixed(`R${layerIdx}:${cols}:${rows}`, () => kernelOf(name, shape, rows > 0 ? [{ rows, paths: RUN_PATH, useful: 1 }] : [], [narrowPath(shape, cols)]), x.m.tags.layer[layerIdx]!);
    }
    if (!mode.host && groups.length === 0)
      // the device launches the layer with a worst-case grid that finds no work
      x.kernel(kernelOf(name, shape, []), x.m.tags.layer[layerIdx]!);
    if (leaving && needsRegroup) copy(x, g, 'scatter', neededRows * rpsOut, layerIdx);
  }
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
  // tokens are permuted into expert order, and combined back (weighted) afterwards
  copy(x, g, 'gather', assignments * first.full.k);
  for (let e = 0; e < gate.experts; e++) {
    const tokens = perExpert[e]!;
    if (mode.host && tokens === 0) continue;
    gate.expert.forEach((l, k) => {
      const shape = shapes[k]!;
      const rows = tokens * shape.rowsPerSample;
      x.kernelFixed(`RE${g.index}:${k}:${rows}`, () => kernelOf(l.name, shape, rows > 0 ? [{ rows, paths: RUN_PATH, useful: 1 }] : []), x.m.tags.expert[g.index]![k]!);
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
  x.exitSamples(leaving, exitIndex, RowState.Removed);
  const remaining = x.present().length;
  if (!mode.host || (leaving.length > 0 && remaining > 0)) {
    const afterLayer = g.layerIdx[exitIndex]!;
    copy(x, g, 'gather', remaining * activationElements(x, afterLayer).output, afterLayer);
  }
}

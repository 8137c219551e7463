/**
 * Simulates one measurement case on dynsim's models: the workload becomes KernelSpecs priced
 * by the hardware's accelerator model, plus the launch, graph-node, synchronisation and
 * host round-trip costs of the hardware file, combined the way the measurement was taken.
 *
 * Nothing here is tuned to the measurements: every number comes from the hardware file. Where
 * the model has no mechanism for something the measurement contains, the case is simulated
 * with what exists and the missing mechanism is listed in `gaps` (see docs/correlation.md).
 *
 * Per-unit issue cost by mode (the engine's rule, src/engine/exec.ts): `eager` = the host's
 * issue interval max(host.dispatchNs, kernelLaunchNs); `cuda` = kernelLaunchNs; `graph` =
 * graphNodeNs per node on the device. `back-to-back` overlaps host issue with device work
 * (steady state: the larger of the two per unit) for eager/cuda; graph nodes run in order on
 * the device, so node cost and kernel time add. `single` adds issue and kernel time.
 */
import { eagerIssueNs, type HostOp } from '../hardware/host.js';
import { dirname, isAbsolute, join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { HardwareSystem } from '../formats/hardware.js';
import { DTYPE_BYTES } from '../formats/network.js';
import { HOST_MECHANISMS, fromNs, type MeasurementCase } from '../formats/measurement.js';
import type { ResolvedHardware } from '../hardware/resolve.js';
import type { AcceleratorModel, KernelCost, KernelSpec } from '../hardware/types.js';
import { RUN_PATH } from '../engine/kernels.js';
import { loadNetwork } from '../formats/load.js';
import { traceGatesOf } from '../network/resolve.js';
import { runSimulation, type RunOptions } from '../api/run.js';
import { divergenceLanes, type LaneStats } from './lanes.js';

export interface SimContext {
  hw: ResolvedHardware;
  accel: AcceleratorModel;
  /** Directory of the case file (relative references resolve against it). */
  baseDir: string;
  /** The case file, for error locations. */
  file?: string;
  /** JSON path of the case in its file (e.g. `cases[3]`), for error locations. */
  path?: string;
}

export interface Gap {
  /** Stable key of the missing mechanism (for aggregation). */
  key: string;
  text: string;
}

const gap = (key: string, text: string): Gap => ({ key, text });

export interface Component {
  name: string;
  ns: number;
}

export interface KernelSummary {
  timeNs: number;
  cycles: number;
  units: number;
  divergentUnits: number;
  issuedSlotFlops: number;
  activeFlops: number;
  dramBytes: number;
}

export interface CaseSimulation {
  /** Simulated time in the case's unit. */
  simulated: number;
  simulatedNs: number;
  /** How the components combine into the simulated time. */
  formula: string;
  components: Component[];
  /** Mechanisms the measurement contains that the model lacks (or approximates). */
  gaps: Gap[];
  kernel?: KernelSummary;
  lanes?: LaneStats;
}

type Workload = MeasurementCase['workload'];
type Of<K extends Workload['kind']> = Extract<Workload, { kind: K }>;

/** Launch-related parameters of the hardware; null where the accelerator kind has none. */
interface LaunchParams {
  launchNs: number;
  syncNs: number | null;
  graphNodeNs: number | null;
  notifyNs: number;
  kernelTailNs: number;
  /** Eager issue cost of an op of this kind. */
  eagerIssueNs: (op: HostOp) => number;
  /** Whether the host lists a dispatch cost of its own for this op kind. */
  hasOpDispatch: (op: HostOp) => boolean;
}

function launchParams(spec: HardwareSystem, accel: AcceleratorModel): LaunchParams {
  const acc = spec.accelerator;
  const notifyNs = spec.host.notify === 'polling' ? spec.host.pollIntervalNs / 2 : spec.host.interruptLatencyNs;
  return {
    launchNs: accel.launchNs,
    syncNs: acc.kind === 'gpu-simt' ? acc.syncNs : null,
    graphNodeNs: acc.kind === 'gpu-simt' ? acc.graphNodeNs : null,
    notifyNs,
    kernelTailNs: accel.kernelTailNs,
    eagerIssueNs: (op) => eagerIssueNs(spec.host, accel.launchNs, op),
    hasOpDispatch: (op) => op !== 'other' && spec.host.dispatchNsByOp?.[op] !== undefined,
  };
}

const summary = (c: KernelCost): KernelSummary => ({
  timeNs: c.timeNs,
  cycles: c.cycles,
  units: c.units,
  divergentUnits: c.divergentUnits,
  issuedSlotFlops: c.issuedSlotFlops,
  activeFlops: c.activeFlops,
  dramBytes: c.dramBytes,
});

const us = (ns: number) => `${(ns / 1000).toPrecision(3)} us`;

/** One op (kernel) issued in the case's mode and timed in the case's way. */
function perOp(kernelNs: number, c: MeasurementCase, lp: LaunchParams, gaps: Gap[], hostOp: HostOp = 'other'): { ns: number; components: Component[]; formula: string } {
  const k: Component = { name: 'kernel', ns: kernelNs };
  if (c.mode === 'graph') {
    const node = lp.graphNodeNs ?? 0;
    if (lp.graphNodeNs === null) gaps.push(gap('graph-node', 'the accelerator has no graph-node cost (graph mode priced as free nodes)'));
    const comps: Component[] = [{ name: 'graph node', ns: node }, k];
    if (c.timing === 'single') {
      gaps.push(gap('graph-launch', 'no graph-launch cost in the hardware format: one graph launch priced as kernelLaunchNs'));
      return { ns: lp.launchNs + node + kernelNs, components: [{ name: 'graph launch', ns: lp.launchNs }, ...comps], formula: 'graph launch + graph node + kernel' };
    }
    return { ns: node + kernelNs, components: comps, formula: 'graph node + kernel (nodes run in order on the device)' };
  }
  const issue = c.mode === 'eager' ? lp.eagerIssueNs(hostOp) : lp.launchNs;
  const name = c.mode === 'eager' ? `eager issue max(dispatchNs${hostOp === 'other' ? '' : `ByOp.${hostOp}`}, kernelLaunchNs)` : 'kernel launch';
  const comps: Component[] = [{ name, ns: issue }, k];
  if (c.timing === 'single') {
    // a kernel issued alone pays its ramp / drain / completion (kernelTailNs); back to back it
    // hides behind the previous kernel
    const tail = kernelNs > 0 ? lp.kernelTailNs : 0;
    if (tail > 0) comps.push({ name: 'kernel tail (issued alone)', ns: tail });
    return { ns: issue + kernelNs + tail, components: comps, formula: tail > 0 ? 'issue + kernel + kernel tail' : 'issue + kernel' };
  }
  return { ns: Math.max(issue, kernelNs), components: comps, formula: 'max(issue, kernel) (host issue overlaps device work)' };
}

function divergence(w: Of<'divergence'>, c: MeasurementCase, ctx: SimContext, lp: LaunchParams): CaseSimulation {
  const lanes = divergenceLanes(w, c.id, ctx.file, ctx.path ? `${ctx.path}.workload` : 'workload');
  const cost = ctx.accel.cost(lanes.spec);
  const gaps: Gap[] = [];
  const s = lanes.stats;
  const empty = s.launchedWarps - s.warpsWithActive;
  if (empty > 0)
    gaps.push(gap('empty-warps', `empty warps: ${empty} of ${s.launchedWarps} launched warps have no active lane and cost nothing in the model (no block/warp launch-and-exit cost)`));
  else if (s.activeLanes < s.launchedLanes) gaps.push(gap('empty-warps', 'inactive lanes cost nothing beyond the warp slot they idle in'));
  if (s.maxDistinctPaths > 1)
    gaps.push(gap('dispatch-tree', `no dispatch-tree / reconvergence overhead: a warp with k distinct paths costs exactly k x one path (up to ${s.maxDistinctPaths} here)`));
  if (s.pathsUsed > 1)
    gaps.push(gap('icache',
      `no instruction-fetch model: ${s.pathsUsed} distinct path bodies live in the grid${w.code?.bytes !== undefined ? `, ~${w.code.bytes} bytes of code` : ''}, which warps on one SM run is not costed`,
    ));
  const acc = ctx.hw.spec.accelerator;
  if (acc.kind === 'gpu-simt' && s.warpsWithActive < acc.sms * acc.maxWarpsPerSm)
    gaps.push(gap('warp-issue',
      `${s.warpsWithActive} active warps < ${acc.sms} SMs x ${acc.maxWarpsPerSm} resident warps: a warp is costed at the SM's full vector rate (no per-warp issue limit or dependent-FMA latency)`,
    ));
  const op = perOp(cost.timeNs, c, lp, gaps);
  return { simulated: 0, simulatedNs: op.ns, formula: op.formula, components: op.components, gaps, kernel: summary(cost), lanes: s };
}

function gemm(w: Of<'gemm'>, c: MeasurementCase, ctx: SimContext, lp: LaunchParams): CaseSimulation {
  const b = DTYPE_BYTES[w.dtype];
  const spec: KernelSpec = {
    name: c.id,
    unit: 'tensor',
    dtype: w.dtype,
    paths: [{ flopsPerRow: 2 * w.k * w.n, k: w.k, n: w.n, weightBytes: w.k * w.n * b, bytesPerRow: (w.k + w.n) * b }],
    runs: [{ rows: w.m, paths: RUN_PATH, useful: 1 }],
  };
  const cost = ctx.accel.cost(spec);
  const gaps: Gap[] = [];
  const acc = ctx.hw.spec.accelerator;
  if (acc.kind === 'gpu-simt') {
    const ctas = Math.ceil(w.m / acc.gemmTile.m) * Math.ceil(w.n / acc.gemmTile.n);
    if (w.m < acc.gemmTile.m) gaps.push(gap('small-m', `M = ${w.m} < tile rows ${acc.gemmTile.m}: the padded tile is costed in full (no small-M GEMV kernels)`));
    const weights = w.k * w.n * b;
    const memNs = cost.dramBytes / acc.memBandwidthGBps;
    if (ctas >= acc.sms && (acc.tensorEfficiency ?? 1) === 1 && cost.timeNs > memNs * (1 + 1e-9)) {
      const peak = (acc.tensorFlopsPerCyclePerSm[w.dtype] * acc.sms * acc.clockMhz) / 1e6;
      gaps.push(
        gap('tensor-peak', `compute-bound at the dense tensor peak (${peak.toFixed(0)} TFLOP/s at ${acc.clockMhz} MHz): no sustained-clock drop under tensor load, no efficiency below peak`),
      );
    }
    if (w.cache !== 'cold' && weights <= acc.l2Bytes)
      gaps.push(gap('l2-residency', `weights (${(weights / 2 ** 20).toFixed(1)} MiB) fit in L2 and may stay resident across repeats: the model streams them from DRAM every op`));
  }
  const op = perOp(cost.timeNs, c, lp, gaps, 'matmul');
  if (c.mode === 'eager' && op.components[0]!.ns >= cost.timeNs && !lp.hasOpDispatch('matmul'))
    gaps.push(gap('eager-dispatch', 'eager per-op host cost is host.dispatchNs (measured on a tiny elementwise op) for every op; GEMM (cuBLAS) dispatch is not distinguished'));
  return { simulated: 0, simulatedNs: op.ns, formula: op.formula, components: op.components, gaps, kernel: summary(cost) };
}

function copy(w: Of<'copy'>, c: MeasurementCase, ctx: SimContext, lp: LaunchParams): CaseSimulation {
  const b = DTYPE_BYTES[w.dtype];
  const elements = w.op === 'device-copy' ? w.bytes! / b : w.rows! * w.width!;
  const indexBytes = w.op === 'device-copy' ? 0 : w.rows! * w.indexBytes;
  const spec: KernelSpec = {
    name: c.id,
    unit: 'vector',
    dtype: w.dtype,
    // read + write every element; the row indices are read once
    paths: [{ flopsPerRow: 0, k: 0, n: 0, weightBytes: indexBytes, bytesPerRow: 2 * b }],
    runs: elements > 0 ? [{ rows: elements, paths: RUN_PATH, useful: 1 }] : [],
  };
  const cost = ctx.accel.cost(spec);
  const gaps: Gap[] = [];
  if (w.op !== 'device-copy')
    gaps.push(gap('copy-access', `${w.op} rows are costed as streamed bytes at the DRAM bandwidth (no row-granularity access, DRAM latency or L2 effects)`));
  const hostOp: HostOp = w.op === 'gather' ? 'gather' : w.op === 'scatter' ? 'scatter' : 'other';
  const op = perOp(cost.timeNs, c, lp, gaps, hostOp);
  if (c.mode === 'eager' && op.components[0]!.ns >= cost.timeNs && !lp.hasOpDispatch(hostOp))
    gaps.push(gap('eager-dispatch', `eager per-op host cost is host.dispatchNs for every op; ${w.op === 'device-copy' ? 'copy_' : w.op === 'gather' ? 'index_select' : 'index_copy_'} dispatch is not distinguished`));
  return { simulated: 0, simulatedNs: op.ns, formula: op.formula, components: op.components, gaps, kernel: summary(cost) };
}

function launch(w: Of<'launch'>, c: MeasurementCase, lp: LaunchParams): CaseSimulation {
  const gaps: Gap[] = [];
  const node = lp.graphNodeNs ?? 0;
  if (w.sync === 'none') {
    if (c.mode === 'graph') {
      if (lp.graphNodeNs === null) gaps.push(gap('graph-node', 'the accelerator has no graph-node cost'));
      return { simulated: 0, simulatedNs: node, formula: 'graphNodeNs per node', components: [{ name: 'graph node', ns: node }], gaps };
    }
    const issue = c.mode === 'eager' ? lp.eagerIssueNs('other') : lp.launchNs;
    return {
      simulated: 0,
      simulatedNs: issue,
      formula: c.mode === 'eager' ? 'max(host.dispatchNs, kernelLaunchNs) per op' : 'kernelLaunchNs per launch',
      components: [{ name: c.mode === 'eager' ? 'eager issue' : 'kernel launch', ns: issue }],
      gaps,
    };
  }
  if (w.sync === 'event') gaps.push(gap('event-sync', 'event and device synchronisation are not distinguished'));
  if (w.kernels === 0) {
    if (c.mode === 'eager') gaps.push(gap('sync-call-overhead', 'framework overhead of the synchronise call itself is not modelled (only the notification wait)'));
    return { simulated: 0, simulatedNs: lp.notifyNs, formula: 'host notification wait (polling: half the interval)', components: [{ name: 'notify', ns: lp.notifyNs }], gaps };
  }
  const sync = lp.syncNs ?? lp.launchNs + lp.notifyNs;
  if (lp.syncNs === null) gaps.push(gap('launch-latency', 'the accelerator has no launch + sync latency; priced as launch + notify'));
  gaps.push(gap('engine-sync',
    `the replay engine does not use syncNs: it charges a launch followed by a host wait as issue + notify = ${us((c.mode === 'eager' ? lp.eagerIssueNs('other') : lp.launchNs) + lp.notifyNs)} (no launch-to-completion latency)`,
  ));
  if (c.mode === 'graph') {
    gaps.push(gap('graph-launch', 'no graph-launch cost in the hardware format: the graph launch + sync priced as syncNs'));
    return {
      simulated: 0,
      simulatedNs: sync + w.kernels * node,
      formula: 'syncNs + nodes x graphNodeNs',
      components: [{ name: 'launch + sync', ns: sync }, { name: `${w.kernels} graph nodes`, ns: w.kernels * node }],
      gaps,
    };
  }
  const issue = c.mode === 'eager' ? lp.eagerIssueNs('other') : lp.launchNs;
  // syncNs is one launch + sync; in eager mode the launch part is the eager issue instead
  const first = c.mode === 'eager' ? issue + (sync - lp.launchNs) : sync;
  return {
    simulated: 0,
    simulatedNs: first + (w.kernels - 1) * issue,
    formula: c.mode === 'eager' ? 'eager issue + (syncNs - kernelLaunchNs) + (kernels - 1) x issue' : 'syncNs + (kernels - 1) x kernelLaunchNs',
    components: [
      { name: c.mode === 'eager' ? 'eager issue + sync latency' : 'launch + sync (syncNs)', ns: first },
      { name: 'further launches', ns: (w.kernels - 1) * issue },
    ],
    gaps,
  };
}

function control(w: Of<'control'>, c: MeasurementCase, ctx: SimContext, lp: LaunchParams): CaseSimulation {
  const gaps: Gap[] = [];
  const spec = ctx.hw.spec;
  const issue = c.mode === 'eager' ? lp.eagerIssueNs('other') : lp.launchNs;
  const issueName = c.mode === 'eager' ? 'eager issue' : 'kernel launch';
  const node = lp.graphNodeNs ?? 0;
  const m = w.mechanism;
  if ((HOST_MECHANISMS as readonly string[]).includes(m)) {
    if (c.mode === 'graph') gaps.push(gap('mode', 'a host hop inside graph mode is priced with kernel launches'));
    const launches: Component = { name: `${w.kernelsPerIteration} x ${issueName}`, ns: w.kernelsPerIteration * issue };
    const notify: Component = { name: 'notify', ns: lp.notifyNs };
    const comps: Component[] = [launches, notify];
    if (m !== 'sync-only') {
      comps.push(
        { name: 'link latency + bytes', ns: spec.link.latencyNs + w.decisionBytes / spec.link.bandwidthGBps },
        { name: 'host decision', ns: spec.host.decisionLatencyNs },
      );
      gaps.push(gap('host-mechanisms', 'memcpy pageable / pinned / async + sync and mapped memory (sync or spin) are one mechanism in the model: notify + link latency + bytes / bandwidth + decision'));
      if (c.mode === 'cuda') gaps.push(gap('decision-latency', 'host.decisionLatencyNs (derived from PyTorch .item()) is charged even where the host decision is a C++ if/else'));
    }
    gaps.push(gap('launch-latency',
      `no launch-to-completion latency: after its last launch the host waits only the notification (syncNs = ${lp.syncNs === null ? 'n/a' : us(lp.syncNs)} measured for launch + sync is unused by the engine)`,
    ));
    if (c.mode === 'eager') gaps.push(gap('sync-call-overhead', 'framework overhead of the synchronising call (.item(), .cpu(), synchronize) beyond the modelled pieces is not modelled'));
    const ns = comps.reduce((a, x) => a + x.ns, 0);
    return { simulated: 0, simulatedNs: ns, formula: 'kernels x issue + notify [+ link latency + bytes / bandwidth + decision] per iteration (serialised by the host wait)', components: comps, gaps };
  }
  const k = w.kernelsPerIteration;
  switch (m) {
    case 'fused':
    case 'two-kernels-branch':
    case 'two-kernels': {
      if (m !== 'two-kernels') gaps.push(gap('device-branch', 'the branch itself (on the device) is free in the model; the kernels are empty'));
      return {
        simulated: 0,
        simulatedNs: k * issue,
        formula: c.timing === 'back-to-back' ? 'kernels x issue (empty kernels: issue-bound)' : 'kernels x issue',
        components: [{ name: `${k} x ${issueName}`, ns: k * issue }],
        gaps,
      };
    }
    case 'graph':
    case 'graph-if-else': {
      if (lp.graphNodeNs === null) gaps.push(gap('graph-node', 'the accelerator has no graph-node cost'));
      gaps.push(gap('graph-launch', 'no graph-launch cost in the hardware format: one graph launch per iteration priced as kernelLaunchNs'));
      if (m === 'graph-if-else') gaps.push(gap('conditional-node', 'no conditional-node (IF/ELSE) cost: the conditional node is free in the model'));
      const device = k * node;
      const ns = c.timing === 'back-to-back' ? Math.max(lp.launchNs, device) : lp.launchNs + device;
      return {
        simulated: 0,
        simulatedNs: ns,
        formula: c.timing === 'back-to-back' ? 'max(graph launch, nodes x graphNodeNs) per iteration' : 'graph launch + nodes x graphNodeNs',
        components: [
          { name: 'graph launch (kernelLaunchNs)', ns: lp.launchNs },
          { name: `${k} graph nodes`, ns: device },
        ],
        gaps,
      };
    }
    case 'graph-while': {
      if (lp.graphNodeNs === null) gaps.push(gap('graph-node', 'the accelerator has no graph-node cost'));
      gaps.push(gap('conditional-node', 'no conditional-node cost: the WHILE and IF/ELSE nodes and the device-side loop iteration are free in the model'));
      const device = k * node;
      const launchShare = lp.launchNs / w.iterations;
      return {
        simulated: 0,
        simulatedNs: device + launchShare,
        formula: 'nodes x graphNodeNs + one graph launch / iterations',
        components: [
          { name: `${k} graph nodes`, ns: device },
          { name: 'graph launch / iterations', ns: launchShare },
        ],
        gaps,
      };
    }
  }
  throw new Error(`unhandled mechanism ${m}`);
}

async function network(w: Of<'network'>, c: MeasurementCase, ctx: SimContext): Promise<CaseSimulation> {
  const rel = (p: string) => (isAbsolute(p) ? p : join(ctx.baseDir, p));
  const ref = (p: string) => (p.includes('/') || p.includes('\\') || p.endsWith('.json') ? rel(p) : p);
  const gaps: Gap[] = [];
  if (c.mode !== 'eager') gaps.push(gap('mode', `the replay engine issues eager launches only; ${c.mode} mode is not modelled`));
  const o: RunOptions = { network: ref(w.network), hw: ctx.hw.file ?? c.hardware, strategy: w.strategy, batch: w.batch };
  if (w.plan) o.planFile = rel(w.plan);
  let tmp: string | undefined;
  try {
    if (w.trace) o.trace = rel(w.trace);
    else if (w.synthetic) {
      o.synthetic = w.synthetic.samples;
      o.seed = w.synthetic.seed;
      if (w.synthetic.spec) o.specFile = rel(w.synthetic.spec);
    } else {
      const net = loadNetwork(o.network!);
      tmp = mkdtempSync(join(tmpdir(), 'dynsim-case-'));
      const header = {
        format: 'dynsim-trace',
        version: 1,
        network: net.spec.id,
        gates: traceGatesOf(net),
        seed: null,
        samples: w.decisions!.length,
        provenance: { from: `measurement case ${c.id}` },
      };
      const lines = [header, ...w.decisions!.map((d, i) => ({ i, d }))].map((x) => JSON.stringify(x));
      o.trace = join(tmp, 'decisions.jsonl');
      writeFileSync(o.trace, `${lines.join('\n')}\n`);
    }
    const r = await runSimulation(o);
    const mt = r.metrics;
    const samples = r.config.trace.samples;
    const ns =
      w.quantity === 'total'
        ? mt.totalTimeNs
        : w.quantity === 'per-sample'
          ? mt.totalTimeNs / Math.max(1, samples)
          : w.quantity === 'latency-p50'
            ? mt.latencyNs.p50
            : mt.latencyNs.p99;
    return {
      simulated: 0,
      simulatedNs: ns,
      formula: `replay of ${samples} samples under ${w.strategy} (${w.quantity})`,
      components: Object.entries(mt.timeNs as unknown as Record<string, number>)
        .filter(([, v]) => typeof v === 'number')
        .map(([name, v]) => ({ name, ns: v })),
      gaps,
    };
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

/** Simulates a case; the result is in the case's unit (and in ns). */
export async function simulateCase(c: MeasurementCase, ctx: SimContext): Promise<CaseSimulation> {
  const lp = launchParams(ctx.hw.spec, ctx.accel);
  const w = c.workload;
  let r: CaseSimulation;
  switch (w.kind) {
    case 'divergence':
      r = divergence(w, c, ctx, lp);
      break;
    case 'gemm':
      r = gemm(w, c, ctx, lp);
      break;
    case 'copy':
      r = copy(w, c, ctx, lp);
      break;
    case 'launch':
      r = launch(w, c, lp);
      break;
    case 'control':
      r = control(w, c, ctx, lp);
      break;
    case 'network':
      r = await network(w, c, ctx);
      break;
  }
  r.simulated = fromNs(r.simulatedNs, c.measured.unit);
  return r;
}

/** Directory against which a case file's relative references resolve. */
export function caseBaseDir(file: string): string {
  return dirname(file);
}

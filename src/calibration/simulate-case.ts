/**
 * Simulates one measurement case on dynsim's models: the workload becomes KernelSpecs priced
 * by the hardware's accelerator model, plus the launch, graph-node, synchronisation and
 * host round-trip costs of the hardware file, combined the way the measurement was taken.
 *
 * Nothing here is tuned to the measurements: every number comes from the hardware file. Where
 * the model has no mechanism for something the measurement contains, the case is simulated
 * with what exists and the missing mechanism is listed in `gaps` (see docs/correlation.md).
 *
 * Issue, submission and wait costs are the engine's own (issueTiming, src/hardware/host.ts).
 * `back-to-back` overlaps host issue with device work (steady state: the larger of the two per
 * unit) for eager/cuda; graph nodes run in order on the device, so node cost and kernel time
 * add. `single` (events around one host call) adds issue and kernel time.
 */
import { issueTiming, type HostOp, type IssueTiming } from '../hardware/host.js';
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
import { DynsimError } from '../util/errors.js';
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

/** The case's issue timing (the engine's rules, src/hardware/host.ts) plus what the
 * accelerator kind lacks. */
interface LaunchParams extends IssueTiming {
  gpu: boolean;
  launchNs: number;
  /** Whether the host lists a dispatch cost of its own for this op kind. */
  hasOpDispatch: (op: HostOp) => boolean;
  ifElseNs: number;
  whileIterationNs: number;
  /** Host cost of a framework call that launches no kernel of its own (eager: dispatchNs). */
  eagerCallNs: number;
  /** Device-to-device cudaMemcpy bandwidth (GB/s = bytes per ns). */
  copyEngineGBps: number;
}

function launchParams(spec: HardwareSystem, accel: AcceleratorModel, c: MeasurementCase): LaunchParams {
  const acc = spec.accelerator;
  const gpu = acc.kind === 'gpu-simt' ? acc : null;
  return {
    ...issueTiming(spec, accel, c.mode === 'graph' && !gpu ? 'cuda' : c.mode),
    gpu: gpu !== null,
    launchNs: accel.launchNs,
    hasOpDispatch: (op) => op !== 'other' && spec.host.dispatchNsByOp?.[op] !== undefined,
    ifElseNs: gpu?.graphIfElseNodeNs ?? 0,
    whileIterationNs: gpu?.graphWhileIterationNs ?? 0,
    eagerCallNs: spec.host.dispatchNs,
    copyEngineGBps: gpu ? (gpu.copyEngineGBps ?? gpu.memBandwidthGBps) : 0,
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
    if (!lp.gpu) gaps.push(gap('graph-node', 'the accelerator has no graph-node cost (graph mode priced as bare launches)'));
    const comps: Component[] = [{ name: 'graph node', ns: lp.nodeNs }, k];
    if (c.timing === 'single')
      return { ns: lp.graphLaunchNs + lp.nodeNs + kernelNs, components: [{ name: 'graph launch', ns: lp.graphLaunchNs }, ...comps], formula: 'graph launch + graph node + kernel' };
    return { ns: lp.nodeNs + kernelNs, components: comps, formula: 'graph node + kernel (nodes run in order on the device)' };
  }
  const issue = lp.issueNs[hostOp];
  const name = c.mode === 'eager' ? `eager issue max(dispatchNs${hostOp === 'other' ? '' : `ByOp.${hostOp}`}, kernelLaunchNs)` : 'kernel launch';
  const comps: Component[] = [{ name, ns: issue }, k];
  // timed with events around one host call: the submission latency cancels; in eager mode the
  // closing event record is itself a framework call issued after the op returns
  if (c.timing === 'single') {
    if (c.mode !== 'eager') return { ns: issue + kernelNs, components: comps, formula: 'issue + kernel' };
    const record = lp.eagerCallNs;
    comps.push({ name: 'closing event record (host.dispatchNs)', ns: record });
    return { ns: issue + Math.max(kernelNs, record), components: comps, formula: 'issue + max(kernel, closing event record)' };
  }
  return { ns: Math.max(issue, kernelNs), components: comps, formula: 'max(issue, kernel) (host issue overlaps device work)' };
}

/**
 * The host waits for a kernel it has just issued (the engine's rule): the kernel reaches the
 * device submitNs after the launch call, runs (plus its tail when non-empty), and the host,
 * inside its synchronising call (syncCallNs), is notified notifyNs after completion.
 */
function waitAfterIssue(lp: LaunchParams, kernelNs: number): { ns: number; components: Component[] } {
  const device = lp.submitNs + kernelNs;
  const wait = Math.max(device, lp.syncCallNs);
  return {
    ns: wait + lp.notifyNs,
    components: [
      { name: device >= lp.syncCallNs ? `submission (syncNs - kernelLaunchNs - notify)${kernelNs > 0 ? ' + kernel' : ''}` : 'sync call (host.syncCallNs)', ns: wait },
      { name: 'notify', ns: lp.notifyNs },
    ],
  };
}

const thermalGap = () =>
  gap('thermal-history', 'the device is taken to throttle after throttleAfterNs of busy time from the start of the case; heat left by earlier cases is not known');

/**
 * The kernel time at the sample the median reports: a measurement that kept the device busy
 * long enough before it (warm-up samples and the first half of the timed ones, each
 * opsPerSample units back to back) ran at the sustained, power-limited clock.
 */
function kernelAtMedian(cost: KernelCost, c: MeasurementCase, ctx: SimContext, gaps: Gap[]): number {
  const acc = ctx.hw.spec.accelerator;
  if (acc.kind !== 'gpu-simt' || acc.sustainedClockMhz === undefined || cost.throttledTimeNs === cost.timeNs) return cost.timeNs;
  const m = c.measured;
  // unrecorded: one unit per sample, no warm-up; without a sample count, unthrottled
  const before = ((m.warmup ?? 0) + Math.floor((m.count ?? 0) / 2)) * (m.opsPerSample ?? 1) * cost.timeNs;
  if (before < acc.throttleAfterNs) return cost.timeNs;
  gaps.push(thermalGap());
  return cost.throttledTimeNs;
}

function divergence(w: Of<'divergence'>, c: MeasurementCase, ctx: SimContext, lp: LaunchParams): CaseSimulation {
  const lanes = divergenceLanes(w, c.id, ctx.file, ctx.path ? `${ctx.path}.workload` : 'workload');
  const cost = ctx.accel.cost(lanes.spec);

  const gaps: Gap[] = [];
  const s = lanes.stats;
  const empty = s.launchedWarps - s.warpsWithActive;
  const acc = ctx.hw.spec.accelerator;
  const gpu = acc.kind === 'gpu-simt' ? acc : null;
  if (empty > 0)
    gaps.push(gap('empty-warps', `${empty} of ${s.launchedWarps} launched warps have no active lane: each costs emptyWarpCycles wherever it runs (measured: nearly free in a grid of only empty warps, dearer behind working ones)`));
  if (s.maxDistinctPaths > 1 && !(gpu && gpu.pathEntryInstr > 0))
    gaps.push(gap('dispatch-tree', `no dispatch-tree / reconvergence overhead: a warp with k distinct paths costs exactly k x one path (up to ${s.maxDistinctPaths} here)`));
  if (s.pathsUsed > 1 && !(gpu?.icache && w.code?.bytes !== undefined))
    gaps.push(gap('icache', `no instruction-fetch model for this case: ${s.pathsUsed} distinct path bodies${w.code?.bytes !== undefined ? `, ~${w.code.bytes} bytes of code` : ' (code size not stated)'}`));
  if (gpu && s.warpsWithActive < gpu.sms * gpu.maxWarpsPerSm)
    gaps.push(gap('warp-issue',
      `${s.warpsWithActive} active warps < ${gpu.sms} SMs x ${gpu.maxWarpsPerSm} resident warps: a warp is costed at the SM's full issue rate (no dependent-FMA latency limit)`,
    ));
  const op = perOp(kernelAtMedian(cost, c, ctx, gaps), c, lp, gaps);
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
    ...(w.cache === 'warm' ? { l2Resident: true } : {}),
  };
  const cost = ctx.accel.cost(spec);
  const gaps: Gap[] = [];
  const acc = ctx.hw.spec.accelerator;
  if (acc.kind === 'gpu-simt') {
    const ctas = Math.ceil(w.m / acc.gemmTile.m) * Math.ceil(w.n / acc.gemmTile.n);
    const minRows = Math.min(acc.gemmTile.m, ...(acc.gemmTileAlternatives ?? []).map((t) => t.m));
    if (w.m < minRows) gaps.push(gap('small-m', `M = ${w.m} < the smallest tile's ${minRows} rows: the padded tile is costed in full (no small-M GEMV kernels)`));
    const weights = w.k * w.n * b;
    const memNs = cost.dramBytes / acc.memBandwidthGBps;
    if (ctas >= acc.sms && (acc.tensorEfficiency ?? 1) === 1 && cost.timeNs > memNs * (1 + 1e-9)) {
      const peak = (acc.tensorFlopsPerCyclePerSm[w.dtype] * acc.sms * acc.clockMhz) / 1e6;
      gaps.push(
        gap('tensor-peak', `compute-bound at the dense tensor peak (${peak.toFixed(0)} TFLOP/s at ${acc.clockMhz} MHz): no sustained-clock drop under tensor load, no efficiency below peak`),
      );
    }
    if (w.cache === undefined && weights <= acc.l2Bytes)
      gaps.push(gap('l2-residency', `weights (${(weights / 2 ** 20).toFixed(1)} MiB) fit in L2 and may stay resident across repeats, but the case does not say (cache): streamed from DRAM every op`));
  }
  const kernelNs = kernelAtMedian(cost, c, ctx, gaps);
  const op = perOp(kernelNs, c, lp, gaps, 'matmul');
  if (c.mode === 'eager' && op.components[0]!.ns >= cost.timeNs && !lp.hasOpDispatch('matmul'))
    gaps.push(gap('eager-dispatch', 'eager per-op host cost is host.dispatchNs (measured on a tiny elementwise op) for every op; GEMM (cuBLAS) dispatch is not distinguished'));
  return { simulated: 0, simulatedNs: op.ns, formula: op.formula, components: op.components, gaps, kernel: summary(cost) };
}

function copy(w: Of<'copy'>, c: MeasurementCase, ctx: SimContext, lp: LaunchParams): CaseSimulation {
  const b = DTYPE_BYTES[w.dtype];
  const gaps: Gap[] = [];
  if (w.op === 'device-copy') {
    // cudaMemcpy device to device: the copy engines move the bytes (read + write counted)
    const bytes = 2 * w.bytes!;
    const ns = lp.copyEngineGBps > 0 ? bytes / lp.copyEngineGBps : 0;
    const op = perOp(ns, c, lp, gaps);
    return { simulated: 0, simulatedNs: op.ns, formula: `${op.formula}; copy = 2 x bytes / copyEngineGBps`, components: op.components, gaps };
  }
  const elements = w.rows! * w.width!;
  const spec: KernelSpec = {
    name: c.id,
    unit: 'vector',
    dtype: w.dtype,
    copyOp: w.op,
    // read + write every element; the row indices are read once
    paths: [{ flopsPerRow: 0, k: 0, n: 0, weightBytes: w.rows! * w.indexBytes, bytesPerRow: 2 * b }],
    runs: elements > 0 ? [{ rows: elements, paths: RUN_PATH, useful: 1 }] : [],
    ...(w.cache === 'warm' ? { l2Resident: true } : {}),
  };
  const cost = ctx.accel.cost(spec);
  if (w.cache === undefined) gaps.push(gap('l2-residency', 'the case does not say whether the buffers stay in L2 between repeats (cache): streamed from DRAM'));
  const hostOp: HostOp = w.op;
  const kernelNs = kernelAtMedian(cost, c, ctx, gaps);
  const op = perOp(kernelNs, c, lp, gaps, hostOp);
  if (c.mode === 'eager' && op.components[0]!.ns >= cost.timeNs && !lp.hasOpDispatch(hostOp))
    gaps.push(gap('eager-dispatch', `eager per-op host cost is host.dispatchNs for every op; ${w.op === 'gather' ? 'index_select' : 'index_copy_'} dispatch is not distinguished`));
  return { simulated: 0, simulatedNs: op.ns, formula: op.formula, components: op.components, gaps, kernel: summary(cost) };
}

function launch(w: Of<'launch'>, c: MeasurementCase, lp: LaunchParams): CaseSimulation {
  const gaps: Gap[] = [];
  if (!lp.gpu) gaps.push(gap('launch-latency', 'the accelerator has no launch + sync latency or graph nodes'));
  if (w.sync === 'none') {
    if (c.mode === 'graph') return { simulated: 0, simulatedNs: lp.nodeNs, formula: 'graphNodeNs per node', components: [{ name: 'graph node', ns: lp.nodeNs }], gaps };
    const issue = lp.issueNs.other;
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
    const ns = lp.syncCallNs + lp.notifyNs;
    return {
      simulated: 0,
      simulatedNs: ns,
      formula: 'sync call + notification wait (polling: half the interval)',
      components: [{ name: 'sync call (host.syncCallNs)', ns: lp.syncCallNs }, { name: 'notify', ns: lp.notifyNs }],
      gaps,
    };
  }
  if (c.mode === 'graph') {
    // one graph launch, its nodes run in order on the device, then the host is notified
    const nodes = w.kernels * lp.nodeNs;
    const device = lp.submitNs + nodes;
    const wait = Math.max(device, lp.syncCallNs);
    return {
      simulated: 0,
      simulatedNs: lp.graphLaunchNs + wait + lp.notifyNs,
      formula: 'graph launch + max(submission + nodes x graphNodeNs, sync call) + notify',
      components: [
        { name: 'graph launch', ns: lp.graphLaunchNs },
        { name: 'submission', ns: lp.submitNs },
        { name: `${w.kernels} graph nodes`, ns: nodes },
        { name: 'notify', ns: lp.notifyNs },
      ],
      gaps,
    };
  }
  // empty kernels: the host issues them all, then waits for the last
  const issue = lp.issueNs.other;
  const wait = waitAfterIssue(lp, 0);
  return {
    simulated: 0,
    simulatedNs: w.kernels * issue + wait.ns,
    formula: 'kernels x issue + max(submission, sync call) + notify',
    components: [{ name: `${w.kernels} x ${c.mode === 'eager' ? 'eager issue' : 'kernel launch'}`, ns: w.kernels * issue }, ...wait.components],
    gaps,
  };
}

function control(w: Of<'control'>, c: MeasurementCase, ctx: SimContext, lp: LaunchParams): CaseSimulation {
  const gaps: Gap[] = [];
  const spec = ctx.hw.spec;
  const m = w.mechanism;
  const k = w.kernelsPerIteration;
  if ((HOST_MECHANISMS as readonly string[]).includes(m)) {
    if (c.mode === 'graph') gaps.push(gap('mode', 'a host hop inside graph mode is priced with kernel launches'));
    // the engine's host round trip: issue the gate kernel, wait for it, read the decision
    // back, decide, then issue the rest of the iteration
    const issue = lp.issueNs.other;
    const comps: Component[] = [];
    if (k > 0) comps.push({ name: `gate kernel ${c.mode === 'eager' ? 'eager issue' : 'launch'}`, ns: issue });
    const wait = k > 0 ? waitAfterIssue(lp, 0) : { ns: lp.syncCallNs + lp.notifyNs, components: [{ name: 'sync call (host.syncCallNs)', ns: lp.syncCallNs }, { name: 'notify', ns: lp.notifyNs }] };
    comps.push(...wait.components);
    if (m !== 'sync-only') {
      // a copy pays the link's latency (eager: inside the framework's readback, decisionNs);
      // mapped memory was written over the link by the kernel itself
      const copy = m.startsWith('memcpy') && c.mode !== 'eager' ? spec.link.latencyNs : 0;
      comps.push({ name: copy > 0 ? 'link latency + bytes / bandwidth' : 'bytes / link bandwidth', ns: copy + w.decisionBytes / spec.link.bandwidthGBps });
      if (m === 'memcpy-pinned' || (m === 'memcpy-async-sync' && w.hostMemory === 'pinned'))
        gaps.push(gap('host-mechanisms', 'pageable and pinned copies are one mechanism in the model (link latency); pinned small copies measured slower'));
    }
    if (lp.decisionNs > 0 && m !== 'sync-only') comps.push({ name: 'framework readback (host.decisionLatencyNs)', ns: lp.decisionNs });
    if (k > 1) comps.push({ name: `${k - 1} more ${c.mode === 'eager' ? 'eager issue' : 'launch'}`, ns: (k - 1) * issue });
    if (c.mode === 'eager' && w.decisionBytes > 4) gaps.push(gap('sync-call-overhead', 'a tensor readback (.cpu()) costs more than .item(): only the readback of one value is modelled'));
    const ns = comps.reduce((a, x) => a + x.ns, 0);
    return { simulated: 0, simulatedNs: ns, formula: 'issue + wait (submission, sync call, notify) + readback + decision + further issues, per iteration', components: comps, gaps };
  }
  switch (m) {
    case 'fused':
    case 'two-kernels-branch':
    case 'two-kernels': {
      const issue = lp.issueNs.other;
      gaps.push(gap('launch-rate', 'the E2 chain launches at 3.6-4.1 us per kernel, faster than the E0 launch interval (kernelLaunchNs)'));
      return {
        simulated: 0,
        simulatedNs: k * issue,
        formula: 'kernels x issue (tiny kernels: issue-bound)',
        components: [{ name: `${k} x ${c.mode === 'eager' ? 'eager issue' : 'kernel launch'}`, ns: k * issue }],
        gaps,
      };
    }
    case 'graph':
    case 'graph-if-else': {
      if (!lp.gpu) gaps.push(gap('graph-node', 'the accelerator has no graph-node cost'));
      const cond = m === 'graph-if-else' ? lp.ifElseNs : 0;
      const device = k * lp.nodeNs + cond;
      const ns = c.timing === 'back-to-back' ? Math.max(lp.graphLaunchNs, device) : lp.graphLaunchNs + device;
      const comps: Component[] = [
        { name: 'graph launch (graphLaunchNs)', ns: lp.graphLaunchNs },
        { name: `${k} graph nodes`, ns: k * lp.nodeNs },
      ];
      if (cond > 0) comps.push({ name: 'IF/ELSE node (graphIfElseNodeNs)', ns: cond });
      return {
        simulated: 0,
        simulatedNs: ns,
        formula: c.timing === 'back-to-back' ? 'max(graph launch, device nodes) per iteration' : 'graph launch + device nodes',
        components: comps,
        gaps,
      };
    }
    case 'graph-while': {
      if (!lp.gpu) gaps.push(gap('graph-node', 'the accelerator has no graph-node cost'));
      // per iteration: the body's nodes, its IF/ELSE node and the WHILE node's relaunch
      const nodes = k * lp.nodeNs;
      const launchShare = lp.graphLaunchNs / w.iterations;
      return {
        simulated: 0,
        simulatedNs: nodes + lp.ifElseNs + lp.whileIterationNs + launchShare,
        formula: 'nodes x graphNodeNs + IF/ELSE node + WHILE iteration + one graph launch / iterations',
        components: [
          { name: `${k} graph nodes`, ns: nodes },
          { name: 'IF/ELSE node', ns: lp.ifElseNs },
          { name: 'WHILE iteration', ns: lp.whileIterationNs },
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
  const o: RunOptions = { network: ref(w.network), hw: ctx.hw.file ?? c.hardware, strategy: w.strategy, batch: w.batch, mode: c.mode };
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
    let r = await runSimulation(o);
    // the forward at the median sample follows the warm-up and the first half of the timed
    // ones, back to back: past throttleAfterNs of busy time it runs at the sustained clock
    const acc = ctx.hw.spec.accelerator;
    if (acc.kind === 'gpu-simt' && acc.sustainedClockMhz !== undefined) {
      const m = c.measured;
      const busyNs = r.metrics.utilization.accelerator * r.metrics.totalTimeNs;
      const priorBusyNs = ((m.warmup ?? 0) + Math.floor((m.count ?? 0) / 2)) * (m.opsPerSample ?? 1) * busyNs;
      if (priorBusyNs > 0 && priorBusyNs + busyNs > acc.throttleAfterNs) {
        const hot = await runSimulation({ ...o, priorBusyNs });
        if (hot.metrics.totalTimeNs !== r.metrics.totalTimeNs) gaps.push(thermalGap());
        r = hot;
      }
    }
    const mt = r.metrics;
    const samples = r.config.trace.samples;
    // timed with events around the host call: the first command's submission latency is in
    // both events and cancels; the engine's total counts it from the first issue
    const submit = c.timing === 'single' && w.quantity === 'total' ? issueTiming(ctx.hw.spec, ctx.accel, c.mode).submitNs : 0;
    const ns =
      w.quantity === 'total'
        ? mt.totalTimeNs - submit
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
  } catch (err) {
    throw locateReference(err, c, ctx, [
      ['network', w.network, o.network],
      ['plan', w.plan, o.planFile],
      ['trace', w.trace, w.trace !== undefined ? o.trace : undefined],
      ['synthetic.spec', w.synthetic?.spec, o.specFile],
    ]);
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * An error about a file a network case refers to (missing, unreadable, invalid), led by where
 * the reference is: the case file, the field's JSON path and the case id. Other errors as they are.
 * `refs`: field, the reference as written, the path it resolved to (or the preset name).
 */
function locateReference(err: unknown, c: MeasurementCase, ctx: SimContext, refs: [string, string | undefined, string | undefined][]): unknown {
  if (!(err instanceof DynsimError) || !err.isUserError) return err;
  const hit = refs.find(
    ([field, given, resolved]) =>
      given !== undefined &&
      resolved !== undefined &&
      err.problems.some((p) => p.file === resolved || (field === 'network' && p.file === undefined && p.message.startsWith(`unknown network preset ${JSON.stringify(resolved)}`))),
  );
  if (!hit) return err;
  const [field, given] = hit;
  return new DynsimError(err.code, [
    { file: ctx.file, path: `${ctx.path ? `${ctx.path}.` : ''}workload.${field}`, message: `case "${c.id}": cannot use ${field === 'synthetic.spec' ? 'synthetic spec' : field} "${given}":` },
    ...err.problems,
  ]);
}

/** Simulates a case; the result is in the case's unit (and in ns). */
export async function simulateCase(c: MeasurementCase, ctx: SimContext): Promise<CaseSimulation> {
  const lp = launchParams(ctx.hw.spec, ctx.accel, c);
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

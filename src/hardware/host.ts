/**
 * Host-side and launch timing shared by the replay engine and the measurement-case simulator:
 * what it costs the host to issue one op in each execution mode, how long a command takes to
 * reach the device, and what a host wait for the device costs.
 */
import type { HardwareSystem, HostCpu } from '../formats/hardware.js';
import type { AcceleratorModel } from './types.js';

/** Op kinds whose eager dispatch differs (measured: a cuBLAS matmul, index_select and
 * index_copy_ each cost more than a tiny elementwise op in PyTorch eager mode). */
export type HostOp = 'matmul' | 'gather' | 'scatter' | 'other';
export const HOST_OPS: readonly HostOp[] = ['matmul', 'gather', 'scatter', 'other'];

/** How the host issues work: eager framework ops, bare CUDA launches, or CUDA graph replay. */
export type ExecutionMode = 'eager' | 'cuda' | 'graph';
export const EXECUTION_MODES: readonly ExecutionMode[] = ['eager', 'cuda', 'graph'];

/** Eager issue cost of an op: its framework dispatch, never less than the driver's launch interval. */
export function eagerIssueNs(host: HostCpu, launchNs: number, op: HostOp): number {
  const byOp = op === 'other' ? undefined : host.dispatchNsByOp?.[op];
  return Math.max(byOp ?? host.dispatchNs, launchNs);
}

/** Launch and wait costs of one system in one execution mode (all ns). */
export interface IssueTiming {
  readonly mode: ExecutionMode;
  /** Host time to issue one kernel, by op kind: eager dispatch, a bare launch, or 0 inside a graph. */
  readonly issueNs: Readonly<Record<HostOp, number>>;
  /** Host time to launch one captured graph (graph mode; 0 otherwise). */
  readonly graphLaunchNs: number;
  /** Device time each graph node adds (graph mode; 0 otherwise). */
  readonly nodeNs: number;
  /** From the end of the host's launch call until the command can start on an idle device.
   * Derived from the measured launch + synchronise round trip: syncNs - kernelLaunchNs -
   * notify; it is visible only where the host waits for the device (round trips). */
  readonly submitNs: number;
  /** Host notification of device completion (polling: half the interval). */
  readonly notifyNs: number;
  /** Host cost of a synchronising call itself (eager: the framework's; else 0). */
  readonly syncCallNs: number;
  /** Host time to turn a device-resident decision into a host value: eager mode pays the
   * framework's readback (PyTorch .item()); a CUDA program branches on the copied word (0). */
  readonly decisionNs: number;
}

export function issueTiming(hw: HardwareSystem, accel: AcceleratorModel, mode: ExecutionMode): IssueTiming {
  const acc = hw.accelerator;
  const gpu = acc.kind === 'gpu-simt' ? acc : null;
  const issue = (op: HostOp) => (mode === 'eager' ? eagerIssueNs(hw.host, accel.launchNs, op) : mode === 'cuda' ? accel.launchNs : 0);
  const notifyNs = hw.host.notify === 'polling' ? hw.host.pollIntervalNs / 2 : hw.host.interruptLatencyNs;
  return {
    mode,
    issueNs: { matmul: issue('matmul'), gather: issue('gather'), scatter: issue('scatter'), other: issue('other') },
    graphLaunchNs: mode === 'graph' && gpu ? (gpu.graphLaunchNs ?? gpu.kernelLaunchNs) : 0,
    nodeNs: mode === 'graph' && gpu ? gpu.graphNodeNs : 0,
    submitNs: gpu ? Math.max(0, gpu.syncNs - gpu.kernelLaunchNs - notifyNs) : 0,
    notifyNs,
    syncCallNs: mode === 'eager' ? (hw.host.syncCallNs ?? 0) : 0,
    decisionNs: mode === 'eager' ? hw.host.decisionLatencyNs : 0,
  };
}

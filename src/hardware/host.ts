/**
 * Host-side costs shared by the engine and the measurement-case simulator: what it costs the
 * host to issue one op in each execution mode.
 */
import type { HostCpu } from '../formats/hardware.js';

/** Op kinds whose eager dispatch differs (measured: a cuBLAS matmul, index_select and
 * index_copy_ each cost more than a tiny elementwise op in PyTorch eager mode). */
export type HostOp = 'matmul' | 'gather' | 'scatter' | 'other';
export const HOST_OPS: readonly HostOp[] = ['matmul', 'gather', 'scatter', 'other'];

/** Eager issue cost of an op: its framework dispatch, never less than the driver's launch interval. */
export function eagerIssueNs(host: HostCpu, launchNs: number, op: HostOp): number {
  const byOp = op === 'other' ? undefined : host.dispatchNsByOp?.[op];
  return Math.max(byOp ?? host.dispatchNs, launchNs);
}

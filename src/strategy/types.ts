/**
 * Execution strategies: how a batch gets through a gate. Each strategy is one implementation
 * of this interface (one file each, listed only in registry.ts). A strategy never computes
 * costs itself: it emits kernels, synchronisations, transfers and host decisions through the
 * engine's Exec, which prices them on the hardware models and schedules them.
 *
 * Contract: emit work only for samples present in the batch; mark every sample that leaves
 * at an exit through `Exec.exitSamples`; emit the gate's decider unless the strategy ignores
 * gates (static).
 */
import type { ResolvedGate } from '../network/resolve.js';
import type { Exec } from '../engine/exec.js';

export const STRATEGY_KINDS = ['static', 'mask', 'compact', 'host', 'per-sample', 'device-branch', 'multi-kernel', 'capacity', 'grouped'] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

export interface Strategy {
  readonly kind: StrategyKind;
  /** Accelerator kinds the strategy exists on (device-branch needs SIMT lanes; multi-kernel
   * needs resident precompiled configurations of a spatial array). */
  readonly appliesTo: readonly ('gpu-simt' | 'spatial-array')[];
  /** One controlled layer of a skip/channel/spatial/temporal gate (`first`/`last`: the region's ends). */
  gatedLayer(x: Exec, gate: ResolvedGate, layerIdx: number, first: boolean, last: boolean): void;
  /** The expert block of an MoE gate. */
  moe(x: Exec, gate: ResolvedGate): void;
  /** Exit point `exitIndex` of an exit gate: its head, then the samples that leave. */
  exit(x: Exec, gate: ResolvedGate, exitIndex: number): void;
  /**
   * True if the work emitted at this gate depends on the batch's size alone: the same
   * kernels, in the same order, whatever the decisions, with only the useful FLOPs of masked
   * kernels varying (given to Exec.kernelMasked as functions of the batch). The engine then
   * replays a recorded batch (Exec.replay) instead of calling the strategy.
   */
  replayable?(gate: ResolvedGate): boolean;
}

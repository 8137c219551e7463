/** The only place that lists the strategy implementations; a new kind without one fails to compile. */
import type { Strategy, StrategyKind } from './types.js';
import { staticStrategy } from './static.js';
import { maskStrategy } from './mask.js';
import { compactStrategy } from './compact.js';
import { hostStrategy } from './host.js';
import { perSampleStrategy } from './per-sample.js';
import { deviceBranchStrategy } from './device-branch.js';
import { multiKernelStrategy } from './multi-kernel.js';
import { capacityStrategy } from './capacity.js';
import { groupedStrategy } from './grouped.js';

export const strategyRegistry = {
  static: staticStrategy,
  mask: maskStrategy,
  compact: compactStrategy,
  host: hostStrategy,
  'per-sample': perSampleStrategy,
  'device-branch': deviceBranchStrategy,
  'multi-kernel': multiKernelStrategy,
  capacity: capacityStrategy,
  grouped: groupedStrategy,
} satisfies { [K in StrategyKind]: Strategy };

export function getStrategy(kind: StrategyKind): Strategy {
  return strategyRegistry[kind];
}

/**
 * Why strategy `kind` cannot run on an accelerator of kind `accKind` (the reason `run` and
 * `compare` give), or undefined when it applies there.
 */
export function inapplicableReason(kind: StrategyKind, accKind: Strategy['appliesTo'][number]): string | undefined {
  const s = getStrategy(kind);
  if (s.appliesTo.includes(accKind)) return undefined;
  return `does not apply to a ${accKind} (it needs ${s.appliesTo.join(' or ')}); ${accKind === 'gpu-simt' ? 'multi-kernel is for spatial arrays' : 'a static-dataflow array cannot branch per lane: use static, mask, compact, host, per-sample, multi-kernel or capacity'}`;
}

/**
 * Strategy plan files: the strategy of each gate (the rest use `default`). Written by hand
 * or, later, by `dynsim compare --emit-plan`; read by `dynsim run --plan`.
 */
import * as z from 'zod';
import { STRATEGY_KINDS } from '../strategy/types.js';
import { DynsimError, type Problem } from '../util/errors.js';
import type { ResolvedNetwork } from '../network/resolve.js';

export const StrategyKindSchema = z.enum(STRATEGY_KINDS);

export const Plan = z.strictObject({
  $schema: z.string().optional(),
  format: z.literal('dynsim-plan'),
  version: z.literal(1),
  network: z.string().min(1).describe('Network id the plan was made for.'),
  default: StrategyKindSchema.default('mask').describe('Strategy of gates not listed.'),
  gates: z.record(z.string(), StrategyKindSchema).describe('Strategy per gate id.'),
});
export type Plan = z.infer<typeof Plan>;

export function checkPlanAgainstNetwork(plan: Plan, net: ResolvedNetwork, file?: string): void {
  const problems: Problem[] = [];
  if (plan.network !== net.spec.id)
    problems.push({ file, path: 'network', message: `expected "${net.spec.id}", got "${plan.network}"` });
  for (const id of Object.keys(plan.gates))
    if (!net.gateById.has(id))
      problems.push({
        file,
        path: `gates.${id}`,
        message: `unknown gate "${id}" (gates of ${net.spec.id}: ${[...net.gateById.keys()].join(', ')})`,
      });
  if (problems.length) throw new DynsimError('E_REFERENCE', problems);
}

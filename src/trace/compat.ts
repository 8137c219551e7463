/**
 * Does a trace belong to a network? The header's gate list must equal the network's gates
 * (same ids, kinds and dimensions, same order), so every decision can be replayed.
 */
import { DynsimError, type Problem } from '../util/errors.js';
import type { TraceHeader } from '../formats/trace.js';
import { traceGatesOf, type ResolvedNetwork } from '../network/resolve.js';

export function checkTraceMatchesNetwork(header: TraceHeader, net: ResolvedNetwork, file?: string): void {
  const problems: Problem[] = [];
  const where = net.file ?? net.spec.id;
  if (header.network !== net.spec.id)
    problems.push({
      file,
      line: 1,
      path: 'network',
      message: `expected "${net.spec.id}" (the id in ${where}), got "${header.network}"`,
    });
  const expected = traceGatesOf(net);
  const got = header.gates;
  const n = Math.max(expected.length, got.length);
  for (let k = 0; k < n; k++) {
    const e = expected[k];
    const g = got[k];
    const ej = JSON.stringify(e);
    const gj = JSON.stringify(g);
    if (ej !== gj)
      problems.push({
        file,
        line: 1,
        path: `gates[${k}]`,
        message: `expected ${ej ?? 'no gate'} (from ${where}), got ${gj ?? 'no gate'}`,
      });
  }
  if (problems.length) throw new DynsimError('E_TRACE', problems);
}

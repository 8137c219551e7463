/**
 * `inspect`: per-gate decision statistics of a trace and, when the network is known (given,
 * or a bundled preset with the header's network id), the ideal FLOP saving.
 */
import { loadNetwork, listPresets } from '../formats/load.js';
import type { ResolvedNetwork } from '../network/resolve.js';
import { checkTraceMatchesNetwork } from '../trace/compat.js';
import { JsonlTraceSource } from '../trace/jsonl-reader.js';
import { traceStats, type TraceStats } from '../trace/stats.js';

export interface InspectResult {
  trace: string;
  /** Where the network came from: the given reference, the preset matching the header, or null. */
  networkSource: string | null;
  stats: TraceStats;
}

export async function inspectTrace(path: string, opts: { network?: string } = {}): Promise<InspectResult> {
  const src = await JsonlTraceSource.open(path);
  let net: ResolvedNetwork | undefined;
  let networkSource: string | null = null;
  if (opts.network) {
    net = loadNetwork(opts.network);
    networkSource = opts.network;
  } else if (listPresets('networks').includes(src.header.network)) {
    net = loadNetwork(src.header.network);
    networkSource = `preset ${src.header.network}`;
  }
  if (net) checkTraceMatchesNetwork(src.header, net, path);
  return { trace: path, networkSource, stats: await traceStats(src, net) };
}

/**
 * `gen-trace`: writes a synthetic trace for a network. The spec comes from an optional JSON
 * file with per-flag overrides applied on top; the output is written atomically.
 */
import { loadNetwork, readJsonFile } from '../formats/load.js';
import type { TraceHeader } from '../formats/trace.js';
import { JsonlTraceWriter } from '../trace/jsonl-writer.js';
import { checkSpecAgainstNetwork, resolveSyntheticSpec, SyntheticTraceSource } from '../trace/synthetic.js';

export interface GenTraceOptions {
  /** Network preset name or file. */
  network: string;
  samples: number;
  seed: number;
  /** Output path; `.gz` compresses. */
  out: string;
  /** Synthetic spec file (JSON). */
  specFile?: string;
  /** Spec fields set on top of the file, as dotted paths, e.g. { "skip.prob": 0.3 }. */
  overrides?: Record<string, unknown>;
}

export interface GenTraceResult {
  out: string;
  samples: number;
  header: TraceHeader;
}

/** Sets `value` at a dotted path inside `obj`, creating objects on the way. */
function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const segs = dotted.split('.');
  let cur = obj;
  for (const s of segs.slice(0, -1)) {
    const next = cur[s];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[s] = {};
    cur = cur[s] as Record<string, unknown>;
  }
  cur[segs[segs.length - 1]!] = value;
}

export async function genTrace(o: GenTraceOptions): Promise<GenTraceResult> {
  const net = loadNetwork(o.network);
  const raw = (o.specFile ? readJsonFile(o.specFile) : {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(o.overrides ?? {})) if (v !== undefined) setPath(raw, k, v);
  const spec = resolveSyntheticSpec(raw, o.specFile);
  checkSpecAgainstNetwork(spec, net, o.specFile);
  const src = new SyntheticTraceSource(net, spec, o.seed, o.samples);
  const writer = JsonlTraceWriter.create(o.out, src.header);
  try {
    for await (const rec of src.samples()) await writer.write(rec);
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { out: o.out, samples: o.samples, header: src.header };
}

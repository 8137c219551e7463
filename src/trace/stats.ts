/**
 * Decision statistics of a trace, accumulated in one streaming pass (memory bounded by the
 * gate dimensions, never by the trace length), and the ideal FLOP saving against the static
 * network when the network is known. Backs `dynsim inspect`.
 */
import type { MaskDecision, MoeDecision, SampleRecord, TraceGate, TraceHeader } from '../formats/trace.js';
import { sampleFlops } from '../network/flops.js';
import type { ResolvedNetwork } from '../network/resolve.js';
import type { TraceSource } from './source.js';

export interface RatioStats {
  mean: number;
  min: number;
  max: number;
}

export type GateStats =
  | { id: string; kind: 'skip'; met: number; skipRate: number }
  | { id: string; kind: 'exit'; met: number; exitShares: number[]; meanExit: number }
  | {
      id: string;
      kind: 'moe';
      met: number;
      /** Share of all routed assignments that each expert received. */
      expertLoadShares: number[];
      /** max load / mean load over experts (1 = perfectly balanced). */
      loadImbalance: number;
      /** Share of tokens that received fewer than topK experts (capacity drops). */
      droppedTokenRate: number;
      meanExpertsPerToken: number;
    }
  | { id: string; kind: 'channel'; met: number; activeRatio: RatioStats }
  | { id: string; kind: 'spatial' | 'temporal'; met: number; activeRatio: RatioStats; meanRuns: number | null };

export interface TraceStats {
  network: string;
  seed: number | null;
  samples: number;
  gates: GateStats[];
  arrivals: { count: number; spanNs: number; meanRateHz: number } | null;
  /** Present when the network is known. */
  flops: {
    staticPerSample: number;
    usefulPerSample: number;
    /** 1 - useful / static. */
    idealSaving: number;
    /** Per gate: mean FLOPs of what it controls per sample, relative to the gate open. */
    byGate: Record<string, { usefulPerSample: number }>;
  } | null;
}

class RatioAcc {
  n = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  add(x: number) {
    this.n++;
    this.sum += x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }
  result(): RatioStats {
    return this.n ? { mean: this.sum / this.n, min: this.min, max: this.max } : { mean: 0, min: 0, max: 0 };
  }
}

interface GateAcc {
  gate: TraceGate;
  met: number;
  ones: number; // skip
  hist: number[]; // exit
  expertLoad: number[]; // moe
  tokens: number;
  droppedTokens: number;
  assignments: number;
  ratio: RatioAcc;
  runs: number;
  runsKnown: number;
}

function newAcc(gate: TraceGate): GateAcc {
  return {
    gate,
    met: 0,
    ones: 0,
    hist: gate.kind === 'exit' ? new Array<number>(gate.exits + 1).fill(0) : [],
    expertLoad: gate.kind === 'moe' ? new Array<number>(gate.experts).fill(0) : [],
    tokens: 0,
    droppedTokens: 0,
    assignments: 0,
    ratio: new RatioAcc(),
    runs: 0,
    runsKnown: 0,
  };
}

/** Active runs of a mask (from its rle, or its bitmap), or null if only the count is known. */
function activeRuns(m: MaskDecision, length: number): number | null {
  if (m.rle) return m.rle.filter((r, k) => k & 1 && r > 0).length;
  if (m.bitmap !== undefined) {
    const bytes = Buffer.from(m.bitmap, 'base64');
    let runs = 0;
    let prev = 0;
    for (let i = 0; i < length; i++) {
      const b = ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
      if (b && !prev) runs++;
      prev = b;
    }
    return runs;
  }
  return null;
}

export class TraceStatsAccumulator {
  private readonly accs: GateAcc[];
  private readonly byId: Map<string, GateAcc>;
  private samples = 0;
  private arrivals = 0;
  private firstArrival = Infinity;
  private lastArrival = -Infinity;
  private usefulSum = 0;
  private readonly gateFlops = new Map<string, number>();

  constructor(
    private readonly header: TraceHeader,
    private readonly net: ResolvedNetwork | undefined,
  ) {
    this.accs = header.gates.map(newAcc);
    this.byId = new Map(this.accs.map((a) => [a.gate.id, a]));
  }

  add(rec: SampleRecord): void {
    this.samples++;
    if (rec.arrivalNs !== undefined) {
      this.arrivals++;
      if (rec.arrivalNs < this.firstArrival) this.firstArrival = rec.arrivalNs;
      if (rec.arrivalNs > this.lastArrival) this.lastArrival = rec.arrivalNs;
    }
    for (const gid in rec.d) {
      const a = this.byId.get(gid)!;
      const dec = rec.d[gid]!;
      a.met++;
      const g = a.gate;
      switch (g.kind) {
        case 'skip':
          a.ones += dec as number;
          break;
        case 'exit':
          a.hist[dec as number]!++;
          break;
        case 'channel':
          a.ratio.add((dec as number) / g.channels);
          break;
        case 'spatial':
        case 'temporal': {
          const m = dec as MaskDecision;
          const len = g.kind === 'spatial' ? g.positions : g.steps;
          a.ratio.add(m.active / len);
          const runs = activeRuns(m, len);
          if (runs !== null) {
            a.runs += runs;
            a.runsKnown++;
          }
          break;
        }
        case 'moe':
          for (const t of (dec as MoeDecision).e) {
            a.tokens++;
            if (t.length < g.topK) a.droppedTokens++;
            a.assignments += t.length;
            for (const e of t) a.expertLoad[e]!++;
          }
          break;
      }
    }
    if (this.net) {
      const f = sampleFlops(this.net, rec.d);
      this.usefulSum += f.useful;
      for (const gid in f.byGate) this.gateFlops.set(gid, (this.gateFlops.get(gid) ?? 0) + f.byGate[gid]!);
    }
  }

  result(): TraceStats {
    const n = this.samples;
    const gates = this.accs.map((a): GateStats => {
      const g = a.gate;
      switch (g.kind) {
        case 'skip':
          return { id: g.id, kind: 'skip', met: a.met, skipRate: a.met ? a.ones / a.met : 0 };
        case 'exit': {
          const shares = a.hist.map((h) => (a.met ? h / a.met : 0));
          const meanExit = shares.reduce((s, p, k) => s + p * k, 0);
          return { id: g.id, kind: 'exit', met: a.met, exitShares: shares, meanExit };
        }
        case 'moe': {
          const total = a.assignments;
          const shares = a.expertLoad.map((l) => (total ? l / total : 0));
          const maxShare = Math.max(...shares);
          return {
            id: g.id,
            kind: 'moe',
            met: a.met,
            expertLoadShares: shares,
            loadImbalance: total ? maxShare * g.experts : 0,
            droppedTokenRate: a.tokens ? a.droppedTokens / a.tokens : 0,
            meanExpertsPerToken: a.tokens ? total / a.tokens : 0,
          };
        }
        case 'channel':
          return { id: g.id, kind: 'channel', met: a.met, activeRatio: a.ratio.result() };
        case 'spatial':
        case 'temporal':
          return {
            id: g.id,
            kind: g.kind,
            met: a.met,
            activeRatio: a.ratio.result(),
            meanRuns: a.runsKnown ? a.runs / a.runsKnown : null,
          };
      }
    });
    const span = this.arrivals > 1 ? this.lastArrival - this.firstArrival : 0;
    let flops: TraceStats['flops'] = null;
    if (this.net) {
      const useful = n ? this.usefulSum / n : 0;
      const byGate: Record<string, { usefulPerSample: number }> = {};
      for (const g of this.net.gates)
        byGate[g.gate.id] = { usefulPerSample: n ? (this.gateFlops.get(g.gate.id) ?? 0) / n : 0 };
      flops = {
        staticPerSample: this.net.staticFlops,
        usefulPerSample: useful,
        idealSaving: n ? 1 - useful / this.net.staticFlops : 0,
        byGate,
      };
    }
    return {
      network: this.header.network,
      seed: this.header.seed,
      samples: n,
      gates,
      arrivals:
        this.arrivals > 0
          ? { count: this.arrivals, spanNs: span, meanRateHz: span > 0 ? ((this.arrivals - 1) * 1e9) / span : 0 }
          : null,
      flops,
    };
  }
}

/** Streams a trace once and returns its statistics. */
export async function traceStats(source: TraceSource, net?: ResolvedNetwork): Promise<TraceStats> {
  const acc = new TraceStatsAccumulator(source.header, net);
  for await (const rec of source.samples()) acc.add(rec);
  return acc.result();
}

import { describe, it, expect } from 'vitest';
import { Network } from '../src/formats/network.js';
import { resolveNetwork, type ResolvedNetwork } from '../src/network/resolve.js';
import {
  checkSample,
  maskBits,
  type MaskDecision,
  type MoeDecision,
  type SampleRecord,
  TraceHeader,
} from '../src/formats/trace.js';
import { DynsimError } from '../src/util/errors.js';
import {
  SyntheticTraceSource,
  checkSpecAgainstNetwork,
  generateSamples,
  normalCdf,
  resolveSyntheticSpec,
} from '../src/trace/synthetic.js';

// ---------------------------------------------------------------- fixtures

const linear = (name: string) => ({ name, kind: 'linear', inFeatures: 64, outFeatures: 64 });
const LAYERS = ['l0', 'l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7'].map(linear);

function network(gates: unknown[]): ResolvedNetwork {
  return resolveNetwork(
    Network.parse({ format: 'dynsim-network', version: 1, id: 'toy', layers: LAYERS, gates }),
  );
}

const skip = (id: string, layer: string) => ({ id, kind: 'skip', layers: [layer] });
const exitGate = (afters: string[]) => ({
  id: 'exit',
  kind: 'exit',
  exits: afters.map((after) => ({ after, head: [linear(`head_${after}`)] })),
});
const moe = (extra: Record<string, unknown> = {}) => ({
  id: 'moe',
  kind: 'moe',
  after: 'l1',
  tokens: 16,
  experts: 8,
  topK: 2,
  expert: [linear('ffn')],
  ...extra,
});

/** One gate of each kind; the exit after l2 (index 0) and l5 (index 1). */
const ALL_KINDS = network([
  skip('blk1', 'l1'),
  moe(),
  exitGate(['l2', 'l5']),
  { id: 'ch', kind: 'channel', layers: ['l3'], channels: 64, granularity: 8 },
  { id: 'sp', kind: 'spatial', layers: ['l4'], positions: 50 },
  { id: 'tm', kind: 'temporal', layers: ['l6'], steps: 12 },
  skip('blk7', 'l7'),
]);

function gen(net: ResolvedNetwork, raw: unknown, seed: number, n: number): SampleRecord[] {
  const spec = resolveSyntheticSpec(raw, 'spec.json', net);
  return [...generateSamples(net, spec, seed, n)];
}

/** |observed share - p| within 4 binomial sigmas over n trials. */
function expectShare(count: number, n: number, p: number): void {
  const sigma = Math.sqrt((p * (1 - p)) / n);
  expect(Math.abs(count / n - p)).toBeLessThanOrEqual(4 * sigma + 1e-12);
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let k = 0; k < n; k++) {
    sab += (a[k]! - ma) * (b[k]! - mb);
    saa += (a[k]! - ma) ** 2;
    sbb += (b[k]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function problemPaths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DynsimError);
    return (err as DynsimError).problems.map((p) => p.path ?? '');
  }
  throw new Error('expected a DynsimError');
}

/** Active runs of a mask (number of maximal blocks of ones). */
function activeRuns(m: MaskDecision, length: number): number {
  const bits = maskBits(m, length);
  let runs = 0;
  for (let k = 0; k < length; k++) if (bits[k] && (k === 0 || !bits[k - 1])) runs++;
  return runs;
}

// ---------------------------------------------------------------- tests

describe('normalCdf (A&S 7.1.26)', () => {
  it('matches tabulated values within the 7.5e-8 bound', () => {
    const table: [number, number][] = [
      [0, 0.5],
      [1, 0.8413447460685429],
      [-1.959963984540054, 0.025],
      [3, 0.9986501019683699],
      [-4, 3.167124183311998e-5],
      [0.3, 0.6179114221889527],
    ];
    for (const [x, p] of table) expect(Math.abs(normalCdf(x) - p)).toBeLessThan(7.5e-8);
    // symmetry Phi(-x) = 1 - Phi(x)
    for (const x of [0.1, 0.7, 2.5]) expect(normalCdf(-x) + normalCdf(x)).toBeCloseTo(1, 12);
  });
});

describe('determinism and format', () => {
  it('same seed gives identical JSON lines; another seed differs', () => {
    const lines = (seed: number) => gen(ALL_KINDS, {}, seed, 200).map((r) => JSON.stringify(r));
    const a = lines(7);
    expect(lines(7)).toEqual(a);
    const b = lines(8);
    expect(b).not.toEqual(a);
    expect(b.filter((l, k) => l === a[k]).length).toBeLessThan(5);
  });

  it('records have keys i, d (then gates in network order) and pass checkSample', () => {
    const src = new SyntheticTraceSource(ALL_KINDS, resolveSyntheticSpec({}), 3, 500);
    const header = TraceHeader.parse(JSON.parse(JSON.stringify(src.header)));
    const gates = new Map(header.gates.map((g) => [g.id, g]));
    const order = ALL_KINDS.gates.map((g) => g.gate.id);
    let k = 0;
    for (const rec of src.syncSamples()) {
      expect(rec.i).toBe(k);
      expect(Object.keys(rec)).toEqual(['i', 'd']);
      const keys = Object.keys(rec.d);
      expect(keys).toEqual(order.filter((id) => keys.includes(id)));
      expect(() => checkSample(JSON.parse(JSON.stringify(rec)), gates, 't', k + 2, k)).not.toThrow();
      k++;
    }
    expect(k).toBe(500);
  });

  it('header: no timestamps, the spec in provenance; samples() repeatable', async () => {
    const spec = resolveSyntheticSpec({ correlation: 0.3 });
    const a = new SyntheticTraceSource(ALL_KINDS, spec, 11, 50);
    const b = new SyntheticTraceSource(ALL_KINDS, spec, 11, 50);
    expect(JSON.stringify(a.header)).toBe(JSON.stringify(b.header));
    expect(a.header).toMatchObject({
      format: 'dynsim-trace',
      version: 1,
      network: 'toy',
      seed: 11,
      samples: 50,
      provenance: { generator: 'dynsim synthetic', spec },
    });
    expect(a.origin).toBe('synthetic');
    const collect = async () => {
      const out: string[] = [];
      for await (const r of a.samples()) out.push(JSON.stringify(r));
      return out;
    };
    const first = await collect();
    expect(first).toHaveLength(50);
    expect(await collect()).toEqual(first);
  });

  it('turning arrivals on does not change the decisions', () => {
    const off = gen(ALL_KINDS, {}, 5, 300);
    const on = gen(ALL_KINDS, { arrival: { process: 'poisson', rateHz: 1000 } }, 5, 300);
    expect(on.map((r) => JSON.stringify(r.d))).toEqual(off.map((r) => JSON.stringify(r.d)));
    expect(Object.keys(on[1]!)).toEqual(['i', 'arrivalNs', 'd']);
  });
});

describe('skip gates and correlation', () => {
  const two = network([skip('a', 'l1'), skip('b', 'l3')]);
  const N = 20_000;

  for (const rho of [0, 0.8])
    it(`skip marginal = prob within 4 sigma (rho = ${rho})`, () => {
      const recs = gen(two, { correlation: rho, skip: { prob: 0.3 } }, 1, N);
      expectShare(recs.filter((r) => r.d.a === 1).length, N, 0.3);
      expectShare(recs.filter((r) => r.d.b === 1).length, N, 0.3);
    });

  it('bits correlate as the Gaussian copula predicts: phi = (2/pi) asin(rho) at prob 0.5', () => {
    const corr = (rho: number) => {
      const recs = gen(two, { correlation: rho, skip: { prob: 0.5 } }, 2, N);
      return pearson(
        recs.map((r) => r.d.a as number),
        recs.map((r) => r.d.b as number),
      );
    };
    // 4 sigma of a sample correlation near 0 is 4 / sqrt(N) = 0.028
    expect(Math.abs(corr(0))).toBeLessThan(4 / Math.sqrt(N));
    const expected = (2 / Math.PI) * Math.asin(0.8); // 0.5903
    expect(Math.abs(corr(0.8) - expected)).toBeLessThan(0.03);
  });

  it('per-gate overrides apply to that gate only', () => {
    const recs = gen(two, { correlation: 0, skip: { prob: 0.2 }, gates: { b: { prob: 0.9 } } }, 3, N);
    expectShare(recs.filter((r) => r.d.a === 1).length, N, 0.2);
    expectShare(recs.filter((r) => r.d.b === 1).length, N, 0.9);
  });
});

describe('exit gates', () => {
  const N = 20_000;
  const net = network([exitGate(['l1', 'l3', 'l5'])]);

  it('geometric: P(e) = p (1 - p)^e, P(full) = (1 - p)^exits', () => {
    const p = 0.4;
    const recs = gen(net, { exit: { prob: p } }, 4, N);
    for (let e = 0; e <= 3; e++) {
      const expected = e < 3 ? p * (1 - p) ** e : (1 - p) ** 3;
      expectShare(recs.filter((r) => r.d.exit === e).length, N, expected);
    }
  });

  it('geometric edge cases: prob 1 -> 0, prob 0 -> exits', () => {
    expect(new Set(gen(net, { exit: { prob: 1 } }, 1, 500).map((r) => r.d.exit))).toEqual(new Set([0]));
    expect(new Set(gen(net, { exit: { prob: 0 } }, 1, 500).map((r) => r.d.exit))).toEqual(new Set([3]));
  });

  it('budget: frequencies match the shares (given and default uniform)', () => {
    const shares = [0.1, 0.2, 0.3, 0.4];
    const recs = gen(net, { exit: { distribution: 'budget', shares } }, 5, N);
    shares.forEach((s, e) => expectShare(recs.filter((r) => r.d.exit === e).length, N, s));
    const uni = gen(net, { exit: { distribution: 'budget' } }, 6, N);
    for (let e = 0; e <= 3; e++) expectShare(uni.filter((r) => r.d.exit === e).length, N, 0.25);
  });

  it('gates after the exit point are omitted, earlier ones kept', () => {
    const recs = gen(ALL_KINDS, { exit: { prob: 0.5 } }, 9, 2000);
    const seen = new Set<number>();
    for (const r of recs) {
      const e = r.d.exit as number;
      seen.add(e);
      const keys = Object.keys(r.d);
      // exits after l2 (index 2) and l5 (index 5); gates on l1 l1 l3 l4 l6 l7
      expect(keys).toContain('exit');
      expect(keys).toContain('blk1');
      expect(keys).toContain('moe');
      expect(keys.includes('ch')).toBe(e >= 1);
      expect(keys.includes('sp')).toBe(e >= 1);
      expect(keys.includes('tm')).toBe(e >= 2);
      expect(keys.includes('blk7')).toBe(e >= 2);
    }
    expect(seen).toEqual(new Set([0, 1, 2]));
  });
});

describe('channel gates', () => {
  it('counts are multiples of granularity in [granularity, channels], mean ~ meanRatio', () => {
    const net = network([{ id: 'ch', kind: 'channel', layers: ['l3'], channels: 64, granularity: 8 }]);
    const N = 5000;
    const recs = gen(net, { channel: { meanRatio: 0.5, spread: 0.5 } }, 2, N);
    let sum = 0;
    const values = new Set<number>();
    for (const r of recs) {
      const c = r.d.ch as number;
      expect(c % 8).toBe(0);
      expect(c).toBeGreaterThanOrEqual(8);
      expect(c).toBeLessThanOrEqual(64);
      values.add(c);
      sum += c;
    }
    expect(values.size).toBeGreaterThan(5);
    // share ~ U(0, 1): mean count 32 (the floor at 8 adds 8 * P(share < 1/16) / 2 = 0.25)
    expect(Math.abs(sum / N - 32.25)).toBeLessThan(4 * (64 / Math.sqrt(12) / Math.sqrt(N)));
  });
});

describe('spatial and temporal masks', () => {
  it('clustered masks have far fewer runs than scattered at the same active count', () => {
    const L = 196;
    const net = network([{ id: 'sp', kind: 'spatial', layers: ['l4'], positions: L }]);
    const runs = (layout: string, encoding: string) => {
      const recs = gen(net, { spatial: { keepRatio: 0.5, spread: 0, layout, encoding } }, 3, 2000);
      let total = 0;
      for (const r of recs) {
        const m = r.d.sp as MaskDecision;
        expect(m.active).toBe(98);
        expect(encoding === 'rle' ? m.rle : m.bitmap).toBeDefined();
        expect(maskBits(m, L).reduce((s, b) => s + b, 0)).toBe(98);
        total += activeRuns(m, L);
      }
      return total / recs.length;
    };
    // scattered: a random 98-subset of 196 has E[runs] = a (n - a + 1) / n = 49.5
    const scattered = runs('scattered', 'bitmap');
    expect(Math.abs(scattered - 49.5)).toBeLessThan(1);
    // clustered: 1 + Poisson(2) runs, mean 3
    const clustered = runs('clustered', 'rle');
    expect(Math.abs(clustered - 3)).toBeLessThan(0.15);
  });

  it('temporal uniform layout spaces active steps at floor(k * steps / active)', () => {
    const net = network([{ id: 'tm', kind: 'temporal', layers: ['l6'], steps: 10 }]);
    const recs = gen(net, { temporal: { keepRatio: 0.4, spread: 0, layout: 'uniform' } }, 1, 20);
    for (const r of recs) {
      const m = r.d.tm as MaskDecision;
      expect(m).toEqual({ active: 4, rle: [0, 1, 1, 1, 2, 1, 1, 1, 2] }); // steps 0, 2, 5, 7
    }
  });

  it('active count follows keepRatio +- spread and stays in [1, length]', () => {
    const net = network([{ id: 'tm', kind: 'temporal', layers: ['l6'], steps: 20 }]);
    const recs = gen(net, { temporal: { keepRatio: 0.5, spread: 0.5, layout: 'scattered' } }, 1, 4000);
    const actives = recs.map((r) => (r.d.tm as MaskDecision).active);
    expect(Math.min(...actives)).toBe(1);
    expect(Math.max(...actives)).toBe(20);
    // round(U(0, 1) * 20) clamped to >= 1: mean 10 + P(0) * 1 = 10 + 1/40
    const mean = actives.reduce((s, x) => s + x, 0) / actives.length;
    expect(Math.abs(mean - 10.025)).toBeLessThan(4 * (20 / Math.sqrt(12) / Math.sqrt(4000)));
  });
});

describe('moe routing', () => {
  const E = 8;
  const harmonic = (n: number, s: number) => {
    let h = 0;
    for (let r = 1; r <= n; r++) h += 1 / r ** s;
    return h;
  };
  const counts = (recs: SampleRecord[]) => {
    const c = new Array<number>(E).fill(0);
    for (const r of recs) for (const t of (r.d.moe as MoeDecision).e) for (const x of t) c[x]!++;
    return c;
  };

  it('zipf top-1: the top expert gets 1 / H(E, s) of the tokens', () => {
    const s = 1.2;
    const net = network([moe({ topK: 1 })]);
    const recs = gen(net, { moe: { routing: 'zipf', zipfS: s, capacityDrops: false } }, 4, 1000);
    const c = counts(recs);
    const n = 16 * 1000;
    expect(c.reduce((a, b) => a + b, 0)).toBe(n);
    expectShare(Math.max(...c), n, 1 / harmonic(E, s));
  });

  it('weights: descending, 4 decimals, sum to 1; ids distinct', () => {
    const recs = gen(ALL_KINDS, { moe: { capacityDrops: false } }, 6, 200);
    for (const r of recs) {
      const m = r.d.moe as MoeDecision;
      m.e.forEach((ids, t) => {
        expect(ids).toHaveLength(2);
        expect(new Set(ids).size).toBe(2);
        const w = m.w![t]!;
        expect(w[0]!).toBeGreaterThanOrEqual(w[1]!);
        expect(Math.abs(w[0]! + w[1]! - 1)).toBeLessThan(1e-9);
        for (const x of w) expect(Math.abs(x * 1e4 - Math.round(x * 1e4))).toBeLessThan(1e-6);
      });
    }
  });

  it('capacity drops: no expert exceeds ceil(cf * T * k / E) per sample; uniform routing at cf 1 drops', () => {
    const net = network([moe({ capacityFactor: 1.0, tokens: 64 })]);
    const cap = Math.ceil((1.0 * 64 * 2) / E); // 16
    const recs = gen(net, { moe: { routing: 'uniform', capacityDrops: true } }, 7, 300);
    let dropped = 0;
    for (const r of recs) {
      const m = r.d.moe as MoeDecision;
      const load = new Array<number>(E).fill(0);
      m.e.forEach((ids, t) => {
        dropped += 2 - ids.length;
        expect(m.w![t]).toHaveLength(ids.length);
        for (const x of ids) load[x]!++;
      });
      expect(Math.max(...load)).toBeLessThanOrEqual(cap);
    }
    expect(dropped).toBeGreaterThan(0);
    // without drops every token keeps topK experts
    const free = gen(net, { moe: { routing: 'uniform', capacityDrops: false } }, 7, 50);
    for (const r of free) for (const ids of (r.d.moe as MoeDecision).e) expect(ids).toHaveLength(2);
  });

  it('drift rotates the ranking: the 2nd most popular expert of period 0 leads period 1', () => {
    const net = network([moe({ topK: 1 })]);
    const recs = gen(
      net,
      { moe: { routing: 'drift', zipfS: 1.2, driftPeriodSamples: 1000, capacityDrops: false } },
      8,
      2000,
    );
    const rank = (c: number[]) => c.map((x, k) => [x, k] as const).sort((a, b) => b[0] - a[0]).map((p) => p[1]);
    const p0 = rank(counts(recs.slice(0, 1000)));
    const p1 = rank(counts(recs.slice(1000)));
    expect(p1[0]).not.toBe(p0[0]);
    expect(p1[0]).toBe(p0[1]);
    // the old leader drops to the least popular rank
    expect(p1[E - 1]).toBe(p0[0]);
  });
});

describe('arrivals', () => {
  it('poisson: mean inter-arrival = 1 / rate within 4 sigma; integer ns, non-decreasing', () => {
    const rate = 2000;
    const N = 20_000;
    const recs = gen(network([skip('a', 'l1')]), { arrival: { process: 'poisson', rateHz: rate } }, 1, N);
    const t = recs.map((r) => r.arrivalNs!);
    expect(t[0]).toBe(0);
    for (let k = 1; k < N; k++) {
      expect(Number.isInteger(t[k])).toBe(true);
      expect(t[k]!).toBeGreaterThanOrEqual(t[k - 1]!);
    }
    const mean = t[N - 1]! / (N - 1);
    const expected = 1e9 / rate;
    expect(Math.abs(mean - expected)).toBeLessThan((4 * expected) / Math.sqrt(N - 1));
  });

  it('uniform: arrivalNs = round(i * 1e9 / rate); none: no arrivalNs', () => {
    const net = network([skip('a', 'l1')]);
    const recs = gen(net, { arrival: { process: 'uniform', rateHz: 3 } }, 1, 10);
    expect(recs.map((r) => r.arrivalNs)).toEqual(recs.map((r) => Math.round((r.i * 1e9) / 3)));
    expect(gen(net, {}, 1, 3).every((r) => !('arrivalNs' in r))).toBe(true);
  });
});

describe('spec validation', () => {
  const net = network([skip('blk3', 'l3'), exitGate(['l2', 'l5'])]);

  it('unknown gate id in overrides names gates.<id>', () => {
    let err: unknown;
    try {
      resolveSyntheticSpec({ gates: { nope: { prob: 0.1 } } }, 'spec.json', net);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DynsimError);
    expect((err as DynsimError).code).toBe('E_REFERENCE');
    expect((err as DynsimError).problems[0]).toMatchObject({ file: 'spec.json', path: 'gates.nope' });
    expect((err as DynsimError).message).toContain('blk3');
  });

  it('invalid override values name gates.<id>.<param>', () => {
    expect(problemPaths(() => resolveSyntheticSpec({ gates: { blk3: { prob: 1.5 } } }, 'f', net))).toEqual([
      'gates.blk3.prob',
    ]);
    expect(problemPaths(() => resolveSyntheticSpec({ gates: { blk3: { meanRatio: 0.5 } } }, 'f', net))).toEqual([
      'gates.blk3',
    ]);
    // valid override merged over the kind's section
    const spec = resolveSyntheticSpec({ skip: { prob: 0.2 }, gates: { blk3: { prob: 0.7 } } }, 'f', net);
    expect(() => checkSpecAgainstNetwork(spec, net, 'f')).not.toThrow();
  });

  it('bad exit shares: sum, and count against the network exits', () => {
    expect(problemPaths(() => resolveSyntheticSpec({ exit: { shares: [0.5, 0.4] } }, 'f'))).toEqual(['exit.shares']);
    // 2 exits -> 3 shares
    expect(problemPaths(() => resolveSyntheticSpec({ exit: { shares: [0.5, 0.5] } }, 'f', net))).toEqual([
      'exit.shares',
    ]);
    expect(
      problemPaths(() => resolveSyntheticSpec({ gates: { exit: { shares: [0.2, 0.2, 0.2, 0.4] } } }, 'f', net)),
    ).toEqual(['gates.exit.shares']);
    expect(() => resolveSyntheticSpec({ exit: { shares: [0.2, 0.3, 0.5] } }, 'f', net)).not.toThrow();
  });

  it('arrival process needs a rate; schema errors carry their path', () => {
    expect(problemPaths(() => resolveSyntheticSpec({ arrival: { process: 'poisson' } }))).toEqual(['arrival.rateHz']);
    expect(problemPaths(() => resolveSyntheticSpec({ correlation: 2 }))).toEqual(['correlation']);
    expect(problemPaths(() => resolveSyntheticSpec({ skip: { prob: 0.5, bogus: 1 } }))).toEqual(['skip']);
  });

  it('generateSamples and the source reject a spec that does not fit the network', () => {
    const spec = resolveSyntheticSpec({ gates: { nope: {} } });
    expect(() => new SyntheticTraceSource(net, spec, 1, 10)).toThrow(DynsimError);
    expect(() => [...generateSamples(net, spec, 1, 1)]).toThrow(/gates\.nope/);
    expect(() => new SyntheticTraceSource(net, resolveSyntheticSpec({}), 1.5, 10)).toThrow(/integer seed/);
  });
});

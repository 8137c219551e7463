/**
 * Synthetic traces: gate decisions drawn from the correlation model of synthetic-spec.ts, for
 * networks that have no recorded trace (and for tests and benchmarks).
 *
 * Per sample, one latent difficulty z ~ N(0,1); per gate u = Phi(sqrt(rho) z + sqrt(1-rho) e)
 * with a fresh e ~ N(0,1), so u ~ U(0,1) for every gate and rho (small u = easy sample). The
 * gate kinds map u to a decision (skip bit, exit index, channel count, mask); MoE routing is
 * per token and independent of z.
 *
 * Determinism: the only RNG is seedrandom. Decisions come from `seedrandom(String(seed))`,
 * arrival times from a separate `seedrandom(`${seed}:arrivals`)`, so turning arrivals on does
 * not change a single decision. Records are built with a fixed key order (i, arrivalNs, d;
 * gates in network order), so equal seeds give byte-identical JSON. Memory is bounded: one
 * record at a time, plus per-gate constants and scratch buffers computed once.
 */
import seedrandom from 'seedrandom';
import { DynsimError, jsonPath, type Problem } from '../util/errors.js';
import { issuesToProblems, validateWith } from '../formats/validate.js';
import {
  TRACE_FORMAT,
  TRACE_VERSION,
  toBitmap,
  toRle,
  type Decision,
  type MaskDecision,
  type MoeDecision,
  type SampleRecord,
  type TraceHeader,
} from '../formats/trace.js';
import { traceGatesOf, type ResolvedNetwork } from '../network/resolve.js';
import type { Gate } from '../formats/network.js';
import { expertCapacity } from '../network/capacity.js';
import type { TraceSource } from './source.js';
import {
  ChannelParams,
  ExitParams,
  MoeParams,
  SkipParams,
  SpatialParams,
  SyntheticSpec,
  TemporalParams,
} from './synthetic-spec.js';

/** Tolerance of the check that exit shares sum to 1. */
const SHARE_SUM_TOLERANCE = 1e-9;

// ---------------------------------------------------------------- normal CDF

/**
 * Standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2, with erf from Abramowitz & Stegun,
 * Handbook of Mathematical Functions, formula 7.1.26 (|error of erf| <= 1.5e-7, so
 * |error of Phi| <= 7.5e-8). The tail is computed directly (no 1 - (1 - q) cancellation for
 * x < 0); the result lies in (0, 1].
 */
export function normalCdf(x: number): number {
  const y = Math.abs(x) * Math.SQRT1_2;
  const t = 1 / (1 + 0.3275911 * y);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const half = 0.5 * poly * Math.exp(-y * y); // = (1 - erf(y)) / 2 = Phi(-|x|)
  return x >= 0 ? 1 - half : half;
}

// ---------------------------------------------------------------- spec resolution

export type SkipParams = ReturnType<typeof SkipParams.parse>;
export type ExitParams = ReturnType<typeof ExitParams.parse>;
export type MoeParams = ReturnType<typeof MoeParams.parse>;
export type ChannelParams = ReturnType<typeof ChannelParams.parse>;
export type SpatialParams = ReturnType<typeof SpatialParams.parse>;
export type TemporalParams = ReturnType<typeof TemporalParams.parse>;

/** The effective parameters of one gate: the spec's kind section with its override merged. */
export type GateParams =
  | { kind: 'skip'; params: SkipParams }
  | { kind: 'exit'; params: ExitParams }
  | { kind: 'moe'; params: MoeParams }
  | { kind: 'channel'; params: ChannelParams }
  | { kind: 'spatial'; params: SpatialParams }
  | { kind: 'temporal'; params: TemporalParams };

function checkShares(
  shares: readonly number[] | undefined,
  exits: number | undefined,
  path: string,
  file: string | undefined,
  problems: Problem[],
): void {
  if (shares === undefined) return;
  if (exits !== undefined && shares.length !== exits + 1)
    problems.push({
      file,
      path,
      message: `expected ${exits + 1} shares (exit indices 0..${exits}, the last = full network), got ${shares.length}`,
    });
  let sum = 0;
  for (const s of shares) sum += s;
  if (Math.abs(sum - 1) > SHARE_SUM_TOLERANCE)
    problems.push({ file, path, message: `expected shares summing to 1, got ${sum}` });
}

/**
 * Validates a synthetic spec (raw JSON) and applies the defaults. Checks beyond the schema:
 * exit shares sum to 1; poisson/uniform arrivals have a rate. With `net`, also checks the
 * spec against the network (see checkSpecAgainstNetwork). Throws DynsimError naming the file
 * and JSON path of every problem.
 */
export function resolveSyntheticSpec(raw: unknown, file?: string, net?: ResolvedNetwork): SyntheticSpec {
  const spec = validateWith(SyntheticSpec, raw, file);
  const problems: Problem[] = [];
  checkShares(spec.exit.shares, undefined, 'exit.shares', file, problems);
  if (spec.arrival.process !== 'none' && spec.arrival.rateHz === undefined)
    problems.push({
      file,
      path: 'arrival.rateHz',
      message: `expected a rate in Hz for arrival process "${spec.arrival.process}", got nothing`,
    });
  if (problems.length) throw new DynsimError('E_SCHEMA', problems);
  if (net) checkSpecAgainstNetwork(spec, net, file);
  return spec;
}

const PARAM_SCHEMAS = {
  skip: SkipParams,
  exit: ExitParams,
  moe: MoeParams,
  channel: ChannelParams,
  spatial: SpatialParams,
  temporal: TemporalParams,
} as const;

/**
 * The effective parameters of every gate of `net` (in network order): the spec's section for
 * the gate's kind, with the gate's entry of `spec.gates` merged over it and validated against
 * the kind's schema. Throws DynsimError for override keys that are not gate ids of the network
 * (E_REFERENCE), invalid override values, or exit shares that do not fit the exit count.
 */
export function gateParamsOf(spec: SyntheticSpec, net: ResolvedNetwork, file?: string): GateParams[] {
  const problems: Problem[] = [];
  let unknownId = false;
  for (const id of Object.keys(spec.gates))
    if (!net.gateById.has(id)) {
      unknownId = true;
      problems.push({
        file,
        path: jsonPath(['gates', id]),
        message: `unknown gate "${id}" (gates of network "${net.spec.id}": ${net.gates.map((g) => g.gate.id).join(', ') || 'none'})`,
      });
    }
  const out: GateParams[] = net.gates.map(({ gate }) => {
    const kind = gate.kind;
    const base = spec[kind] as Record<string, unknown>;
    const override = Object.hasOwn(spec.gates, gate.id) ? spec.gates[gate.id] : undefined;
    const gatePath = jsonPath(['gates', gate.id]);
    let params: Record<string, unknown> = base;
    if (override !== undefined) {
      const merged = { ...base, ...override };
      const r = PARAM_SCHEMAS[kind].safeParse(merged);
      if (r.success) params = r.data as Record<string, unknown>;
      else
        for (const p of issuesToProblems(r.error.issues, merged, file))
          problems.push({ ...p, path: p.path ? `${gatePath}.${p.path}` : gatePath });
    }
    if (gate.kind === 'exit') {
      const fromOverride = override !== undefined && Object.hasOwn(override, 'shares');
      checkShares(
        (params as ExitParams).shares,
        gate.exits.length,
        fromOverride ? `${gatePath}.shares` : 'exit.shares',
        file,
        problems,
      );
    }
    return { kind, params } as GateParams;
  });
  if (problems.length) throw new DynsimError(unknownId ? 'E_REFERENCE' : 'E_SCHEMA', problems);
  return out;
}

/** Checks a resolved spec against a network (override ids, override values, exit shares). */
export function checkSpecAgainstNetwork(spec: SyntheticSpec, net: ResolvedNetwork, file?: string): void {
  gateParamsOf(spec, net, file);
}

// ---------------------------------------------------------------- per-gate plans

type Rng = seedrandom.PRNG;

interface SkipPlan {
  kind: 'skip';
  id: string;
  first: number;
  prob: number;
}
interface ExitPlan {
  kind: 'exit';
  id: string;
  first: number;
  exits: number;
  /** Layer index of each exit point. */
  layers: readonly number[];
  geometric: boolean;
  prob: number;
  /** ln(1 - prob), geometric. */
  logQ: number;
  /** Cumulative shares (budget), last entry Infinity. */
  cum: Float64Array;
}
interface ChannelPlan {
  kind: 'channel';
  id: string;
  first: number;
  channels: number;
  granularity: number;
  mean: number;
  spread: number;
}
interface MaskPlan {
  kind: 'spatial' | 'temporal';
  id: string;
  first: number;
  length: number;
  keep: number;
  spread: number;
  layout: 'clustered' | 'scattered' | 'uniform';
  bitmap: boolean;
  bits: Uint8Array;
  /** Scratch permutation for scattered layouts (any permutation of 0..length-1). */
  perm: Int32Array;
  /** Scratch for clustered layouts. */
  runs: number[];
  gaps: number[];
}
interface MoePlan {
  kind: 'moe';
  id: string;
  first: number;
  experts: number;
  topK: number;
  tokens: number;
  uniform: boolean;
  /** zipf/drift: cumulative popularity by rank (last entry 1). */
  cum: Float64Array;
  /** zipf/drift: expert at each rank (drawn once); uniform: scratch permutation. */
  rankToExpert: Int32Array;
  drift: boolean;
  period: number;
  drops: boolean;
  capacity: number;
  load: Int32Array;
  picks: Int32Array;
  weights: Float64Array;
}
type Plan = SkipPlan | ExitPlan | ChannelPlan | MaskPlan | MoePlan;

/** Uniform draw in [0, 1) (32-bit resolution; seedrandom's fast path). */
function uniform(rng: Rng): number {
  return rng.quick();
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function buildPlan(gate: Gate, layerIdx: readonly number[], gp: GateParams, rng: Rng): Plan {
  const id = gate.id;
  const first = layerIdx[0] ?? -1;
  switch (gate.kind) {
    case 'skip': {
      const p = gp.params as SkipParams;
      return { kind: 'skip', id, first, prob: p.prob };
    }
    case 'exit': {
      const p = gp.params as ExitParams;
      const exits = gate.exits.length;
      const cum = new Float64Array(exits + 1);
      const shares = p.shares ?? new Array<number>(exits + 1).fill(1 / (exits + 1));
      let acc = 0;
      for (let e = 0; e <= exits; e++) {
        acc += shares[e] ?? 0;
        cum[e] = acc;
      }
      cum[exits] = Infinity; // every u lands somewhere, whatever the rounding of the sum
      return {
        kind: 'exit',
        id,
        first,
        exits,
        layers: layerIdx,
        geometric: p.distribution === 'geometric',
        prob: p.prob,
        logQ: Math.log(1 - p.prob),
        cum,
      };
    }
    case 'channel': {
      const p = gp.params as ChannelParams;
      return {
        kind: 'channel',
        id,
        first,
        channels: gate.channels,
        granularity: gate.granularity,
        mean: p.meanRatio,
        spread: p.spread,
      };
    }
    case 'spatial':
    case 'temporal': {
      const p = gp.params as SpatialParams | TemporalParams;
      const length = gate.kind === 'spatial' ? gate.positions : gate.steps;
      return {
        kind: gate.kind,
        id,
        first,
        length,
        keep: p.keepRatio,
        spread: p.spread,
        layout: p.layout,
        bitmap: p.encoding === 'bitmap',
        bits: new Uint8Array(length),
        perm: p.layout === 'scattered' ? identity(length) : new Int32Array(0),
        runs: [],
        gaps: [],
      };
    }
    case 'moe': {
      const p = gp.params as MoeParams;
      const E = gate.experts;
      const uniformRouting = p.routing === 'uniform';
      const cum = new Float64Array(E);
      const rankToExpert = identity(E);
      if (!uniformRouting) {
        let total = 0;
        for (let r = 0; r < E; r++) total += 1 / Math.pow(r + 1, p.zipfS);
        let acc = 0;
        for (let r = 0; r < E; r++) {
          acc += 1 / Math.pow(r + 1, p.zipfS) / total;
          cum[r] = acc;
        }
        cum[E - 1] = 1;
        // the fixed popularity ranking of this gate: a Fisher-Yates shuffle of the experts
        for (let j = E - 1; j > 0; j--) {
          const k = Math.floor(uniform(rng) * (j + 1));
          const t = rankToExpert[j]!;
          rankToExpert[j] = rankToExpert[k]!;
          rankToExpert[k] = t;
        }
      }
      return {
        kind: 'moe',
        id,
        first,
        experts: E,
        topK: gate.topK,
        tokens: gate.tokens,
        uniform: uniformRouting,
        cum,
        rankToExpert,
        drift: p.routing === 'drift',
        period: p.driftPeriodSamples,
        drops: p.capacityDrops,
        capacity: expertCapacity(gate.capacityFactor, gate.tokens, gate.topK, E),
        load: new Int32Array(E),
        picks: new Int32Array(gate.topK),
        weights: new Float64Array(gate.topK),
      };
    }
  }
}

// ---------------------------------------------------------------- samplers

/** Box-Muller normal draws from one stream, the second of each pair kept for the next call. */
function normalSampler(rng: Rng): () => number {
  let spare = 0;
  let hasSpare = false;
  return () => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    const u1 = 1 - uniform(rng); // (0, 1]
    const u2 = uniform(rng);
    const r = Math.sqrt(-2 * Math.log(u1));
    const a = 2 * Math.PI * u2;
    spare = r * Math.sin(a);
    hasSpare = true;
    return r * Math.cos(a);
  };
}

/** Poisson(2) by Knuth's multiplication method. */
const EXP_MINUS_2 = Math.exp(-2);
function poisson2(rng: Rng): number {
  let k = 0;
  let p = uniform(rng);
  while (p > EXP_MINUS_2) {
    k++;
    p *= uniform(rng);
  }
  return k;
}

/**
 * A uniformly random composition of `total` into `parts` positive integers, written to `out`:
 * parts - 1 distinct cut points from 1..total-1 by Floyd's sampling, sorted.
 */
function composition(total: number, parts: number, out: number[], rng: Rng): void {
  out.length = 0;
  const n = total - 1;
  const k = parts - 1;
  for (let j = n - k + 1; j <= n; j++) {
    const t = 1 + Math.floor(uniform(rng) * j);
    out.push(out.includes(t) ? j : t);
  }
  // insertion sort (parts is small)
  for (let a = 1; a < out.length; a++) {
    const v = out[a]!;
    let b = a - 1;
    while (b >= 0 && out[b]! > v) {
      out[b + 1] = out[b]!;
      b--;
    }
    out[b + 1] = v;
  }
  // cut points -> part sizes
  let prev = 0;
  for (let a = 0; a < out.length; a++) {
    const c = out[a]!;
    out[a] = c - prev;
    prev = c;
  }
  out.push(total - prev);
}

/** Fills plan.bits with `active` ones in the plan's layout. */
function fillMask(plan: MaskPlan, active: number, rng: Rng): void {
  const bits = plan.bits;
  const n = plan.length;
  if (active >= n) {
    bits.fill(1);
    return;
  }
  switch (plan.layout) {
    case 'uniform': {
      bits.fill(0);
      for (let k = 0; k < active; k++) bits[Math.floor((k * n) / active)] = 1;
      return;
    }
    case 'scattered': {
      // partial Fisher-Yates over a scratch permutation; pick the smaller of the two sets
      const pickOnes = active <= n - active;
      const m = pickOnes ? active : n - active;
      bits.fill(pickOnes ? 0 : 1);
      const perm = plan.perm;
      for (let j = 0; j < m; j++) {
        const k = j + Math.floor(uniform(rng) * (n - j));
        const t = perm[k]!;
        perm[k] = perm[j]!;
        perm[j] = t;
        bits[t] = pickOnes ? 1 : 0;
      }
      return;
    }
    case 'clustered': {
      // 1 + Poisson(2) runs (at most `active`, and at most inactive + 1 so that runs stay
      // apart), random lengths summing to active, separated by random gaps (inner gaps >= 1)
      const inactive = n - active;
      const runsN = Math.min(1 + poisson2(rng), active, inactive + 1);
      const runs = plan.runs;
      const gaps = plan.gaps;
      composition(active, runsN, runs, rng);
      // gaps g0 >= 0, g1..g(R-1) >= 1, gR >= 0: a composition of inactive + 2 into R + 1 parts
      composition(inactive + 2, runsN + 1, gaps, rng);
      bits.fill(0);
      let pos = gaps[0]! - 1;
      for (let r = 0; r < runsN; r++) {
        const len = runs[r]!;
        bits.fill(1, pos, pos + len);
        pos += len + gaps[r + 1]!;
      }
      return;
    }
  }
}

function maskDecision(plan: MaskPlan, active: number): MaskDecision {
  return plan.bitmap ? { active, bitmap: toBitmap(plan.bits) } : { active, rle: toRle(plan.bits) };
}

/** Rounds to 4 decimals. */
function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * Top-k router weights: softmax of k standard-normal logits, sorted descending, rounded to 4
 * decimals with the largest absorbing the rounding so that they sum to 1 (to float precision).
 */
function routerWeights(plan: MoePlan, normal: () => number): void {
  const w = plan.weights;
  const k = plan.topK;
  if (k === 1) {
    w[0] = 1;
    return;
  }
  let max = -Infinity;
  for (let j = 0; j < k; j++) {
    const l = normal();
    w[j] = l;
    if (l > max) max = l;
  }
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const x = Math.exp(w[j]! - max);
    w[j] = x;
    sum += x;
  }
  for (let j = 0; j < k; j++) w[j] = w[j]! / sum;
  w.sort();
  w.reverse();
  let rest = 0;
  for (let j = 1; j < k; j++) {
    const x = round4(w[j]!);
    w[j] = x;
    rest += x;
  }
  w[0] = round4(1 - rest);
  // the adjustment can undo a tie by 1e-4; restore descending order
  for (let j = 1; j < k && w[j]! > w[j - 1]!; j++) {
    const t = w[j]!;
    w[j] = w[j - 1]!;
    w[j - 1] = t;
  }
}

/** Draws topK distinct experts for one token into plan.picks (first = router's top choice). */
function pickExperts(plan: MoePlan, shift: number, rng: Rng): void {
  const E = plan.experts;
  const k = plan.topK;
  const picks = plan.picks;
  const perm = plan.rankToExpert;
  if (plan.uniform) {
    // partial Fisher-Yates over a scratch permutation of the experts
    for (let j = 0; j < k; j++) {
      const r = j + Math.floor(uniform(rng) * (E - j));
      const t = perm[r]!;
      perm[r] = perm[j]!;
      perm[j] = t;
      picks[j] = t;
    }
    return;
  }
  const cum = plan.cum;
  let pickedMass = 0;
  for (let j = 0; j < k; j++) {
    let rank = -1;
    // sequential sampling without replacement: draw by popularity, redraw duplicates
    for (let tries = 0; tries < 32 && rank < 0; tries++) {
      const u = uniform(rng);
      let lo = 0;
      let hi = E - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (u < cum[mid]!) hi = mid;
        else lo = mid + 1;
      }
      if (!taken(picks, j, lo)) rank = lo;
    }
    if (rank < 0) {
      // exact fallback when most of the mass is already taken: scan the remaining ranks
      let u = uniform(rng) * (1 - pickedMass);
      for (let r = 0; r < E; r++) {
        if (taken(picks, j, r)) continue;
        rank = r;
        u -= cum[r]! - (r > 0 ? cum[r - 1]! : 0);
        if (u < 0) break;
      }
    }
    picks[j] = rank;
    pickedMass += cum[rank]! - (rank > 0 ? cum[rank - 1]! : 0);
  }
  for (let j = 0; j < k; j++) picks[j] = perm[(picks[j]! + shift) % E]!;
}

function taken(picks: Int32Array, n: number, v: number): boolean {
  for (let j = 0; j < n; j++) if (picks[j] === v) return true;
  return false;
}

function moeDecision(plan: MoePlan, sample: number, rng: Rng, normal: () => number): MoeDecision {
  const T = plan.tokens;
  const k = plan.topK;
  const shift = plan.drift ? Math.floor(sample / plan.period) % plan.experts : 0;
  const load = plan.load;
  if (plan.drops) load.fill(0);
  const e: number[][] = new Array<number[]>(T);
  const w: number[][] = new Array<number[]>(T);
  const picks = plan.picks;
  const weights = plan.weights;
  for (let t = 0; t < T; t++) {
    pickExperts(plan, shift, rng);
    if (k === 1) {
      // top-1 (Switch): weight 1, no scratch copies
      const x = picks[0]!;
      if (plan.drops && load[x]! >= plan.capacity) {
        e[t] = [];
        w[t] = [];
      } else {
        if (plan.drops) load[x]!++;
        e[t] = [x];
        w[t] = [1];
      }
      continue;
    }
    routerWeights(plan, normal);
    const et: number[] = [];
    const wt: number[] = [];
    for (let j = 0; j < k; j++) {
      const x = picks[j]!;
      if (plan.drops) {
        if (load[x]! >= plan.capacity) continue; // expert full: the assignment is dropped
        load[x]!++;
      }
      et.push(x);
      wt.push(weights[j]!);
    }
    e[t] = et;
    w[t] = wt;
  }
  return { e, w };
}

// ---------------------------------------------------------------- generator

function checkCounts(seed: number, samples: number): void {
  if (!Number.isSafeInteger(seed))
    throw new DynsimError('E_USAGE', { message: `expected an integer seed, got ${seed}` });
  if (!Number.isSafeInteger(samples) || samples < 0)
    throw new DynsimError('E_USAGE', { message: `expected a sample count >= 0, got ${samples}` });
}

/**
 * Yields `samples` synthetic records for `net`, deterministically from `seed`. The spec must
 * fit the network (overrides are checked here too; errors are DynsimErrors).
 */
export function* generateSamples(
  net: ResolvedNetwork,
  spec: SyntheticSpec,
  seed: number,
  samples: number,
): Generator<SampleRecord> {
  checkCounts(seed, samples);
  const params = gateParamsOf(spec, net);
  const arrival = spec.arrival;
  const rate = arrival.rateHz;
  if (arrival.process !== 'none' && rate === undefined)
    throw new DynsimError('E_SCHEMA', {
      path: 'arrival.rateHz',
      message: `expected a rate in Hz for arrival process "${arrival.process}", got nothing`,
    });

  const rng = seedrandom(String(seed));
  const arrRng = arrival.process === 'poisson' ? seedrandom(`${seed}:arrivals`) : undefined;
  const normal = normalSampler(rng);
  const plans: Plan[] = net.gates.map((g, k) => buildPlan(g.gate, g.layerIdx, params[k]!, rng));
  const exitPlan = plans.find((p): p is ExitPlan => p.kind === 'exit');
  const rho = spec.correlation;
  const sz = Math.sqrt(rho);
  const se = Math.sqrt(1 - rho);
  const nsPerArrival = rate === undefined ? 0 : 1e9 / rate;
  let clock = 0;

  for (let i = 0; i < samples; i++) {
    let arrivalNs: number | undefined;
    if (arrival.process === 'uniform') arrivalNs = Math.round((i * 1e9) / rate!);
    else if (arrRng) {
      if (i > 0) clock += -Math.log(1 - uniform(arrRng)) * nsPerArrival;
      arrivalNs = Math.round(clock);
    }

    const z = normal();
    // the exit is decided first: it determines which later gates the sample meets
    let exitIndex = 0;
    let exitLayer = Infinity;
    if (exitPlan) {
      const u = normalCdf(sz * z + se * normal());
      if (exitPlan.geometric) {
        if (exitPlan.prob >= 1) exitIndex = 0;
        else if (exitPlan.prob <= 0 || u >= 1) exitIndex = exitPlan.exits;
        else exitIndex = Math.min(Math.max(0, Math.floor(Math.log(1 - u) / exitPlan.logQ)), exitPlan.exits);
      } else {
        const cum = exitPlan.cum;
        let e = 0;
        while (!(u < cum[e]!)) e++;
        exitIndex = e;
      }
      if (exitIndex < exitPlan.exits) exitLayer = exitPlan.layers[exitIndex]!;
    }

    const d: Record<string, Decision> = {};
    for (const plan of plans) {
      if (plan.kind === 'exit') {
        d[plan.id] = exitIndex;
        continue;
      }
      if (plan.first > exitLayer) continue; // the sample left the network before this gate
      if (plan.kind === 'moe') {
        d[plan.id] = moeDecision(plan, i, rng, normal);
        continue;
      }
      const u = normalCdf(sz * z + se * normal());
      switch (plan.kind) {
        case 'skip':
          d[plan.id] = u < plan.prob || plan.prob >= 1 ? 1 : 0;
          break;
        case 'channel': {
          const share = Math.min(1, Math.max(0, plan.mean + plan.spread * (2 * u - 1)));
          const g = plan.granularity;
          d[plan.id] = Math.max(g, Math.round((share * plan.channels) / g) * g);
          break;
        }
        case 'spatial':
        case 'temporal': {
          const n = plan.length;
          const active = Math.min(n, Math.max(1, Math.round((plan.keep + plan.spread * (2 * u - 1)) * n)));
          fillMask(plan, active, rng);
          d[plan.id] = maskDecision(plan, active);
          break;
        }
      }
    }
    yield arrivalNs === undefined ? { i, d } : { i, arrivalNs, d };
  }
}

// ---------------------------------------------------------------- trace source

/** A synthetic trace as a TraceSource: same seed, same header and records, byte for byte. */
export class SyntheticTraceSource implements TraceSource {
  readonly header: TraceHeader;
  readonly origin = 'synthetic';

  constructor(
    readonly net: ResolvedNetwork,
    readonly spec: SyntheticSpec,
    readonly seed: number,
    readonly count: number,
  ) {
    checkCounts(seed, count);
    checkSpecAgainstNetwork(spec, net);
    this.header = {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      network: net.spec.id,
      gates: traceGatesOf(net),
      seed,
      samples: count,
      provenance: { generator: 'dynsim synthetic', spec },
    };
  }

  /** The records, synchronously (avoids async-iteration overhead in hot loops). */
  syncSamples(): Generator<SampleRecord> {
    return generateSamples(this.net, this.spec, this.seed, this.count);
  }

  async *samples(): AsyncGenerator<SampleRecord> {
    for (const rec of generateSamples(this.net, this.spec, this.seed, this.count)) yield rec;
  }

  async *chunks(): AsyncGenerator<SampleRecord[]> {
    let chunk: SampleRecord[] = [];
    for (const rec of generateSamples(this.net, this.spec, this.seed, this.count)) {
      chunk.push(rec);
      if (chunk.length === 1024) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length) yield chunk;
  }
}

/**
 * Trace format (`dynsim-trace`, version 1): JSON Lines, plain or gzip. Line 1 is the header
 * (network id, the gates with their dimensions, seed, provenance); every further line is one
 * sample: optional arrival time and the decision of each gate the sample met.
 * The header is checked with a zod schema; sample records are checked by hand-written code
 * because the reader runs it millions of times (see docs/trace-format.md for the encoding).
 */
import * as z from 'zod';
import { DynsimError } from '../util/errors.js';

export const TRACE_FORMAT = 'dynsim-trace';
export const TRACE_VERSION = 1;

const id = z.string().min(1);
const count = z.number().int().min(1);

/** The gate list of a header: kind plus the dimensions needed to check decisions. */
export const TraceGate = z.discriminatedUnion('kind', [
  z.strictObject({ id, kind: z.literal('skip') }),
  z.strictObject({ id, kind: z.literal('exit'), exits: count.describe('Early-exit points.') }),
  z.strictObject({
    id,
    kind: z.literal('moe'),
    experts: z.number().int().min(2),
    topK: count,
    tokens: count,
  }),
  z.strictObject({ id, kind: z.literal('channel'), channels: count, granularity: count }),
  z.strictObject({ id, kind: z.literal('spatial'), positions: count }),
  z.strictObject({ id, kind: z.literal('temporal'), steps: count }),
]);
export type TraceGate = z.infer<typeof TraceGate>;

export const TraceHeader = z.strictObject({
  format: z.literal(TRACE_FORMAT),
  version: z.literal(TRACE_VERSION),
  network: id.describe('Id of the network the decisions belong to.'),
  gates: z.array(TraceGate),
  seed: z.number().int().nullable().describe('Seed of a synthetic trace; null if recorded.'),
  samples: z.number().int().min(0).optional().describe('Number of sample records, if known.'),
  provenance: z
    .record(z.string(), z.unknown())
    .describe('How the trace was made: generator, its version and parameters, or the recording.'),
});
export type TraceHeader = z.infer<typeof TraceHeader>;

/** Active/inactive layout of a spatial or temporal mask. */
export interface MaskDecision {
  /** Active mask elements (positions or steps). */
  active: number;
  /** Run lengths over the mask, alternating inactive, active, inactive, ... (first may be 0). */
  rle?: number[];
  /** Base64 bitmap, bit i = byte[i >> 3] >> (7 - (i & 7)) & 1 (MSB first); 1 = active. */
  bitmap?: string;
}

/** Expert choices of every token of a sample at one MoE gate. */
export interface MoeDecision {
  /** Per token, the expert ids it was routed to (empty: token dropped by capacity). */
  e: number[][];
  /** Per token, the router weights of those experts (same shape as `e`). */
  w?: number[][];
}

/** Decision of one gate for one sample; which variant depends on the gate kind. */
export type Decision = number | MoeDecision | MaskDecision;

export interface SampleRecord {
  /** Sample index (0-based, in trace order). */
  i: number;
  /** Arrival time of the sample (ns from the start of the trace), if recorded. */
  arrivalNs?: number;
  /** Decision per gate id, for the gates this sample met. Read-only: records with the same
   * decisions may share one (frozen) object. */
  d: Readonly<Record<string, Decision>>;
}

// ---------------------------------------------------------------- mask helpers

/** Expands a mask decision to a 0/1 array of `length` elements. */
export function maskBits(m: MaskDecision, length: number): Uint8Array {
  const bits = new Uint8Array(length);
  if (m.rle) {
    let pos = 0;
    let on = false;
    for (const run of m.rle) {
      if (on) bits.fill(1, pos, pos + run);
      pos += run;
      on = !on;
    }
  } else if (m.bitmap !== undefined) {
    const bytes = Buffer.from(m.bitmap, 'base64');
    for (let i = 0; i < length; i++) bits[i] = ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
  }
  return bits;
}

/** Run-length encoding of a 0/1 array (alternating inactive, active, ..., first may be 0). */
export function toRle(bits: ArrayLike<number>): number[] {
  const runs: number[] = [];
  let cur = 0;
  let len = 0;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i] ? 1 : 0;
    if (b === cur) len++;
    else {
      runs.push(len);
      cur = b;
      len = 1;
    }
  }
  runs.push(len);
  return runs;
}

/** Base64 bitmap of a 0/1 array, MSB first. */
export function toBitmap(bits: ArrayLike<number>): string {
  const bytes = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i]) bytes[i >> 3]! |= 0x80 >> (i & 7);
  return Buffer.from(bytes).toString('base64');
}

// ---------------------------------------------------------------- record checking

const isInt = Number.isInteger;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks one parsed sample record against its header and returns it typed.
 * `gates` maps gate id to its header entry. Throws DynsimError('E_TRACE') naming the line.
 */
export function checkSample(
  raw: unknown,
  gates: ReadonlyMap<string, TraceGate>,
  file: string | undefined,
  line: number,
  ordinal: number,
): SampleRecord {
  const fail = (path: string, message: string): never => {
    throw new DynsimError('E_TRACE', { file, line, path, message });
  };
  if (!isPlainObject(raw)) return fail('', `expected a sample object, got ${typeof raw}`);
  let i = ordinal;
  let arrivalNs: number | undefined;
  let d: unknown;
  for (const key in raw) {
    const v = raw[key];
    if (key === 'i') {
      if (typeof v !== 'number' || !isInt(v) || v < 0)
        fail('i', `expected a non-negative integer, got ${JSON.stringify(v)}`);
      i = v as number;
    } else if (key === 'arrivalNs') {
      if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
        fail('arrivalNs', `expected a finite number >= 0, got ${JSON.stringify(v)}`);
      arrivalNs = v as number;
    } else if (key === 'd') d = v;
    else fail(key, `unknown key "${key}" (allowed: i, arrivalNs, d)`);
  }
  if (d === undefined) d = {};
  if (!isPlainObject(d)) return fail('d', 'expected an object of decisions keyed by gate id');
  for (const gid in d) {
    const gate = gates.get(gid);
    if (!gate) {
      fail(`d.${gid}`, `unknown gate "${gid}" (header gates: ${[...gates.keys()].join(', ')})`);
      continue;
    }
    checkDecision(gate, d[gid], `d.${gid}`, fail);
  }
  const rec: SampleRecord = { i, d: d as Record<string, Decision> };
  if (arrivalNs !== undefined) rec.arrivalNs = arrivalNs;
  return rec;
}

function checkDecision(
  gate: TraceGate,
  v: unknown,
  path: string,
  fail: (path: string, message: string) => never,
): void {
  const got = () => JSON.stringify(v)?.slice(0, 60) ?? String(v);
  switch (gate.kind) {
    case 'skip':
      if (v !== 0 && v !== 1) fail(path, `expected skip bit 0 (run) or 1 (skip), got ${got()}`);
      return;
    case 'exit':
      if (typeof v !== 'number' || !isInt(v) || v < 0 || v > gate.exits)
        fail(path, `expected an exit index 0..${gate.exits}, got ${got()}`);
      return;
    case 'channel':
      if (typeof v !== 'number' || !isInt(v) || v < 0 || v > gate.channels)
        fail(path, `expected an active channel count 0..${gate.channels}, got ${got()}`);
      if ((v as number) % gate.granularity !== 0)
        fail(path, `expected a multiple of granularity ${gate.granularity}, got ${got()}`);
      return;
    case 'spatial':
      checkMask(v, gate.positions, 'positions', path, fail);
      return;
    case 'temporal':
      checkMask(v, gate.steps, 'steps', path, fail);
      return;
    case 'moe':
      checkMoe(gate, v, path, fail);
      return;
  }
}

function checkMask(
  v: unknown,
  length: number,
  unit: string,
  path: string,
  fail: (path: string, message: string) => never,
): void {
  if (!isPlainObject(v)) {
    fail(path, `expected a mask {"active": n, "rle": [...]} or {"active": n, "bitmap": "..."}`);
    return;
  }
  const active = v.active;
  if (typeof active !== 'number' || !isInt(active) || active < 0 || active > length)
    fail(`${path}.active`, `expected an active count 0..${length} ${unit}, got ${JSON.stringify(active)}`);
  for (const k in v)
    if (k !== 'active' && k !== 'rle' && k !== 'bitmap')
      fail(`${path}.${k}`, `unknown key "${k}" (allowed: active, rle, bitmap)`);
  if (v.rle !== undefined && v.bitmap !== undefined)
    fail(path, 'expected either rle or bitmap, got both');
  if (v.rle !== undefined) {
    const rle = v.rle;
    if (!Array.isArray(rle)) return fail(`${path}.rle`, 'expected an array of run lengths');
    let total = 0;
    let on = 0;
    for (let k = 0; k < rle.length; k++) {
      const r = rle[k];
      if (typeof r !== 'number' || !isInt(r) || r < 0)
        fail(`${path}.rle[${k}]`, `expected a run length >= 0, got ${JSON.stringify(r)}`);
      total += r as number;
      if (k & 1) on += r as number;
    }
    if (total !== length)
      fail(`${path}.rle`, `expected runs summing to ${length} ${unit}, got ${total}`);
    if (on !== active)
      fail(`${path}.rle`, `expected ${String(active)} active ${unit} (the active count), got ${on}`);
  } else if (v.bitmap !== undefined) {
    if (typeof v.bitmap !== 'string') return fail(`${path}.bitmap`, 'expected a base64 string');
    const bytes = Buffer.from(v.bitmap, 'base64');
    if (bytes.length !== Math.ceil(length / 8))
      fail(`${path}.bitmap`, `expected ${Math.ceil(length / 8)} bytes for ${length} ${unit}, got ${bytes.length}`);
    let on = 0;
    for (let i = 0; i < length; i++) on += ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
    if (on !== active)
      fail(`${path}.bitmap`, `expected ${String(active)} set bits (the active count), got ${on}`);
  }
}

function checkMoe(
  gate: Extract<TraceGate, { kind: 'moe' }>,
  v: unknown,
  path: string,
  fail: (path: string, message: string) => never,
): void {
  if (!isPlainObject(v)) {
    fail(path, 'expected {"e": [[expert ids] per token], "w": [[weights] per token]}');
    return;
  }
  for (const k in v)
    if (k !== 'e' && k !== 'w') fail(`${path}.${k}`, `unknown key "${k}" (allowed: e, w)`);
  const e = v.e;
  if (!Array.isArray(e) || e.length !== gate.tokens)
    fail(`${path}.e`, `expected one expert list per token (${gate.tokens}), got ${Array.isArray(e) ? e.length : typeof e}`);
  const w = v.w;
  if (w !== undefined && (!Array.isArray(w) || w.length !== gate.tokens))
    fail(`${path}.w`, `expected one weight list per token (${gate.tokens})`);
  const ids = e as unknown[];
  for (let t = 0; t < ids.length; t++) {
    const list = ids[t];
    if (!Array.isArray(list) || list.length > gate.topK)
      fail(`${path}.e[${t}]`, `expected at most topK = ${gate.topK} expert ids, got ${JSON.stringify(list)}`);
    const arr = list as unknown[];
    for (let j = 0; j < arr.length; j++) {
      const x = arr[j];
      if (typeof x !== 'number' || !isInt(x) || x < 0 || x >= gate.experts)
        fail(`${path}.e[${t}][${j}]`, `expected an expert id 0..${gate.experts - 1}, got ${JSON.stringify(x)}`);
    }
    if (w !== undefined) {
      const wl = (w as unknown[])[t];
      if (!Array.isArray(wl) || wl.length !== arr.length)
        fail(`${path}.w[${t}]`, `expected ${arr.length} weights (one per expert id), got ${JSON.stringify(wl)}`);
      for (const x of wl as unknown[])
        if (typeof x !== 'number' || !Number.isFinite(x))
          fail(`${path}.w[${t}]`, `expected finite numbers, got ${JSON.stringify(x)}`);
    }
  }
}

/**
 * Fast path of the trace reader for the record shape dynsim writes itself:
 * `{"i":N,"d":{"<gate>":n,...}}`, optionally with `"arrivalNs":T` after `i`, no whitespace,
 * every decision a small integer (skip, exit and channel gates). It reads the line's bytes in
 * place, without decoding or JSON.parse, and returns a record equal to the one the slow path
 * (JSON.parse + checkSample) would (records with the same decisions share one frozen decision
 * object). Anything else, valid or not (other key orders, escapes,
 * whitespace, decimals, masks or MoE decisions, duplicate keys, a value out of range), returns
 * undefined and the caller takes the slow path, so messages and edge cases stay checkSample's.
 */
import type { Decision, SampleRecord, TraceGate } from '../formats/trace.js';

/** Parses the line `buf[start, end)`; undefined means "use the slow path". */
export type FastSampleParser = (buf: Uint8Array, start: number, end: number) => SampleRecord | undefined;

const QUOTE = 34;
const COMMA = 44;
const ZERO = 48;
const NINE = 57;
const CLOSE = 125;
/** Integers the fast path reads itself stay below 2^53, so n * 10 + digit is exact. */
const MAX_DIGITS = 15;

const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const RECORD_START = literal('{"i":');
const ARRIVAL = literal(',"arrivalNs":');
const DECISIONS = literal(',"d":{');

/** Largest valid integer decision of a gate and the step it must be a multiple of (max -1:
 * decisions are not integers, e.g. MoE or masks, always the slow path). */
function decisionRange(g: TraceGate): { max: number; step: number } {
  switch (g.kind) {
    case 'skip':
      return { max: 1, step: 1 };
    case 'exit':
      return { max: g.exits, step: 1 };
    case 'channel':
      return { max: g.channels, step: g.granularity };
    default:
      return { max: -1, step: 1 };
  }
}

/**
 * A gate id the fast path can match as raw bytes: printable ASCII without quote or backslash
 * reads back from JSON unchanged, and assigning it to an object creates an own property.
 */
function plainId(id: string): boolean {
  if (id === '__proto__') return false;
  for (let k = 0; k < id.length; k++) {
    const c = id.charCodeAt(k);
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === 92) return false;
  }
  return true;
}

/** A byte string to compare against, as little-endian 32-bit words and the bytes left over. */
interface Literal {
  length: number;
  words: Int32Array;
  bytes: Uint8Array;
}

function literal(s: string): Literal {
  const b = bytesOf(s);
  const words = new Int32Array(b.length >> 2);
  const view = new DataView(b.buffer);
  for (let k = 0; k < words.length; k++) words[k] = view.getInt32(4 * k, true);
  return { length: b.length, words, bytes: b };
}

/** True if the bytes at `p` are `lit` (four at a time: this comparison is the hot loop). A
 * literal never holds a line break, so a match never runs past the line. */
function at(view: DataView, buf: Uint8Array, p: number, lit: Literal): boolean {
  if (p + lit.length > buf.length) return false;
  const w = lit.words;
  let k = 0;
  for (; k < w.length; k++) if (view.getInt32(p + 4 * k, true) !== w[k]) return false;
  const b = lit.bytes;
  for (let j = 4 * k; j < b.length; j++) if (buf[p + j] !== b[j]) return false;
  return true;
}

/**
 * The usual rest of a line after `i` (and `arrivalNs`): `,"d":{"g0":D,"g1":D,...}}` with every
 * gate in header order and one digit D each, as bytes with the digits masked out, compared a
 * 32-bit word at a time. Undefined when a gate cannot take the fast path (or so many gates
 * that their digits no longer fit a double exactly).
 */
interface Template {
  length: number;
  /** Whole words and their masks (0 over the digits), then the bytes left over. */
  words: Int32Array;
  masks: Int32Array;
  bytes: Uint8Array;
  byteMasks: Uint8Array;
  /** Offset of each gate's digit. */
  holes: Int32Array;
}

function templateOf(keys: readonly Uint8Array[], max: readonly number[]): Template | undefined {
  if (keys.length === 0 || keys.length > MAX_DIGITS || max.some((m) => m < 0)) return undefined;
  const parts: number[] = [...DECISIONS.bytes];
  const holes: number[] = [];
  keys.forEach((k, g) => {
    if (g > 0) parts.push(COMMA);
    parts.push(...k);
    holes.push(parts.length);
    parts.push(ZERO);
  });
  parts.push(CLOSE, CLOSE);
  const bytes = Uint8Array.from(parts);
  const byteMasks = bytes.map((_, j) => (holes.includes(j) ? 0 : 0xff));
  for (let j = 0; j < bytes.length; j++) bytes[j]! &= byteMasks[j]!;
  const view = new DataView(bytes.buffer);
  const maskView = new DataView(byteMasks.buffer);
  const words = new Int32Array(bytes.length >> 2);
  const masks = new Int32Array(words.length);
  for (let k = 0; k < words.length; k++) {
    words[k] = view.getInt32(4 * k, true);
    masks[k] = maskView.getInt32(4 * k, true);
  }
  return { length: bytes.length, words, masks, bytes, byteMasks, holes: Int32Array.from(holes) };
}

/** Builds the fast parser for a header's gates. State (below) is per parser, never shared. */
export function fastSampleParser(gates: readonly TraceGate[]): FastSampleParser {
  const n = gates.length;
  const ids = gates.map((g) => g.id);
  // the quoted key and its colon, as bytes
  const keys = ids.map((id) => literal(`"${id}":`));
  const max = gates.map((g) => (plainId(g.id) ? decisionRange(g).max : -1));
  const step = gates.map((g) => decisionRange(g).step);
  // a record with every gate in header order (the usual case) is a copy of this template,
  // which gives it the same keys in the same order as JSON.parse would, at a lower cost
  const template: Record<string, Decision> = {};
  for (const id of ids) template[id] = 0;
  const shapes = templateOf(keys.map((k) => k.bytes), max);
  // records of the template shape, by their digits (shared, frozen decision objects)
  const byDigits = new Map<number, Readonly<Record<string, Decision>>>();
  // per gate, the record that last set it: a duplicate key goes to the slow path
  const seen = new Float64Array(n).fill(-1);
  const values = new Array<number>(n).fill(0);
  const order = new Int32Array(n);
  let recordNo = 0;
  // set by readUint
  let value = 0;

  /** Reads an unsigned JSON integer at `p` into `value`; returns its end, or -1 (not plain
   * digits followed by `,` or `}`: a fraction or exponent such as 1.0 is left to JSON.parse). */
  const readUint = (buf: Uint8Array, p: number, end: number): number => {
    const first = p < end ? buf[p]! : -1;
    if (first < ZERO || first > NINE) return -1;
    let v = first - ZERO;
    let q = p + 1;
    if (first !== ZERO) {
      while (q < end) {
        const c = buf[q]!;
        if (c < ZERO || c > NINE) break;
        v = v * 10 + (c - ZERO);
        q++;
      }
      if (q - p > MAX_DIGITS) return -1;
    }
    if (q >= end) return -1;
    const c = buf[q];
    if (c !== COMMA && c !== CLOSE) return -1;
    value = v;
    return q;
  };

  /** The decisions of a line in the template shape (every gate in header order, one digit
   * each, all valid), or undefined (the general path decides). */
  const templateRecord = (view: DataView, buf: Uint8Array, p: number, t: Template): Readonly<Record<string, Decision>> | undefined => {
    const w = t.words;
    const mask = t.masks;
    let k = 0;
    for (; k < w.length; k++) if ((view.getInt32(p + 4 * k, true) & mask[k]!) !== w[k]) return undefined;
    for (let j = 4 * k; j < t.length; j++) if ((buf[p + j]! & t.byteMasks[j]!) !== t.bytes[j]) return undefined;
    let digits = 0;
    let scale = 1;
    for (let g = 0; g < n; g++) {
      const v = buf[p + t.holes[g]!]! - ZERO;
      if (v < 0 || v > 9 || v > max[g]! || v % step[g]! !== 0) return undefined;
      values[g] = v;
      digits += v * scale;
      scale *= 10;
    }
    const known = byDigits.get(digits);
    if (known !== undefined) return known;
    const d = { ...template };
    for (let g = 0; g < n; g++) d[ids[g]!] = values[g]!;
    if (byDigits.size >= 4096) return d;
    // records with the same decisions share one frozen object (read-only, as every record's
    // decisions are): no copy per line, and per-pattern work can be cached on it (skipShares)
    Object.freeze(d);
    byDigits.set(digits, d);
    return d;
  };

  // a view on the current read chunk, for the word compares
  let viewOf: Uint8Array | undefined;
  let view: DataView = new DataView(new ArrayBuffer(0));

  return (buf, start, end) => {
    if (buf !== viewOf) {
      view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      viewOf = buf;
    }
    if (!at(view, buf, start, RECORD_START)) return undefined;
    let p = readUint(buf, start + RECORD_START.length, end);
    if (p < 0) return undefined;
    const i = value;
    let arrivalNs: number | undefined;
    if (at(view, buf, p, ARRIVAL)) {
      p = readUint(buf, p + ARRIVAL.length, end);
      if (p < 0) return undefined;
      arrivalNs = value;
    }
    if (shapes !== undefined && end - p === shapes.length) {
      const d = templateRecord(view, buf, p, shapes);
      if (d !== undefined) {
        const out: SampleRecord = { i, d };
        if (arrivalNs !== undefined) out.arrivalNs = arrivalNs;
        return out;
      }
    }
    if (!at(view, buf, p, DECISIONS)) return undefined;
    p += DECISIONS.length;
    const rec = ++recordNo;
    let count = 0;
    let inOrder = true;
    if (p < end && buf[p] !== CLOSE) {
      for (;;) {
        if (p >= end || buf[p] !== QUOTE) return undefined;
        // gates usually come in header order: try the next one first
        const next = count < n && inOrder ? count : 0;
        let g = -1;
        if (next < n && at(view, buf, p, keys[next]!)) g = next;
        else
          for (let k = 0; k < n; k++)
            if (at(view, buf, p, keys[k]!)) {
              g = k;
              break;
            }
        if (g < 0 || max[g]! < 0 || seen[g] === rec) return undefined;
        seen[g] = rec;
        p = readUint(buf, p + keys[g]!.length, end);
        if (p < 0 || value > max[g]! || value % step[g]! !== 0) return undefined;
        if (g !== count) inOrder = false;
        values[g] = value;
        order[count++] = g;
        if (buf[p] === CLOSE) break;
        p++; // the comma
      }
    }
    // the closing braces of d and of the record end the line
    if (p + 2 !== end || buf[p] !== CLOSE || buf[p + 1] !== CLOSE) return undefined;
    let d: Record<string, Decision>;
    if (inOrder && count === n) {
      d = { ...template };
      for (let g = 0; g < n; g++) d[ids[g]!] = values[g]!;
    } else {
      d = {};
      for (let k = 0; k < count; k++) d[ids[order[k]!]!] = values[order[k]!]!;
    }
    const out: SampleRecord = { i, d };
    if (arrivalNs !== undefined) out.arrivalNs = arrivalNs;
    return out;
  };
}

/**
 * The trace reader's fast path (src/trace/fast-sample.ts) must accept exactly what the slow
 * path (JSON.parse + checkSample) accepts, give the same record (keys in the same order), and
 * leave everything else to the slow path, so errors keep their messages.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import seedrandom from 'seedrandom';
import { fastSampleParser } from '../src/trace/fast-sample.js';
import { JsonlTraceSource, readLines } from '../src/trace/jsonl-reader.js';
import { checkSample, type SampleRecord, type TraceGate, type TraceHeader } from '../src/formats/trace.js';
import { parseJson } from '../src/formats/validate.js';
import { DynsimError } from '../src/util/errors.js';
import { tmpDir } from './helpers/fixtures.js';

const gates: TraceGate[] = [
  { id: 'a', kind: 'skip' },
  { id: 'skip.layer2.0', kind: 'skip' },
  { id: 'ex', kind: 'exit', exits: 3 },
  { id: 'ch', kind: 'channel', channels: 64, granularity: 8 },
  { id: 'sp', kind: 'spatial', positions: 4 },
  { id: '7', kind: 'skip' }, // an integer-like id: listed first by JSON.parse's objects
  { id: 'q"x', kind: 'skip' }, // needs an escape in JSON: always the slow path
];
const byId = new Map(gates.map((g) => [g.id, g]));

/** The slow path's outcome: the record, or the error message. */
function slow(line: string): SampleRecord | string {
  try {
    return checkSample(parseJson(line, 't.jsonl', 2), byId, 't.jsonl', 2, 0);
  } catch (e) {
    if (e instanceof DynsimError) return e.message;
    throw e;
  }
}

/** Records compared with their key order. */
const shape = (r: SampleRecord) => JSON.stringify(r);

function check(fast: ReturnType<typeof fastSampleParser>, line: string): boolean {
  const bytes = Buffer.from(`${line}\n`, 'utf8');
  const got = fast(bytes, 0, bytes.length - 1);
  const want = slow(line);
  if (got === undefined) return false;
  expect(typeof want, line).toBe('object');
  expect(shape(got), line).toBe(shape(want as SampleRecord));
  expect(got, line).toEqual(want);
  return true;
}

// every gate plain and integer-valued: lines with one digit per gate in header order take the
// template compare first
const plainGates: TraceGate[] = [
  { id: '7', kind: 'skip' },
  { id: 'a', kind: 'skip' },
  { id: 'ex', kind: 'exit', exits: 3 },
  { id: 'ch', kind: 'channel', channels: 8, granularity: 2 },
];

describe('fast sample parser, template shape', () => {
  const fast = fastSampleParser(plainGates);
  const check2 = (line: string) => {
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    const got = fast(bytes, 0, bytes.length - 1);
    const want = (() => {
      try {
        return checkSample(parseJson(line, 't', 2), new Map(plainGates.map((g) => [g.id, g])), 't', 2, 0);
      } catch (e) {
        if (e instanceof DynsimError) return e.message;
        throw e;
      }
    })();
    if (got === undefined) return false;
    expect(typeof want, line).toBe('object');
    expect(shape(got), line).toBe(shape(want as SampleRecord));
    return true;
  };

  it('accepts valid lines, in and out of the template shape, and declines invalid ones', () => {
    for (const l of ['{"i":1,"d":{"7":1,"a":0,"ex":3,"ch":8}}', '{"i":2,"arrivalNs":5,"d":{"7":0,"a":1,"ex":0,"ch":0}}', '{"i":3,"d":{"7":0,"a":1,"ex":0}}', '{"i":3,"d":{"a":1,"7":0,"ex":0,"ch":6}}'])
      expect(check2(l), l).toBe(true);
    for (const l of ['{"i":1,"d":{"7":1,"a":0,"ex":4,"ch":8}}', '{"i":1,"d":{"7":1,"a":0,"ex":3,"ch":7}}', '{"i":1,"d":{"7":2,"a":0,"ex":3,"ch":8}}', '{"i":1,"d":{"7":1,"a":0,"ex":3,"ch":-}}', '{"i":1,"d":{"7":1,"a":0,"ex":3,"ch":8}]', '{"i":1,"d":{"7":1,"a":0,"ex":3,"cx":8}}'])
      expect(check2(l), l).toBe(false);
  });

  it('records with the same decisions share one frozen decision object: read-only, never changed by a caller', () => {
    const line = Buffer.from('{"i":1,"d":{"7":1,"a":0,"ex":3,"ch":8}}');
    const a = fast(line, 0, line.length)!;
    const b = fast(line, 0, line.length)!;
    expect(a).not.toBe(b); // each record is its own object ...
    expect(a.d).toBe(b.d); // ... with the pattern's one decision object
    expect(Object.isFrozen(a.d)).toBe(true);
    expect(() => {
      (a.d as Record<string, number>).a = 5;
    }).toThrow(TypeError);
    expect(fast(line, 0, line.length)!.d).toEqual({ 7: 1, a: 0, ex: 3, ch: 8 });
  });

  it('accepts or declines random edits exactly as the slow path', () => {
    const rng = seedrandom('template');
    const alphabet = ['0', '1', '2', '3', '4', '6', '8', '9', '"', ',', '}', 'a', '7', ' '];
    let accepted = 0;
    for (let n = 0; n < 20_000; n++) {
      let line = n % 2 ? '{"i":10,"d":{"7":1,"a":0,"ex":2,"ch":4}}' : '{"i":10,"arrivalNs":77,"d":{"7":0,"a":1,"ex":3,"ch":0}}';
      const base = line;
      const at = Math.floor(rng() * line.length);
      line = line.slice(0, at) + alphabet[Math.floor(rng() * alphabet.length)]! + line.slice(at + 1);
      if (check2(line) && line !== base) accepted++;
    }
    expect(accepted).toBeGreaterThan(500);
  });
});

describe('fast sample parser', () => {
  const fast = fastSampleParser(gates);

  it('reads the shape dynsim writes, as JSON.parse + checkSample would', () => {
    const lines = [
      '{"i":0,"d":{"a":0,"skip.layer2.0":1,"ex":3,"ch":64,"7":1}}',
      '{"i":12345,"arrivalNs":987654321,"d":{"a":1,"skip.layer2.0":0,"ex":0,"ch":0,"7":0}}',
      '{"i":7,"d":{"ex":2,"a":1}}',
      '{"i":8,"d":{}}',
      '{"i":9,"d":{"7":1,"a":0}}',
      '{"i":999999999999999,"d":{"a":1}}',
    ];
    for (const l of lines) expect(check(fast, l), l).toBe(true);
  });

  it('leaves everything unusual to the slow path', () => {
    const lines = [
      '{"i":0,"d":{"a":2}}', // out of range
      '{"i":0,"d":{"ch":12}}', // not a multiple of the granularity
      '{"i":0,"d":{"ch":72}}',
      '{"i":0,"d":{"ex":4}}',
      '{"i":0,"d":{"zz":1}}', // unknown gate
      '{"i":0,"d":{"a":1,"a":0}}', // duplicate key
      '{"i":01,"d":{}}', // leading zero: not JSON
      '{"i":1.0,"d":{"a":1}}', // valid JSON, an integer, but not plain digits
      '{"i":1e0,"d":{"a":1}}',
      '{"i":-0,"d":{"a":1}}',
      '{"i":1,"d":{"a":1e0}}',
      '{"i":1,"d":{"a":1.0}}',
      '{"i":1,"d":{"a":1}} ',
      ' {"i":1,"d":{"a":1}}',
      '{"i":1, "d":{"a":1}}',
      '{"i":1,"d":{"a":1},"x":1}',
      '{"i":1,"d":{"a":1}}}',
      '{"i":1,"d":{"a":1}',
      '{"i":1,"d":{"a":1,}}',
      '{"i":1,"d":{"a"',
      '{"i":1,"d":{"sp":{"active":1}}}', // a mask decision
      '{"i":1,"d":{"q\\"x":1}}', // an escaped id
      '{"i":1,"d":{"\\u0061":1}}', // an escaped plain id
      '{"d":{"a":1},"i":1}', // other key order
      '{"i":1,"d":{"a":1},"arrivalNs":5}',
      '{"i":1,"arrivalNs":5.5,"d":{"a":1}}',
      '{"i":1,"arrivalNs":1e400,"d":{}}',
      '{"i":1234567890123456,"d":{"a":1}}', // 16 digits: JSON.parse rounds
      '{"i":1}',
      '{"i":1,"d":null}',
      '{"i":null,"d":{}}',
      '[1]',
      '',
    ];
    for (const l of lines) expect(check(fast, l), l).toBe(false);
  });

  it('accepts or declines random edits of good lines exactly as the slow path', () => {
    const rng = seedrandom('fast-sample');
    const base = [
      '{"i":10,"arrivalNs":200,"d":{"a":0,"skip.layer2.0":1,"ex":2,"ch":16,"7":0}}',
      '{"i":3,"d":{"7":1,"ex":0}}',
    ];
    const alphabet = ['3', '4', '8', '0', '1', '2', '9', '"', ',', ':', '{', '}', ' ', '.', 'e', '-', 'a', '7', 'd', 'i', '\\', 'x'];
    let accepted = 0;
    for (let n = 0; n < 40_000; n++) {
      let line = base[n % base.length]!;
      const edits = Math.floor(rng() * 3);
      for (let k = edits; k > 0; k--) {
        const at = Math.floor(rng() * (line.length + 1));
        const ch = alphabet[Math.floor(rng() * alphabet.length)]!;
        const op = rng();
        line = op < 0.4 ? line.slice(0, at) + ch + line.slice(at + 1) : op < 0.7 ? line.slice(0, at) + ch + line.slice(at) : line.slice(0, at) + line.slice(at + 1);
      }
      const want = slow(line);
      const bytes = Buffer.from(`${line}\n`);
      const got = fast(bytes, 0, bytes.length - 1);
      if (got === undefined) continue;
      if (edits > 0 && line !== base[n % base.length]) accepted++;
      expect(typeof want, line).toBe('object');
      expect(shape(got), line).toBe(shape(want as SampleRecord));
    }
    // edits that keep the line valid (a digit for a digit, mostly) take the fast path too
    expect(accepted).toBeGreaterThan(200);
  });
});

describe('JSONL reader with the fast path', () => {
  const header: TraceHeader = { format: 'dynsim-trace', version: 1, network: 'x', gates, seed: null, provenance: {} };

  /** The records as the line reader + JSON.parse + checkSample give them (the slow path alone). */
  async function reference(path: string): Promise<SampleRecord[] | string> {
    const out: SampleRecord[] = [];
    try {
      let first = true;
      for await (const [line, text] of readLines(path)) {
        if (first) {
          first = false;
          continue;
        }
        out.push(checkSample(parseJson(text, path, line), byId, path, line, out.length));
      }
    } catch (e) {
      if (e instanceof DynsimError) return e.message;
      throw e;
    }
    return out;
  }

  async function viaChunks(path: string): Promise<SampleRecord[] | string> {
    const out: SampleRecord[] = [];
    try {
      const src = await JsonlTraceSource.open(path);
      for await (const c of src.chunks()) out.push(...c);
    } catch (e) {
      if (e instanceof DynsimError) return e.message;
      throw e;
    }
    return out;
  }

  const same = async (path: string) => {
    const a = await viaChunks(path);
    const b = await reference(path);
    expect(typeof a === 'string' ? a : a.map(shape)).toEqual(typeof b === 'string' ? b : b.map(shape));
    return a;
  };

  it('gives the slow path records across chunk boundaries, CRLF, blank lines, a last line without newline, gzip', async () => {
    const rng = seedrandom('reader');
    const lines = [JSON.stringify(header)];
    for (let i = 0; i < 30_000; i++) {
      const r = rng();
      // lines longer than the reader's buffer (valid: JSON allows trailing whitespace)
      if (i === 100 || i === 20_000) lines.push(`{"i":${i},"d":{"a":1}}${' '.repeat(2_500_000)}`);
      if (r < 0.05) lines.push('');
      else if (r < 0.1) lines.push(`{"i": ${i}, "d": {"a": 1, "sp": {"active": 2}}}`); // slow path, valid
      else if (r < 0.12) lines.push('   ');
      else lines.push(`{"i":${i}${r < 0.5 ? `,"arrivalNs":${i * 10}` : ''},"d":{"a":${i & 1},"skip.layer2.0":1,"ex":${i % 4},"7":0}}`);
    }
    const dir = tmpDir();
    for (const [name, text] of [
      ['lf.jsonl', lines.join('\n') + '\n'],
      ['crlf.jsonl', lines.join('\r\n')],
      ['tail.jsonl', lines.join('\n') + '\n\n   '],
    ] as const) {
      const p = join(dir, name);
      writeFileSync(p, text);
      const recs = await same(p);
      expect(typeof recs === 'string' ? recs : recs.length).toBeGreaterThan(25_000);
      const gz = join(dir, `${name}.gz`);
      writeFileSync(gz, gzipSync(Buffer.from(text)));
      await same(gz);
    }
  });

  it('reports bad lines as the slow path does, line numbers included', async () => {
    const dir = tmpDir();
    const good = (i: number) => `{"i":${i},"d":{"a":1}}`;
    const bad = ['{"i":5,"d":{"a":2}}', '{"i":5,"d":{"zz":1}}', '{"i":5,', '{"i":5,"d":{"a":1}}x', '\u00e9{"i":5}'];
    for (const [k, b] of bad.entries()) {
      const p = join(dir, `bad${k}.jsonl`);
      const body = Array.from({ length: 30_000 }, (_, i) => good(i));
      body.splice(20_000 + k, 0, b);
      writeFileSync(p, [JSON.stringify(header), ...body].join('\n') + '\n');
      const msg = await same(p);
      expect(typeof msg).toBe('string');
      expect(msg).toContain(`:${20_002 + k}`);
    }
  });

  it('decodes lines with invalid UTF-8 as the string reader does', async () => {
    const p = join(tmpDir(), 'utf8.jsonl');
    const parts = [Buffer.from(JSON.stringify(header) + '\n'), Buffer.from('{"i":0,"d":{"a":1}}\n')];
    parts.push(Buffer.from([0x7b, 0x22, 0x69, 0xe2, 0x82, 0x0a])); // a cut sequence before the line break
    parts.push(Buffer.from('{"i":1,"d":{"a":1}}\n'));
    writeFileSync(p, Buffer.concat(parts));
    const msg = await same(p);
    expect(msg).toMatch(/utf8\.jsonl:3: not valid JSON/);
  });
});

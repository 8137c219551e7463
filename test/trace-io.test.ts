import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { JsonlTraceSource } from '../src/trace/jsonl-reader.js';
import { JsonlTraceWriter } from '../src/trace/jsonl-writer.js';
import { maskBits, toBitmap, toRle, type SampleRecord, type TraceHeader } from '../src/formats/trace.js';
import { traceGatesOf } from '../src/network/resolve.js';
import { checkTraceMatchesNetwork } from '../src/trace/compat.js';
import { DynsimError } from '../src/util/errors.js';
import { tmpDir, toyNetwork } from './helpers/fixtures.js';

function header(): TraceHeader {
  return {
    format: 'dynsim-trace',
    version: 1,
    network: 'toy',
    gates: traceGatesOf(toyNetwork()),
    seed: null,
    provenance: { recorder: 'hand-written test' },
  };
}

const good: SampleRecord = {
  i: 0,
  arrivalNs: 10,
  d: {
    sk: 1,
    ex: 1,
    moe: { e: [[0, 1], [2], [], [3, 0]], w: [[0.6, 0.4], [1], [], [0.5, 0.5]] },
    ch: 4,
    sp: { active: 3, rle: [2, 3, 11] },
    tm: { active: 2, bitmap: toBitmap([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]) },
  },
};

async function readAll(path: string): Promise<SampleRecord[]> {
  const src = await JsonlTraceSource.open(path);
  const out: SampleRecord[] = [];
  for await (const r of src.samples()) out.push(r);
  return out;
}

function writeTrace(lines: unknown[], name = 't.jsonl'): string {
  const p = join(tmpDir(), name);
  writeFileSync(p, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return p;
}

async function traceError(path: string): Promise<string> {
  try {
    await readAll(path);
  } catch (e) {
    if (e instanceof DynsimError) return e.message;
    throw e;
  }
  throw new Error('expected an error');
}

describe('mask encodings', () => {
  it('rle and bitmap round-trip, MSB first', () => {
    const bits = [0, 0, 1, 1, 1, 0, 1, 0, 0, 1];
    expect(toRle(bits)).toEqual([2, 3, 1, 1, 2, 1]);
    expect(toRle([1, 1, 0])).toEqual([0, 2, 1]);
    expect(Array.from(maskBits({ active: 5, rle: toRle(bits) }, 10))).toEqual(bits);
    // 0011 1010 | 01xx xxxx -> 0x3a 0x40
    expect(Buffer.from(toBitmap(bits), 'base64')).toEqual(Buffer.from([0x3a, 0x40]));
    expect(Array.from(maskBits({ active: 5, bitmap: toBitmap(bits) }, 10))).toEqual(bits);
  });
});

describe('JSONL trace reader and writer', () => {
  it('round-trips records through plain and gzip files', async () => {
    const dir = tmpDir();
    for (const name of ['a.jsonl', 'a.jsonl.gz']) {
      const p = join(dir, name);
      const w = JsonlTraceWriter.create(p, header());
      await w.write(good);
      await w.write({ i: 1, d: { sk: 0, ex: 0 } });
      await w.close();
      const src = await JsonlTraceSource.open(p);
      expect(src.header).toEqual(header());
      expect(await readAll(p)).toEqual([good, { i: 1, d: { sk: 0, ex: 0 } }]);
    }
    // gzip is detected from the bytes, not the name
    expect(readFileSync(join(dir, 'a.jsonl.gz'))[0]).toBe(0x1f);
    const renamed = join(dir, 'gz-without-suffix.jsonl');
    writeFileSync(renamed, readFileSync(join(dir, 'a.jsonl.gz')));
    expect((await readAll(renamed)).length).toBe(2);
  });

  it('same records give byte-identical files, gzip included', async () => {
    const dir = tmpDir();
    const bytes: Buffer[] = [];
    for (const n of ['x.jsonl.gz', 'y.jsonl.gz']) {
      const w = JsonlTraceWriter.create(join(dir, n), header());
      for (let i = 0; i < 100; i++) await w.write({ ...good, i });
      await w.close();
      bytes.push(readFileSync(join(dir, n)));
    }
    expect(bytes[0]!.equals(bytes[1]!)).toBe(true);
  });

  it('streams a trace larger than many read chunks, with CRLF and blank lines', async () => {
    const lines = [header(), ...Array.from({ length: 5000 }, (_, i) => ({ ...good, i }))];
    const p = join(tmpDir(), 'big.jsonl');
    writeFileSync(p, lines.map((l) => JSON.stringify(l)).join('\r\n') + '\r\n\r\n');
    const recs = await readAll(p);
    expect(recs.length).toBe(5000);
    expect(recs[4999]!.i).toBe(4999);
  });

  it('abort leaves no file behind and no temp file', async () => {
    const dir = tmpDir();
    const w = JsonlTraceWriter.create(join(dir, 'gone.jsonl'), header());
    await w.write(good);
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('checks header against the network', () => {
    const h = { ...header(), gates: header().gates.slice(1) };
    expect(() => checkTraceMatchesNetwork(h, toyNetwork(), 't.jsonl')).toThrow(
      /t\.jsonl:1: gates\[0\]: expected \{"id":"sk","kind":"skip"\} \(from toy\.json\), got \{"id":"ex","kind":"exit","exits":1\}/,
    );
  });
});

describe('bad traces name the file, line and field', () => {
  const h = header();
  const cases: [string, unknown[], RegExp][] = [
    ['empty file', [''], /t\.jsonl: empty trace: expected a header record on line 1/],
    ['not JSON', [h, '{"i":0,'], /t\.jsonl:2: not valid JSON/],
    ['bad header', [{ ...h, format: 'trace' }], /t\.jsonl:1: format: expected "dynsim-trace", got "trace"/],
    ['header seed not an integer', [{ ...h, seed: 1.5 }], /t\.jsonl:1: seed: expected an integer, got 1\.5/],
    ['header unknown gate kind', [{ ...h, gates: [{ id: 'x', kind: 'dropout' }] }], /t\.jsonl:1: gates\[0\]\.kind: expected "skip" \| "exit" \| "moe" \| "channel" \| "spatial" \| "temporal", got "dropout"/],
    ['unknown gate id', [h, { i: 0, d: { zz: 1 } }], /t\.jsonl:2: d\.zz: unknown gate "zz"/],
    ['unknown record key', [h, { i: 0, d: {}, extra: 1 }], /t\.jsonl:2: extra: unknown key "extra"/],
    ['skip not a bit', [h, { d: { sk: 2 } }], /t\.jsonl:2: d\.sk: expected skip bit 0 \(run\) or 1 \(skip\), got 2/],
    ['exit out of range', [h, { d: { ex: 2 } }], /t\.jsonl:2: d\.ex: expected an exit index 0\.\.1, got 2/],
    ['channel not a multiple', [h, { d: { ch: 3 } }], /d\.ch: expected a multiple of granularity 2, got 3/],
    ['channel too many', [h, { d: { ch: 10 } }], /d\.ch: expected an active channel count 0\.\.8, got 10/],
    ['moe wrong token count', [h, { d: { moe: { e: [[0]] } } }], /d\.moe\.e: expected one expert list per token \(4\), got 1/],
    ['moe expert id', [h, { d: { moe: { e: [[0], [9], [], []] } } }], /d\.moe\.e\[1\]\[0\]: expected an expert id 0\.\.3, got 9/],
    ['moe more than topK', [h, { d: { moe: { e: [[0, 1, 2], [], [], []] } } }], /d\.moe\.e\[0\]: expected at most topK = 2 expert ids/],
    ['moe weights shape', [h, { d: { moe: { e: [[0], [], [], []], w: [[0.5, 0.5], [], [], []] } } }], /d\.moe\.w\[0\]: expected 1 weights/],
    ['rle wrong total', [h, { d: { sp: { active: 3, rle: [2, 3, 10] } } }], /d\.sp\.rle: expected runs summing to 16 positions, got 15/],
    ['rle wrong count', [h, { d: { sp: { active: 4, rle: [2, 3, 11] } } }], /d\.sp\.rle: expected 4 active positions \(the active count\), got 3/],
    ['bitmap wrong size', [h, { d: { tm: { active: 1, bitmap: 'AAAA' } } }], /d\.tm\.bitmap: expected 2 bytes for 10 steps, got 3/],
    ['mask count too big', [h, { d: { tm: { active: 11 } } }], /d\.tm\.active: expected an active count 0\.\.10 steps, got 11/],
    ['negative arrival', [h, { arrivalNs: -1, d: {} }], /t\.jsonl:3?2?: arrivalNs: expected a finite number >= 0, got -1/],
    // a cut (or concatenated) file whose header states the count
    ['fewer records than the header says', [{ ...h, samples: 3 }, good, good], /t\.jsonl:1: samples: expected 3 sample records \(the header's count\), got 2/],
    ['more records than the header says', [{ ...h, samples: 1 }, good, good], /t\.jsonl:1: samples: expected 1 sample records \(the header's count\), got 2/],
  ];
  for (const [name, lines, re] of cases)
    it(name, async () => {
      expect(await traceError(writeTrace(lines))).toMatch(re);
    });

  it('corrupt gzip is an E_PARSE error naming the file', async () => {
    const p = join(tmpDir(), 'bad.jsonl.gz');
    const gz = gzipSync(Buffer.from(JSON.stringify(header()) + '\n' + JSON.stringify(good) + '\n'));
    writeFileSync(p, gz.subarray(0, gz.length - 12)); // truncated stream
    const msg = await traceError(p);
    expect(msg).toMatch(/bad\.jsonl\.gz.*(corrupt gzip data|unexpected end)/);
  });

  it('missing file', async () => {
    expect(await traceError('/nonexistent/t.jsonl')).toBe('/nonexistent/t.jsonl: cannot read: no such file');
    expect(existsSync('/nonexistent')).toBe(false);
  });
});

/**
 * Streaming reader of JSON Lines traces, plain or gzip (detected from the first two bytes,
 * 0x1f 0x8b, never from the file name). Memory is bounded by one read chunk plus one line.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { DynsimError } from '../util/errors.js';
import {
  TraceHeader,
  checkSample,
  type SampleRecord,
  type TraceGate,
} from '../formats/trace.js';
import { parseJson, validateWith } from '../formats/validate.js';
import type { TraceSource } from './source.js';
import { fastSampleParser } from './fast-sample.js';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** True if the file starts with the gzip magic bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(path, 'r');
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === GZIP_MAGIC_0 && buf[1] === GZIP_MAGIC_1;
  } catch (err) {
    throw new DynsimError('E_IO', {
      file: path,
      message: `cannot read: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err)}`,
    });
  } finally {
    await fh?.close();
  }
}

/** Non-empty lines of one read chunk, with the line number of each. */
export interface LineBatch {
  numbers: number[];
  lines: string[];
}

/** Yields the lines of a file a read chunk at a time (fewer async steps than per line). */
export async function* readLineBatches(path: string): AsyncGenerator<LineBatch> {
  const gz = await isGzipFile(path);
  // zlib is loaded for gzip traces only (before the stream exists: no await between its creation and its error handler)
  const zlib = gz ? await import('node:zlib') : undefined;
  const raw = createReadStream(path, { highWaterMark: 1 << 16 });
  const stream: Readable = zlib ? raw.pipe(zlib.createGunzip()) : raw;
  if (gz) raw.on('error', (e) => stream.destroy(e));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lineNo = 0;
  const clean = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);
  try {
    for await (const chunk of stream) {
      const text = rest + decoder.write(chunk as Buffer);
      const batch: LineBatch = { numbers: [], lines: [] };
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf('\n', start)) !== -1) {
        lineNo++;
        const line = clean(text.slice(start, nl));
        start = nl + 1;
        if (line.trim() !== '') {
          batch.numbers.push(lineNo);
          batch.lines.push(line);
        }
      }
      rest = text.slice(start);
      if (batch.lines.length) yield batch;
    }
  } catch (err) {
    if (err instanceof DynsimError) throw err;
    throw readError(err, path, lineNo, gz);
  } finally {
    stream.destroy();
    raw.destroy();
  }
  rest += decoder.end();
  if (rest.trim() !== '') yield { numbers: [lineNo + 1], lines: [clean(rest)] };
}

/** Yields [lineNumber, text] for each non-empty line, decompressing if needed. */
export async function* readLines(path: string): AsyncGenerator<[number, string]> {
  for await (const b of readLineBatches(path)) for (let k = 0; k < b.lines.length; k++) yield [b.numbers[k]!, b.lines[k]!];
}

/**
 * The bytes of a file, gunzipped if `gz`, in pieces `buf[0, length)` that end just after a line
 * break, except the file's last. A piece is valid until the next is asked for: plain files are
 * read into one buffer (1 MiB, larger only for a longer line), without a stream's per-chunk
 * allocations, the next read running while the caller parses.
 */
async function* linePieces(path: string, gz: boolean): AsyncGenerator<{ buf: Buffer; length: number }> {
  if (gz) {
    const { createGunzip } = await import('node:zlib'); // for gzip traces only
    const raw = createReadStream(path);
    const stream = raw.pipe(createGunzip({ chunkSize: 1 << 18 }));
    raw.on('error', (e) => stream.destroy(e));
    let rest: Buffer | undefined;
    try {
      for await (const chunk of stream) {
        const buf = rest === undefined ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer]);
        const cut = buf.lastIndexOf(10) + 1;
        rest = cut < buf.length ? buf.subarray(cut) : undefined;
        if (cut > 0) yield { buf, length: cut };
      }
    } finally {
      stream.destroy();
      raw.destroy();
    }
    if (rest !== undefined) yield { buf: rest, length: rest.length };
    return;
  }
  const fh = await fs.open(path, 'r');
  const size = 1 << 20;
  // the next read runs (in libuv's thread pool) while the caller parses the current piece
  const ahead = Buffer.allocUnsafe(size);
  let pending: Promise<{ bytesRead: number }> | undefined = fh.read(ahead, 0, size, null);
  try {
    let buf = Buffer.allocUnsafe(size);
    let have = 0;
    for (;;) {
      const { bytesRead } = await pending!;
      pending = undefined;
      if (bytesRead === 0) break;
      if (have + bytesRead > buf.length) {
        const bigger = Buffer.allocUnsafe(2 * Math.max(buf.length, have + bytesRead));
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      ahead.copy(buf, have, 0, bytesRead);
      have += bytesRead;
      pending = fh.read(ahead, 0, size, null);
      const cut = buf.lastIndexOf(10, have - 1) + 1;
      if (cut === 0) continue;
      yield { buf, length: cut };
      buf.copyWithin(0, cut, have);
      have -= cut;
    }
    if (have > 0) yield { buf, length: have };
  } finally {
    await pending?.catch(() => undefined);
    await fh.close();
  }
}

/** A recorded trace file; `samples()` re-reads the file on each call. */
export class JsonlTraceSource implements TraceSource {
  readonly origin: string;
  private readonly gates: ReadonlyMap<string, TraceGate>;

  private constructor(
    readonly path: string,
    readonly header: TraceHeader,
  ) {
    this.origin = path;
    this.gates = new Map(header.gates.map((g) => [g.id, g]));
  }

  /** Opens a trace and reads and checks its header. */
  static async open(path: string): Promise<JsonlTraceSource> {
    let header: TraceHeader | undefined;
    for await (const [line, text] of readLines(path)) {
      const raw = parseJson(text, path, line);
      if (line !== 1)
        throw new DynsimError('E_PARSE', { file: path, line, message: 'expected the header on line 1' });
      header = validateWith(TraceHeader, raw, path, line);
      break;
    }
    if (!header)
      throw new DynsimError('E_PARSE', {
        file: path,
        message: 'empty trace: expected a header record on line 1',
      });
    const seen = new Set<string>();
    header.gates.forEach((g, k) => {
      if (seen.has(g.id))
        throw new DynsimError('E_SCHEMA', {
          file: path,
          line: 1,
          path: `gates[${k}].id`,
          message: `duplicate gate id "${g.id}"`,
        });
      seen.add(g.id);
    });
    return new JsonlTraceSource(path, header);
  }

  async *samples(): AsyncGenerator<SampleRecord> {
    for await (const chunk of this.chunks()) yield* chunk;
  }

  /**
   * The sample records, one array per read chunk. Works on bytes: lines in dynsim's own
   * shape take the fast parser (no decoding, no JSON.parse); any other line is decoded and
   * checked as readLineBatches + checkSample would (a line break byte never occurs inside a
   * UTF-8 sequence, so decoding line by line gives the same text as decoding the stream).
   */
  async *chunks(): AsyncGenerator<SampleRecord[]> {
    const path = this.path;
    const gz = await isGzipFile(path);
    const fast = fastSampleParser(this.header.gates);
    let ordinal = 0;
    let first = true;
    let lineNo = 0;
    const scan = (buf: Buffer, length: number): SampleRecord[] => {
      const out: SampleRecord[] = [];
      let start = 0;
      while (start < length) {
        let nl = buf.indexOf(10, start);
        if (nl === -1 || nl >= length) nl = length;
        lineNo++;
        const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
        // the header (the first non-empty line) is never in the fast path's shape
        const rec = first ? undefined : fast(buf, start, end);
        if (rec !== undefined) {
          out.push(rec);
          ordinal++;
        } else {
          const line = buf.toString('utf8', start, end);
          if (line.trim() !== '') {
            if (first) first = false;
            else out.push(checkSample(parseJson(line, path, lineNo), this.gates, path, lineNo, ordinal++));
          }
        }
        start = nl + 1;
      }
      return out;
    };
    try {
      for await (const piece of linePieces(path, gz)) {
        const out = scan(piece.buf, piece.length);
        if (out.length) yield out;
      }
    } catch (err) {
      if (err instanceof DynsimError) throw err;
      throw readError(err, path, lineNo, gz);
    }
    // a header that states its count makes a cut or concatenated file an error, not a short run
    const count = this.header.samples;
    if (count !== undefined && count !== ordinal)
      throw new DynsimError('E_TRACE', {
        file: path,
        line: 1,
        path: 'samples',
        message: `expected ${count} sample records (the header's count), got ${ordinal}`,
      });
  }
}

/** A failure while reading a trace (not one of ours): where, and whether the gzip data or the read failed. */
function readError(err: unknown, path: string, lineNo: number, gz: boolean): DynsimError {
  return new DynsimError('E_PARSE', {
    file: path,
    line: lineNo + 1,
    message: `${gz ? 'corrupt gzip data' : 'read failed'}: ${err instanceof Error ? err.message : String(err)}`,
  });
}

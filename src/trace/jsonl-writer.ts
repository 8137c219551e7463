/**
 * Streaming writer of JSON Lines traces; gzip when the target ends in `.gz`. Output goes to a
 * temporary file that is renamed onto the target only by `close()`, so an aborted write
 * leaves nothing behind. Key order is fixed by construction, so equal inputs give equal bytes
 * (gzip output is deterministic too: Node's zlib writes mtime 0).
 */
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';
import { once } from 'node:events';
import { DynsimError } from '../util/errors.js';
import { tempPathFor } from '../util/atomic.js';
import type { SampleRecord, TraceHeader } from '../formats/trace.js';

const FLUSH_BYTES = 1 << 16;

export class JsonlTraceWriter {
  private buffer = '';
  private closed = false;
  private failure: Error | undefined;

  private constructor(
    readonly target: string,
    private readonly tmp: string,
    private readonly file: WriteStream,
    private readonly sink: WriteStream | Gzip,
  ) {
    const onError = (e: Error) => {
      this.failure ??= e;
    };
    file.on('error', onError);
    sink.on('error', onError);
  }

  static create(target: string, header: TraceHeader): JsonlTraceWriter {
    const tmp = tempPathFor(target);
    const file = createWriteStream(tmp);
    const gzip = target.endsWith('.gz') ? createGzip({ level: 6 }) : undefined;
    if (gzip) gzip.pipe(file);
    const w = new JsonlTraceWriter(target, tmp, file, gzip ?? file);
    w.buffer = `${JSON.stringify(header)}\n`;
    return w;
  }

  /** Appends one sample; awaits only when the buffer is flushed and the stream is full. */
  async write(rec: SampleRecord): Promise<void> {
    this.buffer += `${JSON.stringify(rec)}\n`;
    if (this.buffer.length >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    this.check();
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.sink.write(chunk)) await once(this.sink, 'drain');
  }

  private check(): void {
    if (this.failure)
      throw new DynsimError('E_IO', { file: this.target, message: `write failed: ${this.failure.message}` });
  }

  /** Finishes the file and renames it onto the target. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.buffer) await this.flush();
      this.sink.end();
      if (!this.file.closed) await once(this.file, 'close');
      this.check();
      await fs.rename(this.tmp, this.target);
    } catch (err) {
      await fs.rm(this.tmp, { force: true });
      if (err instanceof DynsimError) throw err;
      throw new DynsimError('E_IO', { file: this.target, message: `cannot write: ${String(err)}` });
    }
  }

  /** Discards everything written; the target is not touched. */
  async abort(): Promise<void> {
    this.closed = true;
    this.sink.destroy();
    this.file.destroy();
    await fs.rm(this.tmp, { force: true });
  }
}

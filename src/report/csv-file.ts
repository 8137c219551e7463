/**
 * A text file written line by line (bounded memory) to a temporary name and renamed onto the
 * target by `close()`, so a failed run leaves no partial file.
 */
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { DynsimError } from '../util/errors.js';
import { tempPathFor } from '../util/atomic.js';
import { csvLine } from './csv.js';

export class CsvFile {
  private buffer = '';
  /** The stream's first error (a failed write, or a write pending when abort destroyed it):
   * kept here, so that no 'error' event goes unhandled. */
  private error: Error | undefined;
  private constructor(
    readonly target: string,
    private readonly tmp: string,
    private readonly out: WriteStream,
  ) {
    out.on('error', (err: Error) => {
      this.error ??= err;
    });
  }

  /** Resolves once the stream has closed (at once if it has), whatever error it had. */
  private async closed(): Promise<void> {
    if (this.out.closed) return;
    await new Promise<void>((resolve) => this.out.once('close', resolve));
  }

  static async create(target: string, header: readonly string[]): Promise<CsvFile> {
    const tmp = tempPathFor(target);
    const out = createWriteStream(tmp);
    await once(out, 'open').catch((err: Error) => {
      throw new DynsimError('E_IO', { file: target, message: `cannot write: ${err.message}` });
    });
    const f = new CsvFile(target, tmp, out);
    f.append(csvLine(header));
    return f;
  }

  /** Appends text (whole lines); flushes in 64 KiB pieces. */
  append(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= 1 << 16) {
      this.out.write(this.buffer);
      this.buffer = '';
    }
  }

  async close(): Promise<void> {
    await fs.rename(await this.finish(), this.target);
  }

  /** Writes the rest and closes the stream; returns the complete temporary file, for the
   * caller to rename (with other outputs: OutputBatch.adopt). */
  async finish(): Promise<string> {
    this.out.end(this.buffer);
    this.buffer = '';
    await this.closed();
    if (this.error) {
      await fs.rm(this.tmp, { force: true });
      throw new DynsimError('E_IO', { file: this.target, message: `cannot write: ${this.error.message}` });
    }
    return this.tmp;
  }

  /** Drops the file: the stream is destroyed (pending writes dropped) and the temporary removed. */
  async abort(): Promise<void> {
    this.out.destroy();
    await this.closed();
    await fs.rm(this.tmp, { force: true });
  }
}

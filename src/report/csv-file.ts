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
  private constructor(
    readonly target: string,
    private readonly tmp: string,
    private readonly out: WriteStream,
  ) {}

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
    this.out.end(this.buffer);
    this.buffer = '';
    await once(this.out, 'close');
    await fs.rename(this.tmp, this.target);
  }

  async abort(): Promise<void> {
    this.out.destroy();
    await fs.rm(this.tmp, { force: true });
  }
}

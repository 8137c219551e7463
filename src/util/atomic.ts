/**
 * Atomic output: write to a temporary file beside the target, then rename, so a failed or
 * interrupted run never leaves a partial file under the requested name.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DynsimError } from './errors.js';

let tempSerial = 0;

/** Temporary path beside `target` (same directory, so rename is atomic); unique within the
 * process (a serial number) and across processes (the pid). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.${(tempSerial++).toString(36)}.tmp`);
}

/** Writes `data` to `target` atomically. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new DynsimError('E_IO', {
      file: target,
      message: `cannot write: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
}

/**
 * Output files that appear together or not at all: each is written to a temporary beside its
 * target, and only when every one is written are they renamed onto their targets (a failure
 * while writing removes the temporaries, so a failed run leaves none of them, old files
 * untouched). The renames themselves are one by one: one failing after others (rare, the
 * targets were checked by checkWritable) leaves the earlier ones in place.
 */
export class OutputBatch {
  private readonly staged: { tmp: string; target: string }[] = [];

  /** Writes `data` to a temporary for `target` (removing every staged file if it fails). */
  async add(target: string, data: string | Uint8Array): Promise<void> {
    const tmp = tempPathFor(target);
    try {
      await fs.writeFile(tmp, data);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      await this.abort();
      throw new DynsimError('E_IO', { file: target, message: `cannot write: ${err instanceof Error ? err.message : String(err)}` });
    }
    this.staged.push({ tmp, target });
  }

  /** A temporary already written by someone else (a streamed file), renamed with the rest. */
  adopt(tmp: string, target: string): void {
    this.staged.push({ tmp, target });
  }

  async commit(): Promise<void> {
    for (let k = 0; k < this.staged.length; k++) {
      const { tmp, target } = this.staged[k]!;
      try {
        await fs.rename(tmp, target);
      } catch (err) {
        for (const s of this.staged.slice(k)) await fs.rm(s.tmp, { force: true });
        this.staged.length = 0;
        throw new DynsimError('E_IO', { file: target, message: `cannot write: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    this.staged.length = 0;
  }

  async abort(): Promise<void> {
    for (const s of this.staged) await fs.rm(s.tmp, { force: true });
    this.staged.length = 0;
  }
}

/**
 * Checks, before any work, that every output can be written: its directory exists and is
 * writable, and the target is not a directory. A long run then does not fail at the end.
 */
export async function checkWritable(targets: readonly string[]): Promise<void> {
  const seen = new Set<string>();
  for (const target of targets) {
    if (target === '') throw new DynsimError('E_USAGE', { message: 'expected an output file name, got an empty one' });
    // two outputs to one file: one would silently replace the other
    const abs = resolve(target);
    if (seen.has(abs)) throw new DynsimError('E_USAGE', { file: target, message: 'named by two outputs: give each output its own file' });
    seen.add(abs);
    const dir = dirname(target);
    const fail = (why: string) => new DynsimError('E_IO', { file: target, message: `cannot write: ${why}` });
    const d = await fs.stat(dir).catch(() => undefined);
    if (!d) throw fail(`no such directory ${dir}`);
    if (!d.isDirectory()) throw fail(`${dir} is not a directory`);
    await fs.access(dir, fsConstants.W_OK).catch(() => {
      throw fail(`directory ${dir} is not writable`);
    });
    const t = await fs.stat(target).catch(() => undefined);
    if (t?.isDirectory()) throw fail('it is a directory');
  }
}

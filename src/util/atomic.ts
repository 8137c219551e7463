/**
 * Atomic output: write to a temporary file beside the target, then rename, so a failed or
 * interrupted run never leaves a partial file under the requested name.
 */
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DynsimError } from './errors.js';

/** Temporary path beside `target` (same directory, so rename is atomic). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
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

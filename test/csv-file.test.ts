import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvFile } from '../src/report/csv-file.js';
import { tmpDir } from './helpers/fixtures.js';

describe('CsvFile (temporary file renamed on close)', () => {
  it('close writes every line and leaves only the target', async () => {
    const dir = tmpDir();
    const f = await CsvFile.create(join(dir, 'a.csv'), ['x', 'y']);
    for (let i = 0; i < 20000; i++) f.append(`${i},${2 * i}\n`); // several 64 KiB flushes
    await f.close();
    expect(readdirSync(dir)).toEqual(['a.csv']);
    const lines = readFileSync(join(dir, 'a.csv'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(20001);
    expect(lines[20000]).toBe('19999,39998');
  });

  it('abort with a write still pending leaves no file and raises no stream error', async () => {
    const dir = tmpDir();
    const f = await CsvFile.create(join(dir, 'b.csv'), ['x']);
    f.append('1\n'.repeat(1 << 16)); // a 128 KiB write handed to the stream, not yet done
    await f.abort();
    await new Promise((r) => setTimeout(r, 20)); // an unhandled 'error' event would fail the run here
    expect(readdirSync(dir)).toEqual([]);
  });
});

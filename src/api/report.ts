/** `report`: a result file (from `run -o` or `compare -o`) to a self-contained HTML page. */
import { DynsimError, describeValue } from '../util/errors.js';
import { readJsonFile } from '../formats/load.js';
import { validateWith } from '../formats/validate.js';
import { CompareResultDoc, RunResultDoc } from '../formats/result.js';
import { writeFileAtomic } from '../util/atomic.js';
import { renderReport } from '../report/html.js';

const REPORTABLE = ['dynsim-result', 'dynsim-compare'];

export async function writeReportFromFile(resultFile: string, out: string): Promise<void> {
  const raw = readJsonFile(resultFile) as { format?: unknown } | null;
  const expected = `${REPORTABLE.map((f) => JSON.stringify(f)).join(' | ')} (a file written by run -o or compare -o)`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new DynsimError('E_SCHEMA', { file: resultFile, message: `expected a JSON object with "format": ${expected}, got ${describeValue(raw)}` });
  const format = raw.format;
  if (typeof format !== 'string' || !REPORTABLE.includes(format))
    throw new DynsimError('E_SCHEMA', {
      file: resultFile,
      path: 'format',
      message: `expected ${expected}, got ${JSON.stringify(format) ?? 'nothing'}`,
    });
  // every field the report renders, located, before anything is written
  validateWith(format === 'dynsim-result' ? RunResultDoc : CompareResultDoc, raw, resultFile);
  await writeFileAtomic(out, renderReport(raw));
}

/**
 * Reading measurement-case files: a single case (`dynsim-case`) or a case set (`dynsim-cases`).
 * Every problem is located (file, JSON path); case ids must be unique over all files given.
 */
import { isAbsolute, join, dirname } from 'node:path';
import { DynsimError, describeValue, type Problem } from '../util/errors.js';
import { readJsonFile } from '../formats/load.js';
import { validateWith } from '../formats/validate.js';
import { CaseSet, MeasurementCase } from '../formats/measurement.js';

export interface LoadedCase {
  case: MeasurementCase;
  file: string;
  /** JSON path of the case inside its file ('' for a single-case file). */
  path: string;
}

/** Reads one case file (single case or set). */
export function readCaseFile(file: string): LoadedCase[] {
  const raw = readJsonFile(file);
  const format = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).format : undefined;
  if (format === 'dynsim-case') return [{ case: validateWith(MeasurementCase, raw, file), file, path: '' }];
  if (format === 'dynsim-cases') return validateWith(CaseSet, raw, file).cases.map((c, i) => ({ case: c, file, path: `cases[${i}]` }));
  throw new DynsimError('E_SCHEMA', {
    file,
    path: Array.isArray(raw) || raw === null || typeof raw !== 'object' ? undefined : 'format',
    message:
      Array.isArray(raw) || raw === null || typeof raw !== 'object'
        ? `expected a measurement case or case set object, got ${describeValue(raw)}`
        : `expected "dynsim-case" | "dynsim-cases", got ${describeValue(format)}`,
  });
}

/** Reads every file; case ids must be unique across them. */
export function loadCases(files: readonly string[]): LoadedCase[] {
  if (files.length === 0) throw new DynsimError('E_USAGE', { message: 'expected at least one case file, got none' });
  const all = files.flatMap(readCaseFile);
  const seen = new Map<string, LoadedCase>();
  const problems: Problem[] = [];
  for (const c of all) {
    const prev = seen.get(c.case.id);
    if (prev)
      problems.push({
        file: c.file,
        path: `${c.path ? `${c.path}.` : ''}id`,
        message: `expected a unique case id, got "${c.case.id}" again (first in ${prev.file}${prev.path ? ` at ${prev.path}` : ''})`,
      });
    else seen.set(c.case.id, c);
  }
  if (problems.length) throw new DynsimError('E_REFERENCE', problems);
  return all;
}

/** A hardware reference of a case: a preset name as is, a path relative to the case file. */
export function hardwareRef(ref: string, caseFile: string): string {
  const preset = !ref.includes('/') && !ref.includes('\\') && !ref.endsWith('.json');
  if (preset || isAbsolute(ref)) return ref;
  return join(dirname(caseFile), ref);
}

/**
 * Errors. The library throws DynsimError with a stable `code`; only the CLI maps errors to
 * messages and exit codes. A user error carries where it happened (file, JSON path or trace
 * line) and what was expected versus found, so a message can always point at the fault.
 */

export type ErrorCode =
  | 'E_USAGE' // bad command-line usage
  | 'E_IO' // file missing or unreadable
  | 'E_PARSE' // not valid JSON / JSON Lines / gzip
  | 'E_SCHEMA' // valid JSON that does not match the format
  | 'E_REFERENCE' // a name that does not resolve (layer, gate, preset)
  | 'E_TRACE' // a trace record inconsistent with its header or network
  | 'E_INTERNAL';

export interface ErrorLocation {
  /** File the fault is in, as the user named it. */
  file?: string;
  /** JSON path inside the document, e.g. `layers[3].stride`. */
  path?: string;
  /** 1-based line number (JSON Lines traces). */
  line?: number;
}

export interface Problem extends ErrorLocation {
  message: string;
}

export class DynsimError extends Error {
  readonly code: ErrorCode;
  /** Every problem found; the first is the headline. */
  readonly problems: readonly Problem[];

  constructor(code: ErrorCode, problems: Problem | readonly Problem[]) {
    const list = Array.isArray(problems) ? problems : [problems as Problem];
    super(list.map(formatProblem).join('\n'));
    this.name = 'DynsimError';
    this.code = code;
    this.problems = list;
  }

  /** True for errors caused by input or usage (exit code 2, no stack trace). */
  get isUserError(): boolean {
    return this.code !== 'E_INTERNAL';
  }
}

/** `file:line: path: message`, omitting the parts that are unknown. */
export function formatProblem(p: Problem): string {
  let where = '';
  if (p.file !== undefined) where += p.file;
  if (p.line !== undefined) where += `${where ? ':' : 'line '}${p.line}`;
  if (p.path !== undefined && p.path !== '') where += `${where ? ': ' : ''}${p.path}`;
  return where ? `${where}: ${p.message}` : p.message;
}

/** Renders a JSON path from its segments: `layers[3].stride`. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (!/^[A-Za-z_$][\w$]*$/.test(String(s))) out += `[${JSON.stringify(String(s))}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

/** A short, single-line rendering of a found value for "expected X, got Y" messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

/**
 * Validation at the boundary: raw JSON text -> typed, defaulted data, or a DynsimError that
 * lists every problem with file, JSON path, what was expected and what was found.
 * Schemas are zod schemas (one source for the TypeScript types, the checks and the JSON
 * Schema files in schemas/); this module turns zod's issues into dynsim's messages.
 */
import type * as z from 'zod';
import { DynsimError, describeValue, jsonPath, type Problem } from '../util/errors.js';

/** Value found at a path in the raw input, for "got ..." in messages. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

function issueMessage(issue: z.core.$ZodIssue, raw: unknown): { path: string; message: string } {
  const got = valueAt(raw, issue.path);
  const path = jsonPath(issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return {
        path,
        message: `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}, got ${describeValue(got)}`,
      };
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      const allowed = (issue as { allowed?: string[] }).allowed;
      return {
        path,
        message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`,
      };
    }
    case 'invalid_union': {
      const u = issue as { discriminator?: string; options?: unknown[] };
      if (u.discriminator !== undefined && u.options) {
        const valid = u.options.map((o) => JSON.stringify(o)).join(' | ');
        return { path, message: `expected ${valid}, got ${describeValue(got)}` };
      }
      return { path, message: `${issue.message}, got ${describeValue(got)}` };
    }
    case 'invalid_value': {
      const valid = issue.values.map((o) => JSON.stringify(o)).join(' | ');
      return { path, message: `expected ${valid}, got ${describeValue(got)}` };
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const op =
        issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      if (issue.origin === 'array' || issue.origin === 'string') {
        const what = issue.origin === 'array' ? 'items' : 'characters';
        const n = Array.isArray(got) || typeof got === 'string' ? got.length : '?';
        return { path, message: `expected ${op} ${String(bound)} ${what}, got ${n}` };
      }
      return { path, message: `expected a value ${op} ${String(bound)}, got ${describeValue(got)}` };
    }
    case 'not_multiple_of':
      return {
        path,
        message: `expected a multiple of ${String(issue.divisor)}, got ${describeValue(got)}`,
      };
    case 'invalid_format':
      return { path, message: `expected ${issue.format} format, got ${describeValue(got)}` };
    default:
      // custom refinements carry their own full message
      return { path, message: issue.message };
  }
}

/** Turns zod issues into located problems. `basePath` prefixes every path. */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  file: string | undefined,
  line?: number,
): Problem[] {
  return issues.map((issue) => {
    const { path, message } = issueMessage(issue, raw);
    return { file, line, path: path === '' ? undefined : path, message };
  });
}

/** Parses JSON text, with the position of a syntax error in the message. */
export function parseJson(text: string, file: string | undefined, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new DynsimError('E_PARSE', { file, line, message: `not valid JSON: ${msg}` });
  }
}

/** Checks `raw` against `schema`; returns the parsed (defaulted) value or throws. */
export function validateWith<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  file: string | undefined,
  line?: number,
): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new DynsimError('E_SCHEMA', issuesToProblems(r.error.issues, raw, file, line));
}

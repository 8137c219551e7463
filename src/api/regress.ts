/**
 * `regress`: CI regression on a directory of traces. Every expectations file
 * (`<name>.expect.json`, or `<name>.<label>.expect.json` for several settings of one trace)
 * says how to run its trace and which metric values to keep; this module runs them, compares
 * every listed metric within its tolerance and, on request, rewrites the expected values.
 *
 * Order of work: read and check every expectations file (schema, trace, presets), then run
 * them all, then (only if no input problem was found anywhere) write updates. So an input
 * error never leaves some files updated and others not.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { DynsimError, jsonPath, type ErrorCode, type Problem } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { listPresets, loadHardware, loadNetwork } from '../formats/load.js';
import { parseJson, validateWith } from '../formats/validate.js';
import {
  DEFAULT_NEW_REL_TOLERANCE,
  DEFAULT_REGRESS_METRICS,
  Expectations,
  toleranceFor,
  withinTolerance,
} from '../formats/expectations.js';
import { JsonlTraceSource } from '../trace/jsonl-reader.js';
import { runSimulation, type RunOptions, type RunResult } from './run.js';
import type { StrategyKind } from '../strategy/types.js';

export interface RegressOptions {
  /** Directory holding the traces and their expectations files. @default 'traces' */
  dir?: string;
  /** Rewrite the expected values with the new results (and create missing expectations files). */
  update?: boolean;
  /** Called before each run. */
  onProgress?: (done: number, total: number, file: string) => void;
}

export interface MetricCheck {
  metric: string;
  /** Expected value; null when the file had none (only with update). */
  old: number | null;
  new: number;
  abs?: number;
  rel?: number;
  /** Absolute tolerance applied: max(abs, rel * |old|). */
  tolerance: number;
  /** 100 * (new - old) / |old|; null when old is 0 or missing. */
  changePct: number | null;
  pass: boolean;
}

export interface ExpectationResult {
  /** The expectations file, as dir + name. */
  file: string;
  /** Trace file relative to the directory. */
  trace: string;
  /** Part of the file name between the trace's name and `.expect.json` (null if none). */
  label: string | null;
  network: string;
  hardware: string;
  strategy: StrategyKind;
  checks: MetricCheck[];
  regressions: number;
  /** New file made by `--update` for a trace that had none. */
  created: boolean;
  /** Rewritten by `--update` (a value changed or was filled in). */
  updated: boolean;
}

export interface RegressResult {
  format: 'dynsim-regress';
  version: 1;
  dir: string;
  update: boolean;
  /** Distinct traces run. */
  traces: number;
  metricsChecked: number;
  regressions: number;
  results: ExpectationResult[];
  /** Traces in the directory that no expectations file names (after `--update`: none). */
  untracked: string[];
}

const TRACE_RE = /\.jsonl(\.gz)?$/;
const EXPECT_SUFFIX = '.expect.json';

/** Result fields keyed by ids that may themselves contain dots. */
const KEYED_SCOPES = ['gates', 'layers', 'exits'] as const;

/** Looks up a metric path in a run result: the number, or why there is none. */
export function resolveMetricPath(r: RunResult, path: string): { value: number } | { error: string } {
  const segs = path.split('.');
  const head = segs[0]!;
  if ((KEYED_SCOPES as readonly string[]).includes(head)) {
    const rec = r[head as (typeof KEYED_SCOPES)[number]] as Record<string, unknown>;
    const rest = path.slice(head.length + 1);
    const keys = Object.keys(rec)
      .filter((k) => rest === k || rest.startsWith(`${k}.`))
      .sort((a, b) => b.length - a.length);
    const what = head === 'layers' ? 'layer' : 'gate';
    if (keys.length === 0) {
      const all = Object.keys(rec);
      return {
        error: `no ${what} matches "${rest}" (${head} of this run: ${all.length ? all.join(', ') : 'none'})`,
      };
    }
    let firstError = '';
    for (const k of keys) {
      if (rest === k) {
        firstError ||= `"${path}" names a ${what}, not a metric: add a field, e.g. ${head}.${k}.${head === 'exits' ? '0' : 'totalTimeNs'}`;
        continue;
      }
      const got = walk(rec[k], rest.slice(k.length + 1).split('.'), `${head}.${k}`);
      if ('value' in got) return got;
      firstError ||= got.error;
    }
    return { error: firstError };
  }
  if (head === 'baseline') return walk(r.baseline, segs.slice(1), 'baseline');
  const inMetrics = head === 'metrics' ? segs.slice(1) : segs;
  return walk(r.metrics, inMetrics, 'metrics');
}

function walk(root: unknown, segs: readonly string[], base: string): { value: number } | { error: string } {
  let cur: unknown = root;
  let at = base;
  for (const s of segs) {
    const fields = fieldsOf(cur);
    const has =
      Array.isArray(cur) ? /^\d+$/.test(s) && Number(s) < cur.length : cur !== null && typeof cur === 'object' && Object.hasOwn(cur, s);
    if (!has)
      return {
        error: `${at} has no ${Array.isArray(cur) ? 'index' : 'field'} "${s}"${fields ? ` (${fields})` : ''}`,
      };
    cur = (cur as Record<string, unknown>)[s];
    at = `${at}.${s}`;
  }
  if (typeof cur === 'number') return { value: cur };
  const fields = fieldsOf(cur);
  return { error: `${at} is not a number${fields ? ` (${fields})` : ''}` };
}

function fieldsOf(v: unknown): string | undefined {
  if (Array.isArray(v)) return `indices 0..${v.length - 1}`;
  if (v !== null && typeof v === 'object') return `fields: ${Object.keys(v).join(', ')}`;
  return undefined;
}

function isPresetName(ref: string): boolean {
  return !ref.includes('/') && !ref.includes('\\') && !ref.endsWith('.json');
}

/** A preset name stays as it is; a path is taken relative to the expectations file's directory. */
function refFrom(fileDir: string, ref: string): string {
  return isPresetName(ref) || isAbsolute(ref) ? ref : join(fileDir, ref);
}

function rethrowLocated(err: unknown, file: string, path: string | undefined, problems: Problem[]): ErrorCode {
  if (err instanceof DynsimError && err.isUserError) {
    for (const p of err.problems) {
      // keep the inner location when it is another file; otherwise locate it here
      if (p.file !== undefined && p.file !== file) problems.push({ file, path, message: formatInner(p) });
      else problems.push({ file, path: p.path ?? path, line: p.line, message: p.message });
    }
    return err.code;
  }
  throw err;
}

function formatInner(p: Problem): string {
  let where = p.file ?? '';
  if (p.line !== undefined) where += `:${p.line}`;
  if (p.path) where += `: ${p.path}`;
  return `${where}: ${p.message}`;
}

interface Job {
  file: string;
  raw: Record<string, unknown>;
  exp: Expectations;
  tracePath: string;
  trace: string;
  label: string | null;
  created: boolean;
  run: RunOptions;
}

function labelOf(fileName: string, traceName: string): string | null {
  const stem = fileName.slice(0, -EXPECT_SUFFIX.length);
  const traceStem = basename(traceName).replace(TRACE_RE, '');
  if (stem === traceStem) return null;
  if (stem.startsWith(`${traceStem}.`)) return stem.slice(traceStem.length + 1);
  return stem;
}

/** Runs every expectations file of `dir` and compares the metrics. */
export async function regress(o: RegressOptions = {}): Promise<RegressResult> {
  const dir = o.dir ?? 'traces';
  const update = o.update ?? false;
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('ENOTDIR');
    entries = readdirSync(dir).sort();
  } catch {
    throw new DynsimError('E_IO', { file: dir, message: 'not a directory (expected a directory of traces and *.expect.json files)' });
  }
  const traceFiles = entries.filter((f) => TRACE_RE.test(f) && !f.startsWith('.'));
  const expectFiles = entries.filter((f) => f.endsWith(EXPECT_SUFFIX) && !f.startsWith('.'));
  if (traceFiles.length === 0 && expectFiles.length === 0)
    throw new DynsimError('E_IO', { file: dir, message: 'no traces (*.jsonl, *.jsonl.gz) and no expectations files (*.expect.json) here' });

  const problems: Problem[] = [];
  // the code of the first problem found
  let code: ErrorCode | undefined;
  const note = (c: ErrorCode) => {
    code ??= c;
  };
  const jobs: Job[] = [];
  const tracked = new Set<string>();

  // 1. read and check every expectations file
  for (const name of expectFiles) {
    const file = join(dir, name);
    const before = problems.length;
    let raw: unknown;
    let exp: Expectations;
    try {
      raw = parseJson(readFileSync(file, 'utf8'), file);
      exp = validateWith(Expectations, raw, file);
    } catch (err) {
      note(rethrowLocated(err, file, undefined, problems));
      continue;
    }
    const fileDir = dirname(file);
    const tracePath = isAbsolute(exp.trace) ? exp.trace : join(fileDir, exp.trace);
    tracked.add(resolve(tracePath));
    if (!existsSync(tracePath)) {
      problems.push({ file, path: 'trace', message: `no such trace file ${tracePath}` });
      note('E_IO');
    }
    const network = refFrom(fileDir, exp.network);
    const hw = refFrom(fileDir, exp.hw);
    try {
      loadNetwork(network);
    } catch (err) {
      note(rethrowLocated(err, file, 'network', problems));
    }
    try {
      loadHardware(hw);
    } catch (err) {
      note(rethrowLocated(err, file, 'hw', problems));
    }
    const planFile = exp.plan === undefined ? undefined : refFrom(fileDir, exp.plan);
    if (planFile !== undefined && !existsSync(planFile)) {
      problems.push({ file, path: 'plan', message: `no such plan file ${planFile}` });
      note('E_IO');
    }
    if (!update)
      for (const [metric, e] of Object.entries(exp.metrics))
        if (e.value === undefined) {
          problems.push({
            file,
            path: jsonPath(['metrics', metric, 'value']),
            message: 'no expected value (run `dynsim regress --update` to fill it in)',
          });
          note('E_SCHEMA');
        }
    if (problems.length > before) continue;
    jobs.push({
      file,
      raw: raw as Record<string, unknown>,
      exp,
      tracePath,
      trace: relative(dir, tracePath),
      label: labelOf(name, exp.trace),
      created: false,
      run: {
        network,
        hw,
        trace: tracePath,
        strategy: exp.strategy,
        planFile,
        batch: exp.batch,
        budgetNs: exp.budgetNs,
      },
    });
  }

  // traces that no expectations file names; --update gives each a default one
  let untracked = traceFiles.filter((f) => !tracked.has(resolve(join(dir, f))));
  if (update) {
    const presets = new Set(listPresets('networks'));
    for (const t of untracked) {
      const tracePath = join(dir, t);
      const name = `${t.replace(TRACE_RE, '')}${EXPECT_SUFFIX}`;
      const file = join(dir, name);
      let network: string;
      try {
        network = (await JsonlTraceSource.open(tracePath)).header.network;
      } catch (err) {
        note(rethrowLocated(err, tracePath, undefined, problems));
        continue;
      }
      if (existsSync(file)) {
        problems.push({ file, message: `exists but does not name trace ${t} (its "trace" field names another file)` });
        note('E_REFERENCE');
        continue;
      }
      if (!presets.has(network)) {
        problems.push({
          file: tracePath,
          message: `cannot make ${name}: the trace's network "${network}" is not a bundled preset; write ${name} by hand (see docs/ci.md)`,
        });
        note('E_REFERENCE');
        continue;
      }
      const raw: Record<string, unknown> = {
        format: 'dynsim-expectations',
        version: 1,
        trace: t,
        network,
        hw: 'h100',
        strategy: 'mask',
        metrics: Object.fromEntries(DEFAULT_REGRESS_METRICS.map((m) => [m, { rel: DEFAULT_NEW_REL_TOLERANCE }])),
      };
      jobs.push({
        file,
        raw,
        exp: validateWith(Expectations, raw, file),
        tracePath,
        trace: t,
        label: null,
        created: true,
        run: { network, hw: 'h100', trace: tracePath, strategy: 'mask' },
      });
    }
    untracked = [];
  }
  if (problems.length) throw new DynsimError(code ?? 'E_SCHEMA', problems);
  jobs.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  // 2. run and compare
  const results: ExpectationResult[] = [];
  const writes: { file: string; text: string }[] = [];
  for (const [i, job] of jobs.entries()) {
    o.onProgress?.(i, jobs.length, job.file);
    let r: RunResult;
    try {
      r = await runSimulation(job.run);
    } catch (err) {
      note(rethrowLocated(err, job.file, undefined, problems));
      continue;
    }
    const checks: MetricCheck[] = [];
    const newMetrics: Record<string, unknown> = {};
    let changed = job.created;
    const rawMetrics = (job.raw.metrics ?? {}) as Record<string, Record<string, unknown>>;
    for (const [metric, e] of Object.entries(job.exp.metrics)) {
      const got = resolveMetricPath(r, metric);
      if ('error' in got) {
        problems.push({ file: job.file, path: jsonPath(['metrics', metric]), message: `unknown metric path: ${got.error}` });
        note('E_REFERENCE');
        continue;
      }
      const now = got.value;
      const old = e.value ?? null;
      const pass = old !== null && withinTolerance(e, old, now);
      checks.push({
        metric,
        old,
        new: now,
        ...(e.abs !== undefined ? { abs: e.abs } : {}),
        ...(e.rel !== undefined ? { rel: e.rel } : {}),
        tolerance: old === null ? 0 : toleranceFor(e, old),
        changePct: old === null || old === 0 ? null : (100 * (now - old)) / Math.abs(old),
        pass,
      });
      if (old === null || !Object.is(old, now)) changed = true;
      const { value: _drop, ...rest } = rawMetrics[metric] ?? {};
      newMetrics[metric] = { value: now, ...rest };
    }
    const regressions = checks.filter((c) => !c.pass && c.old !== null).length;
    results.push({
      file: job.file,
      trace: job.trace,
      label: job.label,
      network: r.config.network,
      hardware: r.config.hardware,
      strategy: r.config.strategy,
      checks,
      regressions,
      created: job.created,
      updated: update && changed && !job.created,
    });
    if (update && changed) writes.push({ file: job.file, text: `${JSON.stringify({ ...job.raw, metrics: newMetrics }, null, 2)}\n` });
  }
  if (problems.length) throw new DynsimError(code ?? 'E_SCHEMA', problems);

  // 3. write (only when every file was fine)
  for (const w of writes) await writeFileAtomic(w.file, w.text);

  return {
    format: 'dynsim-regress',
    version: 1,
    dir,
    update,
    traces: new Set(jobs.map((j) => resolve(j.tracePath))).size,
    metricsChecked: results.reduce((s, x) => s + x.checks.length, 0),
    regressions: results.reduce((s, x) => s + x.regressions, 0),
    results,
    untracked,
  };
}


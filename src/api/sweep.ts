/**
 * `sweep` and `merge`: every point of an experiment simulated (runSimulation per point), in
 * worker threads or in-process, optionally one shard of the points; outputs in point order,
 * as JSON or CSV, byte-identical for any number of workers; shards merged back into exactly
 * what one unsharded run writes.
 *
 * Workers: the bundle's worker script (dist/sweep-worker.js, an esbuild entry) is looked up
 * next to the module that holds this code (dist/cli.cjs or dist/index.js). When it is not there
 * (running from the TypeScript sources, e.g. under vitest) or with one job, points run
 * in-process, one after the other. The main thread builds each point's run options (including
 * a modified hardware/network document for `hw.`/`network.` axes) and hands them over.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { VERSION } from '../version.js';
import { DynsimError } from '../util/errors.js';
import { csvCell, csvLine } from '../util/csv.js';
import { readJsonFile } from '../formats/load.js';
import { validateWith } from '../formats/validate.js';
import {
  experimentHash,
  loadExperiment,
  pointCountOf,
  pointIndices,
  type ExperimentAxis,
  type LoadedExperiment,
} from '../formats/experiment.js';
import {
  METRIC_COLUMNS,
  SWEEP_FORMAT,
  SWEEP_VERSION,
  SweepDocument,
  type PointMetrics,
  type Shard,
  type SweepPoint,
} from '../formats/sweep.js';
import { runSimulation, type RunOptions, type RunResult } from './run.js';

export { SweepDocument, type SweepPoint, type PointMetrics, type Shard } from '../formats/sweep.js';

/** What one point produced: its metrics, or why it failed. */
export interface PointOutcome {
  metrics?: PointMetrics;
  error?: string;
}

const fin = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/** The sweep's metrics of one run, in output order; non-finite numbers become null. */
export function pointMetrics(r: RunResult): PointMetrics {
  const m = r.metrics;
  const out: PointMetrics = {
    totalTimeNs: fin(m.totalTimeNs),
    throughputSamplesPerS: fin(m.throughputSamplesPerS),
    latencyNs: { p50: fin(m.latencyNs.p50), p95: fin(m.latencyNs.p95), p99: fin(m.latencyNs.p99) },
    idealSaving: fin(m.idealSaving),
    achievedSaving: fin(m.achievedSaving),
    maskWasteFraction: fin(m.maskWasteFraction),
    simdEfficiency: fin(m.simdEfficiency),
    controlTransfers: fin(m.controlTransfers),
    energyPj: fin(m.energyPj),
  };
  if (m.deadlineMissRate !== undefined) out.deadlineMissRate = fin(m.deadlineMissRate);
  return out;
}

/** The message of a point's failure: a user error as dynsim prints it, anything else marked internal. */
export function errorText(err: unknown): string {
  if (err instanceof DynsimError && err.isUserError) return err.message;
  if (err instanceof Error) return `internal error: ${err.message}`;
  return `internal error: ${String(err)}`;
}

/** Runs one point's simulation; never throws. Called in-process and by the worker script. */
export async function runPoint(o: RunOptions): Promise<PointOutcome> {
  try {
    return { metrics: pointMetrics(await runSimulation(o)) };
  } catch (err) {
    return { error: errorText(err) };
  }
}

/** The bundled worker script next to this module, or undefined (running from sources). */
export function workerScript(): URL | undefined {
  const url = new URL('./sweep-worker.js', import.meta.url);
  if (url.protocol !== 'file:' || fileURLToPath(import.meta.url).endsWith('.ts')) return undefined;
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/** Message from the main thread to a worker, and the reply. */
export interface WorkerRequest {
  id: number;
  options: RunOptions;
}
export interface WorkerReply {
  id: number;
  outcome: PointOutcome;
}

export interface SweepOptions {
  /** Points run at once (worker threads); default os.availableParallelism(). 1: in-process. */
  jobs?: number;
  /** Run only the points p with p % count == index. */
  shard?: Shard;
  /** Called after each point with the points done and the points to run. */
  onProgress?: (done: number, total: number) => void;
}

export interface SweepRun {
  document: SweepDocument;
  /** Worker threads used (0: in-process). */
  workers: number;
  /** Points this run simulated (the shard's share). */
  points: number;
}

function buildOptions(exp: LoadedExperiment, p: number): { options?: RunOptions; error?: string } {
  try {
    return { options: exp.pointOptions(p) };
  } catch (err) {
    return { error: errorText(err) };
  }
}

async function runInProcess(
  exp: LoadedExperiment,
  points: readonly number[],
  complete: (k: number, o: PointOutcome) => void,
): Promise<void> {
  for (let k = 0; k < points.length; k++) {
    const b = buildOptions(exp, points[k]!);
    complete(k, b.options ? await runPoint(b.options) : { error: b.error });
  }
}

function runInWorkers(
  script: URL,
  jobs: number,
  exp: LoadedExperiment,
  points: readonly number[],
  complete: (k: number, o: PointOutcome) => void,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let next = 0;
    let finished = 0;
    const live = new Set<Worker>();
    const finish = (k: number, o: PointOutcome) => {
      complete(k, o);
      finished++;
      if (finished === points.length) {
        for (const w of live) void w.terminate();
        live.clear();
        resolve();
      }
    };
    const start = () => {
      const w = new Worker(script);
      live.add(w);
      let current: number | undefined;
      let failure: Error | undefined;
      const feed = () => {
        current = undefined;
        while (next < points.length) {
          const k = next++;
          const b = buildOptions(exp, points[k]!);
          if (!b.options) {
            finish(k, { error: b.error });
            continue;
          }
          current = k;
          w.postMessage({ id: k, options: b.options } satisfies WorkerRequest);
          return;
        }
        live.delete(w);
        void w.terminate();
      };
      w.on('message', (m: WorkerReply) => {
        if (m.id !== current) return;
        current = undefined;
        finish(m.id, m.outcome);
        if (finished < points.length) feed();
      });
      w.on('error', (err) => {
        failure = err;
      });
      w.on('exit', (code) => {
        live.delete(w);
        if (current === undefined) return;
        const k = current;
        current = undefined;
        finish(k, { error: `internal error: worker stopped (${failure ? failure.message : `exit code ${code}`})` });
        if (next < points.length) start();
      });
      feed();
    };
    const n = Math.min(jobs, points.length);
    for (let i = 0; i < n && next < points.length; i++) start();
    if (points.length === 0) resolve();
  });
}

/** Points of a shard (all points without one), ascending. */
export function shardPoints(total: number, shard?: Shard): number[] {
  const out: number[] = [];
  for (let p = shard ? shard.index : 0; p < total; p += shard ? shard.count : 1) out.push(p);
  return out;
}

/** Simulates every point of an experiment (or of one shard of it). */
export async function runSweep(experiment: LoadedExperiment | string, o: SweepOptions = {}): Promise<SweepRun> {
  const exp = typeof experiment === 'string' ? loadExperiment(experiment) : experiment;
  if (o.shard && !(Number.isInteger(o.shard.count) && o.shard.count >= 1 && Number.isInteger(o.shard.index) && o.shard.index >= 0 && o.shard.index < o.shard.count))
    throw new DynsimError('E_USAGE', { message: `expected a shard i/N with 0 <= i < N, got ${o.shard.index}/${o.shard.count}` });
  const points = shardPoints(exp.pointCount, o.shard);
  const jobs = Math.max(1, Math.floor(o.jobs ?? availableParallelism()));
  const outcomes = new Array<PointOutcome>(points.length);
  let done = 0;
  const complete = (k: number, out: PointOutcome) => {
    outcomes[k] = out;
    done++;
    o.onProgress?.(done, points.length);
  };
  const script = jobs > 1 && points.length > 1 ? workerScript() : undefined;
  let workers = 0;
  if (script) {
    workers = Math.min(jobs, points.length);
    await runInWorkers(script, jobs, exp, points, complete);
  } else await runInProcess(exp, points, complete);
  const rows = points.map((p, k) => makePoint(p, exp.pointParams(p), outcomes[k]!));
  const s = exp.spec;
  return {
    document: makeDocument(
      { id: s.id, hash: exp.hash, mode: s.mode, base: s.base, axes: s.axes, totalPoints: exp.pointCount, tool: VERSION },
      rows,
      o.shard,
    ),
    workers,
    points: points.length,
  };
}

function canonicalMetrics(m: PointMetrics): PointMetrics {
  const out: PointMetrics = {
    totalTimeNs: m.totalTimeNs,
    throughputSamplesPerS: m.throughputSamplesPerS,
    latencyNs: { p50: m.latencyNs.p50, p95: m.latencyNs.p95, p99: m.latencyNs.p99 },
    idealSaving: m.idealSaving,
    achievedSaving: m.achievedSaving,
    maskWasteFraction: m.maskWasteFraction,
    simdEfficiency: m.simdEfficiency,
    controlTransfers: m.controlTransfers,
    energyPj: m.energyPj,
  };
  if (m.deadlineMissRate !== undefined) out.deadlineMissRate = m.deadlineMissRate;
  return out;
}

/** One output row, keys in their fixed order (sweep and merge both build rows here). */
function makePoint(point: number, params: Record<string, unknown>, o: PointOutcome): SweepPoint {
  const p: SweepPoint = { point, params };
  if (o.metrics) p.metrics = canonicalMetrics(o.metrics);
  if (o.error !== undefined) p.error = o.error;
  return p;
}

interface DocHead {
  id: string;
  hash: string;
  mode: 'grid' | 'zip';
  base: SweepDocument['base'];
  axes: ExperimentAxis[];
  totalPoints: number;
  tool: string;
}

function makeDocument(h: DocHead, points: SweepPoint[], shard?: Shard): SweepDocument {
  return {
    format: SWEEP_FORMAT,
    version: SWEEP_VERSION,
    tool: { name: 'dynsim', version: h.tool },
    experiment: h.id,
    experimentHash: h.hash,
    mode: h.mode,
    base: h.base,
    axes: h.axes,
    totalPoints: h.totalPoints,
    ...(shard ? { shard: { index: shard.index, count: shard.count } } : {}),
    failed: countFailed(points),
    points,
  };
}

function countFailed(points: readonly SweepPoint[]): number {
  return points.filter((p) => p.error !== undefined).length;
}

/** `{ "strategy": "mask", "batch": 8 }` -> `strategy=mask, batch=8`. */
export function describeParams(params: Record<string, unknown>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length ? parts.join(', ') : 'base only';
}

export type SweepOutputFormat = 'json' | 'csv';

/** JSON output: 2-space indent, trailing newline. */
export function renderSweepJson(doc: SweepDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Does the sweep report deadline misses (a budget in the base or on an axis)? */
function hasBudget(doc: Pick<SweepDocument, 'base' | 'axes'>): boolean {
  return doc.base.budgetNs !== undefined || doc.axes.some((a) => a.path === 'budgetNs');
}

function metricAt(m: PointMetrics | undefined, col: string): unknown {
  if (!m) return undefined;
  if (col.startsWith('latencyNs.')) return m.latencyNs[col.slice(10) as 'p50' | 'p95' | 'p99'];
  return (m as unknown as Record<string, unknown>)[col];
}

/** CSV output: a header line (point, the axis paths, the metrics, error), one line per point. */
export function renderSweepCsv(doc: SweepDocument): string {
  if (doc.shard)
    throw new DynsimError('E_USAGE', { message: 'a shard is written as JSON; merge the shards to get CSV (dynsim merge ... -o results.csv)' });
  const cols: string[] = [...METRIC_COLUMNS];
  if (hasBudget(doc)) cols.push('deadlineMissRate');
  let out = csvLine(['point', ...doc.axes.map((a) => a.path), ...cols, 'error']);
  for (const p of doc.points)
    out += csvLine([
      String(p.point),
      ...doc.axes.map((a) => csvCell(p.params[a.path])),
      ...cols.map((c) => csvCell(metricAt(p.metrics, c))),
      p.error ?? '',
    ]);
  return out;
}

export function renderSweep(doc: SweepDocument, format: SweepOutputFormat): string {
  return format === 'csv' ? renderSweepCsv(doc) : renderSweepJson(doc);
}

/** Output format from an explicit choice or the output file's extension (.csv, else JSON). */
export function sweepFormatFor(file: string | undefined, explicit?: SweepOutputFormat): SweepOutputFormat {
  if (explicit) return explicit;
  return file !== undefined && /\.csv$/i.test(file) ? 'csv' : 'json';
}

// ---------------------------------------------------------------------------------------
// sharding

export interface ResolvedShard extends Shard {
  /** Where the shard came from: `--shard`, `SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT`, ... */
  source: string;
}

export interface ShardFlags {
  /** `i/N` from --shard. */
  shard?: string;
  /** --shard-count. */
  shardCount?: number;
}

function envInt(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  if (!/^\d+$/.test(v.trim()) || Number(v) < min)
    throw new DynsimError('E_USAGE', { message: `environment variable ${name}: expected an integer >= ${min}, got "${v}"` });
  return Number(v);
}

function checked(index: number, count: number, source: string): ResolvedShard {
  if (index >= count)
    throw new DynsimError('E_USAGE', {
      message: `shard index ${index} is not below the shard count ${count} (from ${source}); shards are numbered 0..${count - 1}`,
    });
  return { index, count, source };
}

/**
 * The shard to run: an explicit `--shard i/N` wins; otherwise a Slurm array task
 * (SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT, an array numbered 0..N-1), otherwise a
 * Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with the count from --shard-count or
 * DYNSIM_SHARD_COUNT). --shard-count / DYNSIM_SHARD_COUNT also replace the Slurm count (for
 * resubmitting some array tasks). Undefined: no shard, every point.
 */
export function resolveShard(flags: ShardFlags, env: NodeJS.ProcessEnv = process.env): ResolvedShard | undefined {
  if (flags.shard !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(flags.shard);
    if (!m || Number(m[2]) < 1)
      throw new DynsimError('E_USAGE', { message: `--shard: expected i/N with 0 <= i < N (e.g. 0/8), got "${flags.shard}"` });
    return checked(Number(m[1]), Number(m[2]), '--shard');
  }
  const countFlag = flags.shardCount;
  if (countFlag !== undefined && (!Number.isInteger(countFlag) || countFlag < 1))
    throw new DynsimError('E_USAGE', { message: `--shard-count: expected an integer >= 1, got ${countFlag}` });
  const countEnv = envInt(env, 'DYNSIM_SHARD_COUNT', 1);
  const given = countFlag !== undefined ? { n: countFlag, src: '--shard-count' } : countEnv !== undefined ? { n: countEnv, src: 'DYNSIM_SHARD_COUNT' } : undefined;

  const slurmId = envInt(env, 'SLURM_ARRAY_TASK_ID', 0);
  if (slurmId !== undefined) {
    if (given) return checked(slurmId, given.n, `SLURM_ARRAY_TASK_ID/${given.src}`);
    const count = envInt(env, 'SLURM_ARRAY_TASK_COUNT', 1);
    if (count === undefined)
      throw new DynsimError('E_USAGE', {
        message: `SLURM_ARRAY_TASK_ID=${slurmId} is set but SLURM_ARRAY_TASK_COUNT is not: give --shard ${slurmId}/N or --shard-count N`,
      });
    const min = envInt(env, 'SLURM_ARRAY_TASK_MIN', 0);
    const max = envInt(env, 'SLURM_ARRAY_TASK_MAX', 0);
    const step = envInt(env, 'SLURM_ARRAY_TASK_STEP', 1);
    if ((min !== undefined && min !== 0) || (max !== undefined && max !== count - 1) || (step !== undefined && step !== 1))
      throw new DynsimError('E_USAGE', {
        message:
          `the Slurm array is not numbered 0..${count - 1} (SLURM_ARRAY_TASK_MIN=${min ?? '?'}, SLURM_ARRAY_TASK_MAX=${max ?? '?'}, ` +
          `SLURM_ARRAY_TASK_STEP=${step ?? '?'}, SLURM_ARRAY_TASK_COUNT=${count}): submit with --array=0-${count - 1}, ` +
          'or give the total with --shard-count N, or pass --shard i/N',
      });
    return checked(slurmId, count, 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
  }
  const k8s = envInt(env, 'JOB_COMPLETION_INDEX', 0);
  if (k8s !== undefined) {
    if (!given)
      throw new DynsimError('E_USAGE', {
        message: `JOB_COMPLETION_INDEX=${k8s} is set but the shard count is not: give --shard-count N or DYNSIM_SHARD_COUNT=N (the Job's completions)`,
      });
    return checked(k8s, given.n, `JOB_COMPLETION_INDEX/${given.src}`);
  }
  if (countFlag !== undefined)
    throw new DynsimError('E_USAGE', {
      message: '--shard-count needs a shard index from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (or use --shard i/N)',
    });
  return undefined;
}

// ---------------------------------------------------------------------------------------
// merging

/** Merges sweep outputs (shards, or whole runs) given as parsed JSON; `file` names each. */
export function mergeSweeps(inputs: readonly { file: string; raw: unknown }[]): SweepDocument {
  if (inputs.length === 0) throw new DynsimError('E_USAGE', { message: 'merge needs at least one sweep output' });
  const docs = inputs.map(({ file, raw }) => ({ file, doc: validateWith(SweepDocument, raw, file) }));
  const first = docs[0]!;
  const h = first.doc;
  const hashOf = (d: SweepDocument) => experimentHash({ id: d.experiment, mode: d.mode, base: d.base, axes: d.axes });
  for (const { file, doc } of docs) {
    if (hashOf(doc) !== doc.experimentHash)
      throw new DynsimError('E_REFERENCE', {
        file,
        path: 'experimentHash',
        message: `expected ${hashOf(doc)} (the digest of its experiment, mode, base and axes), got ${doc.experimentHash}: the file was edited`,
      });
    const differs: string[] = [];
    if (doc.experiment !== h.experiment) differs.push(`experiment "${doc.experiment}" vs "${h.experiment}"`);
    else if (doc.experimentHash !== h.experimentHash) differs.push(`experiment ${doc.experimentHash} vs ${h.experimentHash} (same id, different base, axes or mode)`);
    if (doc.tool.version !== h.tool.version) differs.push(`dynsim ${doc.tool.version} vs ${h.tool.version}`);
    if (differs.length)
      throw new DynsimError('E_REFERENCE', {
        file,
        message: `not a shard of the same sweep as ${first.file}: ${differs.join('; ')}`,
      });
    const expected = pointCountOf(doc.axes.map((a) => a.values.length), doc.mode);
    if (doc.totalPoints !== expected)
      throw new DynsimError('E_REFERENCE', { file, path: 'totalPoints', message: `expected ${expected} (from the axes), got ${doc.totalPoints}` });
  }
  const total = h.totalPoints;
  const lengths = h.axes.map((a) => a.values.length);
  const paramsOf = (p: number) => {
    const idx = pointIndices(lengths, h.mode, p);
    const out: Record<string, unknown> = {};
    h.axes.forEach((a, k) => {
      out[a.path] = a.values[idx[k]!];
    });
    return out;
  };
  const owner = new Array<string | undefined>(total);
  const rows = new Array<SweepPoint | undefined>(total);
  const dups = new Map<string, number[]>();
  for (const { file, doc } of docs)
    doc.points.forEach((pt, j) => {
      const where = `points[${j}]`;
      if (pt.point >= total)
        throw new DynsimError('E_REFERENCE', { file, path: `${where}.point`, message: `expected a point below ${total}, got ${pt.point}` });
      const params = paramsOf(pt.point);
      const keys = Object.keys(pt.params);
      if (keys.length !== h.axes.length || h.axes.some((a) => JSON.stringify(pt.params[a.path]) !== JSON.stringify(params[a.path])))
        throw new DynsimError('E_REFERENCE', {
          file,
          path: `${where}.params`,
          message: `expected ${JSON.stringify(params)} (point ${pt.point} of the axes), got ${JSON.stringify(pt.params)}`,
        });
      const prev = owner[pt.point];
      if (prev !== undefined) {
        const key = prev === file ? `${file} holds` : `${prev} and ${file} both hold`;
        dups.set(key, [...(dups.get(key) ?? []), pt.point]);
        return;
      }
      owner[pt.point] = file;
      rows[pt.point] = makePoint(pt.point, params, pt);
    });
  if (dups.size)
    throw new DynsimError(
      'E_REFERENCE',
      [...dups].map(([who, pts]) => ({
        message: `${who} point${pts.length > 1 ? 's' : ''} ${list(pts)}${who.endsWith(' both hold') ? '' : ' twice'} (each point must come from exactly one input; was a file given twice?)`,
      })),
    );
  const missing: number[] = [];
  for (let p = 0; p < total; p++) if (rows[p] === undefined) missing.push(p);
  if (missing.length) {
    const counts = new Set(docs.map((d) => d.doc.shard?.count));
    let hint = '';
    const n = [...counts][0];
    if (counts.size === 1 && n !== undefined) {
      const have = new Set(docs.map((d) => d.doc.shard!.index));
      const lack = [...new Set(missing.map((p) => p % n))].filter((i) => !have.has(i)).sort((a, b) => a - b);
      if (lack.length) hint = `; missing shard${lack.length > 1 ? 's' : ''} ${lack.map((i) => `${i}/${n}`).join(', ')}`;
    }
    throw new DynsimError('E_REFERENCE', {
      message: `the inputs do not cover the sweep "${h.experiment}": ${missing.length} of ${total} points missing (${list(missing)})${hint}`,
    });
  }
  return makeDocument(
    { id: h.experiment, hash: h.experimentHash, mode: h.mode, base: h.base, axes: h.axes, totalPoints: total, tool: h.tool.version },
    rows as SweepPoint[],
  );
}

function list(ns: readonly number[]): string {
  return ns.slice(0, 12).join(', ') + (ns.length > 12 ? `, ... (${ns.length} in all)` : '');
}

/** Reads sweep outputs from files and merges them. */
export function mergeSweepFiles(files: readonly string[]): SweepDocument {
  return mergeSweeps(files.map((file) => ({ file, raw: readJsonFile(file) })));
}

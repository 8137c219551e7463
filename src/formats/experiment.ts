/**
 * Experiment files (`dynsim-experiment`, version 1): a parameter sweep. `base` holds the run
 * options every point shares (the `dynsim run` options, named as in the CLI); each axis varies
 * one of them, or one parameter of the hardware or network file by JSON path
 * (`hw.accelerator.memBandwidthGBps`, `network.layers[3].outFeatures`). `grid` walks the
 * cartesian product of the axes (last axis fastest), `zip` walks axes of equal length together.
 * Points are numbered 0..n-1 in that order.
 *
 * Loading checks everything that does not need a simulation: the schema, every axis value
 * against the option it sets, every hardware/network reference, every `hw.`/`network.` path
 * against each file it applies to, and each value at that path (the file with only that value
 * changed must validate). Files a point reads while it runs (trace, spec, plan) are not
 * checked here: a missing one fails that point only.
 */
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join } from 'node:path';
import * as z from 'zod';
import { DynsimError, describeValue, formatProblem, jsonPath, type Problem } from '../util/errors.js';
import { issuesToProblems, validateWith } from './validate.js';
import { StrategyKindSchema } from './plan.js';
import { HardwareSystem } from './hardware.js';
import { Network } from './network.js';
import { locate, readJsonFile, type InMemoryDocument } from './load.js';
import { resolveHardware } from '../hardware/resolve.js';
import { resolveNetwork } from '../network/resolve.js';
import { RUN_DEFAULTS, type RunOptions } from '../api/run.js';

export const EXPERIMENT_FORMAT = 'dynsim-experiment';
export const EXPERIMENT_VERSION = 1;

const file = (what: string) => z.string().min(1).describe(what);

export const ExperimentBase = z
  .strictObject({
    network: file(`Network preset or file (default ${RUN_DEFAULTS.network}).`).optional(),
    hw: file(`Hardware preset or file (default ${RUN_DEFAULTS.hw}).`).optional(),
    trace: file('Recorded trace (.jsonl or gzip); otherwise a synthetic one.').optional(),
    synthetic: z.number().int().min(1).describe(`Samples of the synthetic trace (default ${RUN_DEFAULTS.synthetic}).`).optional(),
    seed: z.number().int().min(0).describe('Seed of the synthetic trace and of generated arrivals (default 1).').optional(),
    spec: file('Synthetic spec file (JSON, see gen-trace).').optional(),
    strategy: StrategyKindSchema.describe(`Strategy of every gate (default ${RUN_DEFAULTS.strategy}).`).optional(),
    plan: file('Plan file (dynsim-plan JSON): per-gate strategies.').optional(),
    batch: z.number().int().min(1).describe(`Batch size, or maximum batch size when streaming (default ${RUN_DEFAULTS.batch}).`).optional(),
    arrivalRateHz: z.number().positive().describe('Streaming: Poisson arrivals at this rate (Hz).').optional(),
    streaming: z.boolean().describe("Streaming with the trace's own arrival times.").optional(),
    batchTimeoutNs: z.number().min(0).describe('Streaming: batching timeout (ns, default 1e6).').optional(),
    budgetNs: z.number().positive().describe('Per-sample latency budget (ns); adds deadlineMissRate.').optional(),
    anytime: z.boolean().describe('Early-exit networks: force the exit that meets budgetNs.').optional(),
  })
  .describe('Run options every point shares; paths are relative to the experiment file.');
export type ExperimentBase = z.infer<typeof ExperimentBase>;

export type BaseField = keyof ExperimentBase;
export const BASE_FIELDS = Object.keys(ExperimentBase.shape) as BaseField[];

export const ExperimentAxis = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .describe(
        'A base field (network, hw, trace, synthetic, seed, spec, strategy, plan, batch, arrivalRateHz, streaming, batchTimeoutNs, budgetNs, anytime), or hw.<JSON path> / network.<JSON path> into the hardware / network file (e.g. hw.accelerator.memBandwidthGBps, network.layers[3].outFeatures).',
      ),
    values: z.array(z.unknown()).min(1).describe('Values the axis takes, in order.'),
  })
  .describe('One swept parameter.');
export type ExperimentAxis = z.infer<typeof ExperimentAxis>;

export const Experiment = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of the JSON Schema, for editors.'),
    format: z.literal(EXPERIMENT_FORMAT),
    version: z.literal(EXPERIMENT_VERSION),
    id: z.string().min(1).describe('Experiment id, recorded in sweep outputs.'),
    description: z.string().optional(),
    base: ExperimentBase.default({}),
    axes: z.array(ExperimentAxis).describe('Swept parameters; grid: last axis fastest.'),
    mode: z
      .enum(['grid', 'zip'])
      .default('grid')
      .describe('grid: cartesian product of the axes; zip: axes of equal length walked together.'),
  })
  .describe('dynsim experiment: a parameter sweep over dynsim run');
export type Experiment = z.infer<typeof Experiment>;

/** Largest sweep accepted (points). */
export const MAX_POINTS = 10_000_000;

/** Where an axis points: a base field, or a path inside the hardware or network document. */
export type AxisTarget =
  | { kind: 'field'; field: BaseField }
  | { kind: 'hw' | 'network'; segments: (string | number)[] };

/** Parses `hw.accelerator.x`, `network.layers[3].outFeatures` or a base field name. */
export function parseAxisPath(path: string): AxisTarget | undefined {
  if ((BASE_FIELDS as string[]).includes(path)) return { kind: 'field', field: path as BaseField };
  const m = /^(hw|network)\.(.+)$/.exec(path);
  if (!m) return undefined;
  const segments: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/gy;
  const rest = m[2]!;
  let pos = 0;
  while (pos < rest.length) {
    if (segments.length > 0 && rest[pos] === '.') pos++;
    re.lastIndex = pos;
    const t = re.exec(rest);
    if (!t) return undefined;
    segments.push(t[1] !== undefined ? t[1] : Number(t[2]));
    pos = re.lastIndex;
  }
  if (segments.length === 0 || typeof segments[0] !== 'string') return undefined;
  return { kind: m[1] as 'hw' | 'network', segments };
}

/** Checks that `segments` name an existing value in `doc`; returns the first failing step's message. */
function missingAt(doc: unknown, segments: readonly (string | number)[]): string | undefined {
  let cur: unknown = doc;
  for (let k = 0; k < segments.length; k++) {
    const seg = segments[k]!;
    const here = k === 0 ? 'the top level' : jsonPath(segments.slice(0, k));
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return `${here} is ${describeValue(cur)}, not an array`;
      if (seg >= cur.length) return `${here} has ${cur.length} items, no [${seg}]`;
      cur = cur[seg];
    } else {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return `${here} is ${describeValue(cur)}, not an object`;
      if (!Object.hasOwn(cur, seg))
        return `${here} has no "${seg}" (keys: ${Object.keys(cur).join(', ')})`;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return undefined;
}

/** Sets the value at an existing path (checked with missingAt first). */
function setAt(doc: unknown, segments: readonly (string | number)[], value: unknown): void {
  let cur = doc as Record<string | number, unknown>;
  for (const seg of segments.slice(0, -1)) cur = cur[seg] as Record<string | number, unknown>;
  cur[segments[segments.length - 1]!] = structuredClone(value);
}

function isPresetRef(ref: string): boolean {
  return !ref.includes('/') && !ref.includes('\\') && !ref.endsWith('.json');
}

/** A loaded experiment: its points, and the run options of each. */
export interface LoadedExperiment {
  readonly spec: Experiment;
  /** The experiment file as given (relative paths in it resolve against its directory). */
  readonly file: string | undefined;
  readonly dir: string;
  readonly targets: readonly AxisTarget[];
  readonly pointCount: number;
  /** Stable digest of id, mode, base and axes (shards of one experiment share it). */
  readonly hash: string;
  /** Axis value of each axis at point `p` (in axis order). */
  pointValues(p: number): unknown[];
  /** `{ axis path: value }` of point `p`, keys in axis order. */
  pointParams(p: number): Record<string, unknown>;
  /** Run options of point `p`; throws a DynsimError when the point cannot be built. */
  pointOptions(p: number): RunOptions;
}

/** Point `p`'s index into each axis. */
export function pointIndices(lengths: readonly number[], mode: 'grid' | 'zip', p: number): number[] {
  if (mode === 'zip') return lengths.map(() => p);
  const idx = new Array<number>(lengths.length);
  let rest = p;
  for (let k = lengths.length - 1; k >= 0; k--) {
    idx[k] = rest % lengths[k]!;
    rest = Math.floor(rest / lengths[k]!);
  }
  return idx;
}

/** Number of points of the given axis lengths. */
export function pointCountOf(lengths: readonly number[], mode: 'grid' | 'zip'): number {
  if (lengths.length === 0) return 1;
  if (mode === 'zip') return lengths[0]!;
  return lengths.reduce((a, b) => a * b, 1);
}

export function experimentHash(e: Pick<Experiment, 'id' | 'mode' | 'base' | 'axes'>): string {
  const canon = JSON.stringify({ id: e.id, mode: e.mode, base: e.base, axes: e.axes });
  return `sha256:${createHash('sha256').update(canon).digest('hex').slice(0, 16)}`;
}

/** Loads and checks an experiment file. */
export function loadExperiment(path: string): LoadedExperiment {
  return resolveExperiment(readJsonFile(path), path);
}

/** Checks a parsed experiment document (`file` names it in messages and anchors relative paths). */
export function resolveExperiment(raw: unknown, file: string | undefined): LoadedExperiment {
  const spec = validateWith(Experiment, raw, file);
  const dir = file === undefined ? '.' : dirname(file);
  const problems: Problem[] = [];
  const at = (path: string, message: string) => problems.push({ file, path, message });

  // axis paths
  const targets: (AxisTarget | undefined)[] = spec.axes.map((a, i) => {
    const t = parseAxisPath(a.path);
    if (!t)
      at(
        `axes[${i}].path`,
        `expected a base field (${BASE_FIELDS.join(', ')}) or hw.<JSON path> / network.<JSON path>, got ${JSON.stringify(a.path)}`,
      );
    return t;
  });
  const seen = new Map<string, number>();
  spec.axes.forEach((a, i) => {
    const j = seen.get(a.path);
    if (j !== undefined) at(`axes[${i}].path`, `"${a.path}" is already swept by axes[${j}]`);
    else seen.set(a.path, i);
  });

  // axis lengths
  const lengths = spec.axes.map((a) => a.values.length);
  if (spec.mode === 'zip' && new Set(lengths).size > 1)
    at(
      'axes',
      `zip mode walks the axes together, so they need equal lengths; got ${spec.axes.map((a) => `${a.path} (${a.values.length})`).join(', ')}`,
    );
  const pointCount = pointCountOf(lengths, spec.mode);
  if (pointCount > MAX_POINTS) at('axes', `expected at most ${MAX_POINTS} points, got ${pointCount}`);

  // values of base-field axes: each checked against the option it sets
  spec.axes.forEach((a, i) => {
    const t = targets[i];
    if (t?.kind !== 'field') return;
    const s = ExperimentBase.shape[t.field];
    a.values.forEach((v, j) => {
      const r = s.safeParse(v);
      if (!r.success || v === undefined) {
        const issues = r.success ? [] : r.error.issues;
        const found = issuesToProblems(
          issues.map((is) => ({ ...is, path: ['axes', i, 'values', j, ...is.path] })),
          raw,
          file,
        );
        problems.push(...(found.length ? found : [{ file, path: `axes[${i}].values[${j}]`, message: 'expected a value, got nothing' }]));
      }
    });
  });
  const sweeps = (f: BaseField) => spec.base[f] !== undefined || spec.axes.some((a) => a.path === f);
  if (sweeps('trace') && sweeps('synthetic'))
    at('base', 'give either a trace or a synthetic sample count (base or axes), not both');
  if (problems.length) throw new DynsimError('E_SCHEMA', problems);

  const fieldAxis = (f: BaseField) => spec.axes.findIndex((a) => a.path === f);
  const resolvePath = (ref: string) => (isAbsolute(ref) ? ref : join(dir, ref));
  const resolveRef = (ref: string) => (isPresetRef(ref) ? ref : resolvePath(ref));

  // hardware and network documents: every reference is loaded and checked once
  const docs = new Map<string, { file: string; doc: unknown }>();
  const docOf = (kind: 'hw' | 'network', ref: string, where: string): { file: string; doc: unknown } | undefined => {
    const key = `${kind}\u0000${ref}`;
    const hit = docs.get(key);
    if (hit) return hit;
    try {
      const f = locate(resolveRef(ref), kind === 'hw' ? 'hw' : 'networks');
      const doc =
        kind === 'hw'
          ? resolveHardware(validateWith(HardwareSystem, readJsonFile(f), f), f).spec
          : resolveNetwork(validateWith(Network, readJsonFile(f), f), f).spec;
      const entry = { file: f, doc };
      docs.set(key, entry);
      return entry;
    } catch (err) {
      if (!(err instanceof DynsimError)) throw err;
      at(where, `${kind === 'hw' ? 'hardware' : 'network'} "${ref}" does not load: ${err.problems.map(formatProblem).join('; ')}`);
      return undefined;
    }
  };
  const refsOf = (kind: 'hw' | 'network'): { ref: string; where: string; axisIdx?: number }[] => {
    const ai = fieldAxis(kind);
    if (ai >= 0) return spec.axes[ai]!.values.map((v, j) => ({ ref: v as string, where: `axes[${ai}].values[${j}]`, axisIdx: j }));
    const b = spec.base[kind];
    return [{ ref: b ?? (kind === 'hw' ? RUN_DEFAULTS.hw : RUN_DEFAULTS.network), where: b !== undefined ? `base.${kind}` : `base` }];
  };
  for (const kind of ['hw', 'network'] as const) {
    const refs = refsOf(kind);
    for (const r of refs) docOf(kind, r.ref, r.where);
    const pathAxes = spec.axes.map((_, i) => i).filter((i) => targets[i]!.kind === kind);
    const kindAxis = fieldAxis(kind);
    for (const i of pathAxes) {
      const t = targets[i] as { kind: 'hw' | 'network'; segments: (string | number)[] };
      const axis = spec.axes[i]!;
      for (const r of refs) {
        const d = docOf(kind, r.ref, r.where);
        if (!d) continue;
        const miss = missingAt(d.doc, t.segments);
        if (miss) {
          at(`axes[${i}].path`, `"${axis.path}" names no parameter of ${kind === 'hw' ? 'hardware' : 'network'} "${r.ref}" (${d.file}): ${miss}`);
          continue;
        }
        // zip: a reference axis meets this axis at its own index only
        const js = spec.mode === 'zip' && kindAxis >= 0 && r.axisIdx !== undefined ? [r.axisIdx] : axis.values.map((_, j) => j);
        for (const j of js) {
          const doc = structuredClone(d.doc);
          setAt(doc, t.segments, axis.values[j]);
          try {
            if (kind === 'hw') resolveHardware(validateWith(HardwareSystem, doc, d.file), d.file);
            else resolveNetwork(validateWith(Network, doc, d.file), d.file);
          } catch (err) {
            if (!(err instanceof DynsimError)) throw err;
            at(
              `axes[${i}].values[${j}]`,
              `${axis.path} = ${JSON.stringify(axis.values[j])} is not valid for ${kind === 'hw' ? 'hardware' : 'network'} "${r.ref}": ${err.problems.map(formatProblem).join('; ')}`,
            );
          }
        }
      }
    }
  }
  if (problems.length) throw new DynsimError('E_REFERENCE', problems);

  const pointValues = (p: number): unknown[] => {
    if (!Number.isInteger(p) || p < 0 || p >= pointCount)
      throw new DynsimError('E_INTERNAL', { message: `point ${p} is outside 0..${pointCount - 1}` });
    const idx = pointIndices(lengths, spec.mode, p);
    return spec.axes.map((a, k) => a.values[idx[k]!]);
  };
  const pointParams = (p: number): Record<string, unknown> => {
    const vals = pointValues(p);
    const out: Record<string, unknown> = {};
    spec.axes.forEach((a, k) => {
      out[a.path] = vals[k];
    });
    return out;
  };
  const pointOptions = (p: number): RunOptions => {
    const vals = pointValues(p);
    const b: ExperimentBase = { ...spec.base };
    spec.axes.forEach((_, k) => {
      const t = targets[k]!;
      if (t.kind === 'field') (b as Record<string, unknown>)[t.field] = vals[k];
    });
    const o: RunOptions = {
      network: b.network === undefined ? undefined : resolveRef(b.network),
      hw: b.hw === undefined ? undefined : resolveRef(b.hw),
      trace: b.trace === undefined ? undefined : resolvePath(b.trace),
      synthetic: b.synthetic,
      seed: b.seed,
      specFile: b.spec === undefined ? undefined : resolvePath(b.spec),
      strategy: b.strategy,
      planFile: b.plan === undefined ? undefined : resolvePath(b.plan),
      batch: b.batch,
      arrivalRateHz: b.arrivalRateHz,
      streaming: b.streaming,
      batchTimeoutNs: b.batchTimeoutNs,
      budgetNs: b.budgetNs,
      anytime: b.anytime,
    };
    for (const kind of ['hw', 'network'] as const) {
      const ks = spec.axes.map((_, k) => k).filter((k) => targets[k]!.kind === kind);
      if (!ks.length) continue;
      const ref = b[kind] ?? (kind === 'hw' ? RUN_DEFAULTS.hw : RUN_DEFAULTS.network);
      const d = docOf(kind, ref, 'base');
      if (!d) throw new DynsimError('E_REFERENCE', problems.splice(0));
      const raw = structuredClone(d.doc);
      for (const k of ks) setAt(raw, (targets[k] as { segments: (string | number)[] }).segments, vals[k]);
      const doc: InMemoryDocument = { raw, file: d.file };
      if (kind === 'hw') o.hwDocument = doc;
      else o.networkDocument = doc;
    }
    for (const key of Object.keys(o) as (keyof RunOptions)[]) if (o[key] === undefined) delete o[key];
    return o;
  };

  return {
    spec,
    file,
    dir,
    targets: targets as AxisTarget[],
    pointCount,
    hash: experimentHash(spec),
    pointValues,
    pointParams,
    pointOptions,
  };
}

/** `strategy × batch × seed`, or `base only`. */
export function describeAxes(spec: Pick<Experiment, 'axes' | 'mode'>): string {
  if (!spec.axes.length) return 'base only';
  return spec.axes.map((a) => `${a.path} (${a.values.length})`).join(spec.mode === 'grid' ? ' × ' : ' + ');
}

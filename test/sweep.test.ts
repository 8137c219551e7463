import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';
import { resolveExperiment, parseAxisPath, loadExperiment } from '../src/formats/experiment.js';
import { mergeSweeps, renderSweepCsv, renderSweepJson, resolveShard, runSweep, shardPoints } from '../src/api/sweep.js';
import { csvField, csvLine } from '../src/util/csv.js';
import { errorLines, tmpDir } from './helpers/fixtures.js';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'dist', 'cli.js');
const bundled = join(root, 'configs', 'experiments', 'strategies-batch-seed.json');
const SHARD_ENV = ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX', 'SLURM_ARRAY_TASK_STEP', 'JOB_COMPLETION_INDEX', 'DYNSIM_SHARD_COUNT'];

/** Environment without any shard variable (a CI runner may itself be a Slurm job). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of SHARD_ENV) delete env[k];
  return env;
}

const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const k of SHARD_ENV) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
});
afterAll(() => {
  for (const k of SHARD_ENV) if (saved[k] !== undefined) process.env[k] = saved[k];
});

function experiment(extra: Record<string, unknown>): Record<string, unknown> {
  return { format: 'dynsim-experiment', version: 1, id: 'e', base: { network: 'switch-moe', synthetic: 8 }, ...extra };
}

/** Minimal RFC 4180 reader (quoted fields with doubled quotes, CR/LF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (q) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') q = false;
      else field += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}

describe('experiment points', () => {
  it('grid: cartesian product in axis order, last axis fastest', () => {
    const e = resolveExperiment(
      experiment({
        axes: [
          { path: 'strategy', values: ['mask', 'compact'] },
          { path: 'batch', values: [8, 16, 32] },
          { path: 'seed', values: [1, 2] },
        ],
      }),
      'e.json',
    );
    expect(e.spec.mode).toBe('grid');
    expect(e.pointCount).toBe(12);
    const all = Array.from({ length: e.pointCount }, (_, p) => e.pointValues(p));
    expect(all.slice(0, 4)).toEqual([
      ['mask', 8, 1],
      ['mask', 8, 2],
      ['mask', 16, 1],
      ['mask', 16, 2],
    ]);
    expect(all[6]).toEqual(['compact', 8, 1]);
    expect(all[11]).toEqual(['compact', 32, 2]);
    expect(new Set(all.map((v) => JSON.stringify(v))).size).toBe(12);
    expect(e.pointParams(5)).toEqual({ strategy: 'mask', batch: 32, seed: 2 });
    expect(Object.keys(e.pointParams(5))).toEqual(['strategy', 'batch', 'seed']);
    expect(e.pointOptions(5)).toEqual({ network: 'switch-moe', synthetic: 8, strategy: 'mask', batch: 32, seed: 2 });
  });

  it('zip: axes walked together; unequal lengths name the axes', () => {
    const e = resolveExperiment(
      experiment({
        mode: 'zip',
        axes: [
          { path: 'strategy', values: ['mask', 'compact', 'host'] },
          { path: 'batch', values: [8, 16, 32] },
        ],
      }),
      'e.json',
    );
    expect(e.pointCount).toBe(3);
    expect([0, 1, 2].map((p) => e.pointValues(p))).toEqual([
      ['mask', 8],
      ['compact', 16],
      ['host', 32],
    ]);
    const msgs = errorLines(() =>
      resolveExperiment(
        experiment({ mode: 'zip', axes: [{ path: 'strategy', values: ['mask', 'host'] }, { path: 'seed', values: [1, 2, 3] }] }),
        'z.json',
      ),
    );
    expect(msgs).toEqual(['z.json: axes: zip mode walks the axes together, so they need equal lengths; got strategy (2), seed (3)']);
  });

  it('no axes: one point, the base', () => {
    const e = resolveExperiment(experiment({ axes: [] }), 'e.json');
    expect(e.pointCount).toBe(1);
    expect(e.pointParams(0)).toEqual({});
  });

  it('parses axis paths', () => {
    expect(parseAxisPath('batch')).toEqual({ kind: 'field', field: 'batch' });
    expect(parseAxisPath('hw.accelerator.memBandwidthGBps')).toEqual({ kind: 'hw', segments: ['accelerator', 'memBandwidthGBps'] });
    expect(parseAxisPath('network.layers[3].outFeatures')).toEqual({ kind: 'network', segments: ['layers', 3, 'outFeatures'] });
    expect(parseAxisPath('hw')).toEqual({ kind: 'field', field: 'hw' });
    expect(parseAxisPath('hw.')).toBeUndefined();
    expect(parseAxisPath('gpu.sms')).toBeUndefined();
  });

  it('axis path errors name the file, the JSON path, what was expected and what was found', () => {
    const msgs = errorLines(() =>
      resolveExperiment(
        experiment({
          axes: [
            { path: 'hw.accelerator.memBandwidth', values: [1000] },
            { path: 'frobnicate', values: [1] },
            { path: 'batch', values: [0, '8', 4] },
            { path: 'strategy', values: ['mask', 'sideways'] },
          ],
        }),
        'x.json',
      ),
    );
    expect(msgs).toContain(
      'x.json: axes[1].path: expected a base field (network, hw, trace, synthetic, seed, spec, strategy, plan, batch, arrivalRateHz, streaming, batchTimeoutNs, budgetNs, anytime) or hw.<JSON path> / network.<JSON path>, got "frobnicate"',
    );
    expect(msgs).toContain('x.json: axes[2].values[0]: expected a value >= 1, got 0');
    expect(msgs).toContain('x.json: axes[2].values[1]: expected number, got "8"');
    expect(msgs.some((m) => m.startsWith('x.json: axes[3].values[1]: expected "static" | "mask"') && m.endsWith('got "sideways"'))).toBe(true);
    // the path check needs the schema-valid rest: the same path alone
    const miss = errorLines(() => resolveExperiment(experiment({ axes: [{ path: 'hw.accelerator.memBandwidth', values: [1000] }] }), 'x.json'));
    expect(miss).toHaveLength(1);
    expect(miss[0]).toMatch(/^x\.json: axes\[0\]\.path: "hw\.accelerator\.memBandwidth" names no parameter of hardware "h100" \(.*h100\.json\): accelerator has no "memBandwidth" \(keys: kind, name, sms, /);
    // a path that exists on one preset of the hw axis but not on another
    const arr = errorLines(() =>
      resolveExperiment(experiment({ axes: [{ path: 'hw', values: ['h100', 'tpu-128'] }, { path: 'hw.accelerator.sms', values: [66] }] }), 'x.json'),
    );
    expect(arr).toHaveLength(1);
    expect(arr[0]).toMatch(/axes\[1\]\.path: "hw\.accelerator\.sms" names no parameter of hardware "tpu-128"/);
    const bad = errorLines(() => resolveExperiment(experiment({ axes: [{ path: 'hw.accelerator.memBandwidthGBps', values: [1000, -5] }] }), 'x.json'));
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^x\.json: axes\[0\]\.values\[1\]: hw\.accelerator\.memBandwidthGBps = -5 is not valid for hardware "h100": .*h100\.json: accelerator\.memBandwidthGBps: expected a value > 0, got -5$/);
    const dup = errorLines(() => resolveExperiment(experiment({ axes: [{ path: 'seed', values: [1] }, { path: 'seed', values: [2] }] }), 'x.json'));
    expect(dup).toEqual(['x.json: axes[1].path: "seed" is already swept by axes[0]']);
    const unknown = errorLines(() => resolveExperiment({ ...experiment({ axes: [] }), base: { hardware: 'h100' } }, 'x.json'));
    expect(unknown[0]).toMatch(/^x\.json: base: unknown key "hardware"/);
    const preset = errorLines(() => resolveExperiment(experiment({ axes: [{ path: 'hw', values: ['h100', 'h200'] }] }), 'x.json'));
    expect(preset[0]).toMatch(/^x\.json: axes\[0\]\.values\[1\]: hardware "h200" does not load: unknown hardware preset "h200"/);
  });

  it('hw. and network. axes run on modified in-memory documents', async () => {
    const e = resolveExperiment(
      experiment({
        base: { network: 'switch-moe', synthetic: 16, strategy: 'compact' },
        axes: [
          { path: 'hw.accelerator.memBandwidthGBps', values: [50, 2440] },
          { path: 'network.gates[0].topK', values: [1, 2] },
        ],
      }),
      'e.json',
    );
    const o = e.pointOptions(1);
    expect(o.hw).toBeUndefined();
    expect((o.hwDocument!.raw as { accelerator: { memBandwidthGBps: number } }).accelerator.memBandwidthGBps).toBe(50);
    expect((o.networkDocument!.raw as { gates: { topK: number }[] }).gates[0]!.topK).toBe(2);
    const { document: d } = await runSweep(e, { jobs: 1 });
    expect(d.failed).toBe(0);
    const t = d.points.map((p) => p.metrics!.totalTimeNs!);
    expect(t[0]).toBeGreaterThan(t[2]!); // less memory bandwidth, slower
    expect(t[1]).not.toBe(t[0]); // top-2 routing differs from top-1
  });

  it('paths in the experiment resolve against its directory', async () => {
    const dir = tmpDir();
    expect((await runCli(['gen-trace', '--network', 'skipnet-resnet18', '--samples', '8', '--seed', '1', '-o', join(dir, 't.jsonl')])).exitCode).toBe(0);
    writeFileSync(
      join(dir, 'exp.json'),
      JSON.stringify({ format: 'dynsim-experiment', version: 1, id: 'rel', base: { network: 'skipnet-resnet18', trace: 't.jsonl' }, axes: [{ path: 'batch', values: [4, 8] }] }),
    );
    const { document: d } = await runSweep(join(dir, 'exp.json'), { jobs: 1 });
    expect(d.failed).toBe(0);
    expect(d.points.map((p) => p.params)).toEqual([{ batch: 4 }, { batch: 8 }]);
  });
});

describe('dynsim sweep', () => {
  it('a failing point is reported with its parameters and the others are kept (exit 1)', async () => {
    const dir = tmpDir();
    expect((await runCli(['gen-trace', '--network', 'skipnet-resnet18', '--samples', '8', '--seed', '1', '-o', join(dir, 't.jsonl')])).exitCode).toBe(0);
    const exp = join(dir, 'fail.json');
    writeFileSync(
      exp,
      JSON.stringify({
        format: 'dynsim-experiment',
        version: 1,
        id: 'fail',
        base: { network: 'skipnet-resnet18', hw: 'h100', batch: 4 },
        axes: [
          { path: 'strategy', values: ['mask', 'multi-kernel'] },
          { path: 'trace', values: ['t.jsonl', 'missing.jsonl'] },
        ],
      }),
    );
    const out = join(dir, 'r.json');
    const r = await runCli(['sweep', exp, '-o', out, '--jobs', '2']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`point 1 failed (strategy=mask, trace=missing.jsonl): ${join(dir, 'missing.jsonl')}: cannot read: no such file`);
    expect(r.stderr).toMatch(/point 2 failed \(strategy=multi-kernel, trace=t\.jsonl\): .*strategy "multi-kernel" does not apply to a gpu-simt/);
    expect(r.stderr).toContain('3 failed');
    const d = JSON.parse(readFileSync(out, 'utf8')) as { failed: number; points: { point: number; metrics?: { totalTimeNs: number }; error?: string }[] };
    expect(d.failed).toBe(3);
    expect(d.points.map((p) => p.point)).toEqual([0, 1, 2, 3]);
    expect(d.points[0]!.metrics!.totalTimeNs).toBeGreaterThan(0);
    expect(d.points[0]!.error).toBeUndefined();
    expect(d.points.slice(1).every((p) => p.metrics === undefined && typeof p.error === 'string')).toBe(true);
  });

  it('an invalid experiment exits 2 and writes nothing', async () => {
    const dir = tmpDir();
    const exp = join(dir, 'bad.json');
    writeFileSync(exp, JSON.stringify(experiment({ axes: [{ path: 'hw.accelerator.nope', values: [1] }] })));
    const r = await runCli(['sweep', exp, '-o', join(dir, 'r.csv')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${exp}: axes[0].path: "hw.accelerator.nope" names no parameter of hardware "h100"`);
    expect(readdirSync(dir)).toEqual(['bad.json']);
  });

  it('validate accepts the bundled experiment and summarises it', async () => {
    const r = await runCli(['validate', bundled]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('experiment strategies-batch-seed: grid of strategy (4) × batch (3) × seed (2) = 24 points');
    expect(existsSync(join(root, 'schemas', 'experiment.schema.json'))).toBe(true);
    const e = loadExperiment(bundled);
    expect(e.spec.axes.length).toBeGreaterThanOrEqual(3);
  });

  it('3 shards merged give the bytes of one run, JSON and CSV', async () => {
    const dir = tmpDir();
    const one = await runCli(['sweep', bundled, '-o', join(dir, 'all.json'), '--jobs', '1']);
    expect(one.exitCode).toBe(0);
    expect((await runCli(['sweep', bundled, '-o', join(dir, 'all.csv'), '--jobs', '1'])).exitCode).toBe(0);
    const shards = [0, 1, 2].map((i) => join(dir, `shard-${i}.json`));
    for (let i = 0; i < 3; i++) {
      const s = await runCli(['sweep', bundled, '--shard', `${i}/3`, '-o', shards[i]!, '--jobs', '1']);
      expect(s.exitCode).toBe(0);
      expect(s.stderr).toContain(`shard ${i}/3 (from --shard): 8 of 24 points`);
      const d = JSON.parse(readFileSync(shards[i]!, 'utf8')) as { shard: unknown; totalPoints: number; points: { point: number }[] };
      expect(d.shard).toEqual({ index: i, count: 3 });
      expect(d.totalPoints).toBe(24);
      expect(d.points.every((p) => p.point % 3 === i)).toBe(true);
    }
    // any order of the inputs
    const mj = await runCli(['merge', shards[2]!, shards[0]!, shards[1]!, '-o', join(dir, 'merged.json')]);
    expect(mj.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'merged.json'), 'utf8')).toBe(readFileSync(join(dir, 'all.json'), 'utf8'));
    const mc = await runCli(['merge', ...shards, '-o', join(dir, 'merged.csv')]);
    expect(mc.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'merged.csv'), 'utf8')).toBe(readFileSync(join(dir, 'all.csv'), 'utf8'));
    // a missing shard, a duplicate, another experiment
    const miss = await runCli(['merge', shards[0]!, shards[2]!, '-o', join(dir, 'x.json')]);
    expect(miss.exitCode).toBe(2);
    expect(miss.stderr).toContain('8 of 24 points missing (1, 4, 7, 10, 13, 16, 19, 22); missing shard 1/3');
    const dup = await runCli(['merge', ...shards, shards[1]!]);
    expect(dup.exitCode).toBe(2);
    expect(dup.stderr).toContain(`${shards[1]} holds points 1, 4, 7`);
    const other = JSON.parse(readFileSync(shards[1]!, 'utf8')) as Record<string, unknown>;
    const edited = { ...other, experiment: 'other' };
    expect(() => mergeSweeps([{ file: 'a.json', raw: JSON.parse(readFileSync(shards[0]!, 'utf8')) }, { file: 'b.json', raw: edited }])).toThrow(
      /b\.json: experimentHash: expected sha256:[0-9a-f]{16} .* the file was edited/,
    );
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
    // a shard cannot be CSV
    const csvShard = await runCli(['sweep', bundled, '--shard', '0/3', '-o', join(dir, 's.csv')]);
    expect(csvShard.exitCode).toBe(2);
    expect(csvShard.stderr).toContain('a shard is written as JSON');
  });

  it('CSV: header, one line per point, RFC 4180 quoting', async () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvLine(['1', 'x,y', ''])).toBe('1,"x,y",\n');
    const dir = tmpDir();
    const exp = join(dir, 'q.json');
    const odd = 'a, "b".jsonl';
    writeFileSync(
      exp,
      JSON.stringify({ format: 'dynsim-experiment', version: 1, id: 'q', base: { network: 'skipnet-resnet18', budgetNs: 1e6 }, axes: [{ path: 'trace', values: [odd] }] }),
    );
    const { document: d } = await runSweep(exp, { jobs: 1 });
    const csv = renderSweepCsv(d);
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual([
      'point', 'trace', 'totalTimeNs', 'throughputSamplesPerS', 'latencyNs.p50', 'latencyNs.p95', 'latencyNs.p99', 'idealSaving',
      'achievedSaving', 'maskWasteFraction', 'simdEfficiency', 'controlTransfers', 'energyPj', 'deadlineMissRate', 'error',
    ]);
    expect(rows[1]![0]).toBe('0');
    expect(rows[1]![1]).toBe(odd);
    expect(rows[1]!.at(-1)).toBe(`${join(dir, odd)}: cannot read: no such file`);
    expect(rows[1]!.slice(2, -1).every((c) => c === '')).toBe(true);
    // the JSON of the same sweep parses back and renders to the same bytes
    const json = renderSweepJson(d);
    expect(renderSweepJson(mergeSweeps([{ file: 'q.json', raw: JSON.parse(json) }]))).toBe(json);
  });
});

describe('shard from flags and environment', () => {
  it('an explicit --shard wins over the environment', () => {
    expect(resolveShard({ shard: '2/8' }, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '8', JOB_COMPLETION_INDEX: '1' })).toEqual({
      index: 2,
      count: 8,
      source: '--shard',
    });
    expect(resolveShard({}, {})).toBeUndefined();
    expect(() => resolveShard({ shard: '8/8' }, {})).toThrow(/shard index 8 is not below the shard count 8 \(from --shard\)/);
    expect(() => resolveShard({ shard: '1-8' }, {})).toThrow(/--shard: expected i\/N with 0 <= i < N \(e\.g\. 0\/8\), got "1-8"/);
    expect(() => resolveShard({ shard: '0/0' }, {})).toThrow(/--shard: expected i\/N/);
  });

  it('Slurm array: SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT', () => {
    const env = { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '8', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '7', SLURM_ARRAY_TASK_STEP: '1' };
    expect(resolveShard({}, env)).toEqual({ index: 3, count: 8, source: 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT' });
    expect(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: '3' })).toThrow(/SLURM_ARRAY_TASK_ID=3 is set but SLURM_ARRAY_TASK_COUNT is not/);
    expect(() => resolveShard({}, { ...env, SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '8' })).toThrow(
      /the Slurm array is not numbered 0\.\.7 .*--array=0-7/,
    );
    expect(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '8' })).toThrow(
      /environment variable SLURM_ARRAY_TASK_ID: expected an integer >= 0, got "x"/,
    );
    // resubmitting some tasks of a larger array: the count given explicitly
    expect(resolveShard({ shardCount: 8 }, { SLURM_ARRAY_TASK_ID: '6', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_MIN: '4' })).toEqual({
      index: 6,
      count: 8,
      source: 'SLURM_ARRAY_TASK_ID/--shard-count',
    });
  });

  it('Kubernetes Indexed Job: JOB_COMPLETION_INDEX with --shard-count or DYNSIM_SHARD_COUNT', () => {
    expect(resolveShard({ shardCount: 4 }, { JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 0, count: 4, source: 'JOB_COMPLETION_INDEX/--shard-count' });
    expect(resolveShard({}, { JOB_COMPLETION_INDEX: '3', DYNSIM_SHARD_COUNT: '4' })).toEqual({
      index: 3,
      count: 4,
      source: 'JOB_COMPLETION_INDEX/DYNSIM_SHARD_COUNT',
    });
    expect(resolveShard({ shardCount: 5 }, { JOB_COMPLETION_INDEX: '3', DYNSIM_SHARD_COUNT: '4' })!.count).toBe(5);
    expect(() => resolveShard({}, { JOB_COMPLETION_INDEX: '3' })).toThrow(/JOB_COMPLETION_INDEX=3 is set but the shard count is not: give --shard-count N or DYNSIM_SHARD_COUNT=N/);
    expect(() => resolveShard({}, { JOB_COMPLETION_INDEX: '4', DYNSIM_SHARD_COUNT: '4' })).toThrow(/shard index 4 is not below the shard count 4/);
    expect(() => resolveShard({ shardCount: 4 }, {})).toThrow(/--shard-count needs a shard index from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX/);
  });

  it('shard points: p % N == i, and the shards partition the points', () => {
    expect(shardPoints(10, { index: 1, count: 3 })).toEqual([1, 4, 7]);
    expect(shardPoints(2, { index: 3, count: 4 })).toEqual([]);
    const all = [0, 1, 2, 3].flatMap((i) => shardPoints(10, { index: i, count: 4 })).sort((a, b) => a - b);
    expect(all).toEqual([...Array(10).keys()]);
  });
});

describe('dynsim sweep binary (worker threads)', () => {
  beforeAll(() => {
    execFileSync('node', ['scripts/build.mjs'], { cwd: root });
  }, 120_000);

  it('the bundled experiment: --jobs 2 (workers) writes the bytes --jobs 1 writes, JSON and CSV', () => {
    expect(existsSync(join(root, 'dist', 'sweep-worker.js'))).toBe(true);
    const dir = tmpDir();
    const run = (jobs: number, out: string) => {
      const r = spawnSync('node', [bin, 'sweep', bundled, '--jobs', String(jobs), '-o', join(dir, out)], { encoding: 'utf8', env: cleanEnv() });
      expect(r.stderr).toMatch(/strategies-batch-seed: 24 points/);
      expect(r.status).toBe(0);
      return r.stderr;
    };
    expect(run(1, 'j1.json')).toContain('in-process');
    expect(run(2, 'j2.json')).toContain('2 workers');
    expect(readFileSync(join(dir, 'j2.json'), 'utf8')).toBe(readFileSync(join(dir, 'j1.json'), 'utf8'));
    run(1, 'j1.csv');
    run(2, 'j2.csv');
    const csv = readFileSync(join(dir, 'j1.csv'), 'utf8');
    expect(readFileSync(join(dir, 'j2.csv'), 'utf8')).toBe(csv);
    expect(csv.trimEnd().split('\n')).toHaveLength(25);
    const d = JSON.parse(readFileSync(join(dir, 'j1.json'), 'utf8')) as { points: { point: number; error?: string }[] };
    expect(d.points.map((p) => p.point)).toEqual([...Array(24).keys()]);
    expect(d.points.every((p) => p.error === undefined)).toBe(true);
  });

  it('reads the shard from SLURM_ARRAY_TASK_ID and reports the source', () => {
    const dir = tmpDir();
    const r = spawnSync('node', [bin, 'sweep', bundled, '--jobs', '2', '-o', join(dir, 's.json')], {
      encoding: 'utf8',
      env: { ...cleanEnv(), SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4' },
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('shard 1/4 (from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT): 6 of 24 points');
    const d = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')) as { shard: unknown; points: { point: number }[] };
    expect(d.shard).toEqual({ index: 1, count: 4 });
    expect(d.points.map((p) => p.point)).toEqual([1, 5, 9, 13, 17, 21]);
  });
});

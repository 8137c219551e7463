import { describe, expect, it } from 'vitest';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';
import { formatPair } from '../src/cli/commands/regress.js';
import { resolveMetricPath, type RegressResult } from '../src/api/regress.js';
import type { RunResult } from '../src/api/run.js';
import { DEFAULT_REGRESS_METRICS, Expectations, toleranceFor, withinTolerance } from '../src/formats/expectations.js';
import { STRATEGY_KINDS } from '../src/strategy/types.js';
import { tmpDir } from './helpers/fixtures.js';

const root = join(import.meta.dirname, '..');
const traces = join(root, 'traces');

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;

/** A temp dir holding one trace of the suite and one of its expectations files. */
function copyCase(trace: string, expect: string): { dir: string; file: string } {
  const dir = tmpDir();
  copyFileSync(join(traces, trace), join(dir, trace));
  copyFileSync(join(traces, expect), join(dir, expect));
  return { dir, file: join(dir, expect) };
}

function editJson(file: string, edit: (j: Record<string, unknown>) => void): void {
  const j = readJson(file);
  edit(j);
  writeFileSync(file, `${JSON.stringify(j, null, 2)}\n`);
}

describe('dynsim regress on the bundled suite (traces/)', () => {
  it('passes: every expectation holds', async () => {
    const r = await runCli(['regress', traces]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^6 traces \(\d+ expectations files\), \d+ metrics checked, 0 regressions$/m);
    expect(r.stdout).not.toContain('has no expectations file');
  });

  it('covers every gate family on a GPU and on a spatial array, all nine strategies, both encodings, small files', () => {
    const files = readdirSync(traces);
    const gpu = new Set(['h100', 'a100']);
    const arrays = new Set(['edge-32', 'tpu-128', 'array-8', 'cgra']);
    const byNetwork = new Map<string, Set<string>>();
    const strategies = new Set<string>();
    for (const f of files.filter((x) => x.endsWith('.expect.json'))) {
      const e = Expectations.parse(readJson(join(traces, f)));
      const hw = byNetwork.get(e.network) ?? new Set<string>();
      hw.add(gpu.has(e.hw) ? 'gpu' : arrays.has(e.hw) ? 'array' : e.hw);
      byNetwork.set(e.network, hw);
      if (e.strategy) strategies.add(e.strategy);
      if (e.plan) {
        const plan = readJson(join(traces, e.plan)) as { default: string; gates: Record<string, string> };
        strategies.add(plan.default);
        for (const s of Object.values(plan.gates)) strategies.add(s);
      }
    }
    const families = ['skipnet-resnet18', 'msdnet', 'switch-moe', 'channel-gated-resnet', 'dynamicvit', 'skip-rnn'];
    for (const n of families) expect([...(byNetwork.get(n) ?? [])].sort(), n).toEqual(['array', 'gpu']);
    expect([...strategies].sort()).toEqual([...STRATEGY_KINDS].sort());
    expect(files.some((f) => f.endsWith('.jsonl'))).toBe(true);
    expect(files.some((f) => f.endsWith('.jsonl.gz'))).toBe(true);
    const size = (d: string): number =>
      readdirSync(d).reduce((s, f) => {
        const st = statSync(join(d, f));
        return s + (st.isDirectory() ? size(join(d, f)) : st.size);
      }, 0);
    expect(size(traces)).toBeLessThan(1 << 20);
  });
});

describe('dynsim regress catches a model change', () => {
  it('a slower clock fails with a table naming trace, metric, old and new; --update makes it pass', async () => {
    const { dir, file } = copyCase('skipnet-resnet18.jsonl', 'skipnet-resnet18.h100-device-branch.expect.json');
    const hw = readJson(join(root, 'configs/hw/h100.json'));
    // a third of the clock: since split-K the device work of this eager run hides behind the
    // host dispatch down to about 1000 MHz, so a mild slow-down would not move totalTimeNs
    (hw.accelerator as Record<string, unknown>).clockMhz = 500;
    writeFileSync(join(dir, 'h100-slow.json'), JSON.stringify(hw));
    editJson(file, (j) => {
      j.hw = 'h100-slow.json';
    });
    const before = Expectations.parse(readJson(file));

    const r = await runCli(['regress', dir]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(1);
    const j = await runCli(['regress', dir, '--json']);
    expect(j.exitCode).toBe(1);
    const res = JSON.parse(j.stdout) as RegressResult;
    expect(res.regressions).toBeGreaterThan(0);
    const t = res.results[0]!.checks.find((c) => c.metric === 'totalTimeNs')!;
    expect(t.pass).toBe(false);
    expect(t.old).toBe(before.metrics.totalTimeNs!.value);
    expect(t.new).toBeGreaterThan(t.old!);

    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('regressions (beyond tolerance):');
    expect(lines[1]).toMatch(/^trace\s+metric\s+old\s+new\s+tolerance\s+change$/);
    const row = lines.find((l) => /\btotalTimeNs\b/.test(l))!;
    const [oldText, newText] = formatPair(t.old!, t.new);
    expect(row).toContain('skipnet-resnet18.jsonl [h100-device-branch]');
    expect(row).toContain(oldText);
    expect(row).toContain(newText);
    expect(row).toContain('(rel 0.000001)');
    expect(row).toMatch(/\+\d+\.\d\d%$/);
    expect(r.stdout).toMatch(/^1 trace \(1 expectations file\), \d+ metrics checked, \d+ regressions?$/m);

    const u = await runCli(['regress', dir, '--update']);
    expect(u.exitCode).toBe(0);
    expect(u.stdout).toContain(`updated ${file}`);
    const after = Expectations.parse(readJson(file));
    expect(Object.keys(after.metrics)).toEqual(Object.keys(before.metrics));
    for (const [k, e] of Object.entries(after.metrics)) {
      expect(e.abs).toBe(before.metrics[k]!.abs);
      expect(e.rel).toBe(before.metrics[k]!.rel);
    }
    expect(after.metrics.totalTimeNs!.value).toBe(t.new);
    expect(after.hw).toBe('h100-slow.json');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const again = await runCli(['regress', dir]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/0 regressions$/m);
  });

  it('a trace without expectations is reported; --update creates one with the default metrics', async () => {
    const dir = tmpDir();
    copyFileSync(join(traces, 'msdnet.jsonl'), join(dir, 'msdnet.jsonl'));
    const r = await runCli(['regress', dir]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('msdnet.jsonl has no expectations file');
    const u = await runCli(['regress', dir, '--update']);
    expect(u.exitCode).toBe(0);
    expect(u.stdout).toContain(`created ${join(dir, 'msdnet.expect.json')}`);
    const e = Expectations.parse(readJson(join(dir, 'msdnet.expect.json')));
    expect(e).toMatchObject({ trace: 'msdnet.jsonl', network: 'msdnet', hw: 'h100', strategy: 'mask' });
    expect(Object.keys(e.metrics)).toEqual([...DEFAULT_REGRESS_METRICS]);
    for (const m of Object.values(e.metrics)) {
      expect(m.rel).toBe(1e-6);
      expect(typeof m.value).toBe('number');
    }
    const again = await runCli(['regress', dir]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^1 trace \(1 expectations file\), 8 metrics checked, 0 regressions$/m);
  });
});

describe('tolerances', () => {
  it('pass when |new - old| <= max(abs, rel * |old|); rel 1e-9 by default', () => {
    expect(toleranceFor({}, 1000)).toBeCloseTo(1e-6, 15);
    expect(withinTolerance({}, 1000, 1000 + 0.9e-6)).toBe(true);
    expect(withinTolerance({}, 1000, 1000 + 1.1e-6)).toBe(false);
    expect(withinTolerance({}, 0, 0)).toBe(true);
    expect(withinTolerance({}, 0, 1e-300)).toBe(false);
    // abs only: no relative part
    expect(toleranceFor({ abs: 2 }, 1e9)).toBe(2);
    expect(withinTolerance({ abs: 2 }, 100, 102)).toBe(true);
    expect(withinTolerance({ abs: 2 }, 100, 97.9)).toBe(false);
    expect(withinTolerance({ abs: 0 }, 5, 5)).toBe(true);
    expect(withinTolerance({ abs: 0 }, 5, 5.000000001)).toBe(false);
    // rel only, on |old|
    expect(toleranceFor({ rel: 0.01 }, -200)).toBe(2);
    expect(withinTolerance({ rel: 0.01 }, -200, -198)).toBe(true);
    expect(withinTolerance({ rel: 0.01 }, -200, -197.9)).toBe(false);
    expect(withinTolerance({ rel: 0.5 }, 0, 1e-12)).toBe(false);
    // both: the larger one
    expect(toleranceFor({ abs: 5, rel: 0.01 }, 100)).toBe(5);
    expect(toleranceFor({ abs: 5, rel: 0.1 }, 100)).toBe(10);
    expect(withinTolerance({ abs: 5, rel: 0.1 }, 100, 109.5)).toBe(true);
    expect(withinTolerance({ abs: 5, rel: 0.1 }, 100, 110.5)).toBe(false);
    // non-finite values never pass unless identical
    expect(withinTolerance({ abs: 1e300 }, 1, Number.NaN)).toBe(false);
    expect(withinTolerance({ abs: 1e300 }, 1, Infinity)).toBe(false);
  });

  it('old and new are printed with enough digits to differ', () => {
    expect(formatPair(1234.5678901, 1234.5679999)).toEqual(['1234.5679', '1234.568']);
    expect(formatPair(100, 101)).toEqual(['100', '101']);
    // the integer part is never rounded away
    expect(formatPair(1645451.77, 10001969.2)).toEqual(['1645452', '10001969']);
    expect(formatPair(290710257078.3, 892379528489.9)).toEqual(['290710257078', '892379528490']);
    expect(formatPair(0.1 + 0.2, 0.3)).toEqual(['0.30000000000000004', '0.3']);
  });
});

describe('metric paths', () => {
  const scope = (t: number) => ({ totalTimeNs: t, timeNs: { regroup: t / 2 } });
  const r = {
    metrics: { totalTimeNs: 10, latencyNs: { p99: 7 } },
    gates: { 'skip.a': scope(1), 'skip.a.b': scope(2) },
    layers: { 'g/x': scope(3), 'g/x.y': scope(4) },
    exits: { exit: [5, 6, 7] },
    baseline: { strategy: 'static', totalTimeNs: 20, executedFlops: 30 },
  } as unknown as RunResult;
  const value = (p: string) => {
    const v = resolveMetricPath(r, p);
    return 'value' in v ? v.value : v.error;
  };

  it('resolves metrics with or without the prefix, ids with dots by the longest key, nested fields and indices', () => {
    expect(value('totalTimeNs')).toBe(10);
    expect(value('metrics.totalTimeNs')).toBe(10);
    expect(value('latencyNs.p99')).toBe(7);
    expect(value('metrics.latencyNs.p99')).toBe(7);
    expect(value('gates.skip.a.totalTimeNs')).toBe(1);
    expect(value('gates.skip.a.b.totalTimeNs')).toBe(2);
    expect(value('gates.skip.a.b.timeNs.regroup')).toBe(1);
    expect(value('layers.g/x.y.totalTimeNs')).toBe(4);
    expect(value('layers.g/x.totalTimeNs')).toBe(3);
    expect(value('exits.exit.2')).toBe(7);
    expect(value('baseline.totalTimeNs')).toBe(20);
  });

  it('explains what is wrong with an unknown path', () => {
    expect(value('latencyNs.p98')).toBe('metrics.latencyNs has no field "p98" (fields: p99)');
    expect(value('latencyNs')).toBe('metrics.latencyNs is not a number (fields: p99)');
    expect(value('gates.nope.totalTimeNs')).toBe('no gate matches "nope.totalTimeNs" (gates of this run: skip.a, skip.a.b)');
    expect(value('gates.skip.a.b')).toBe('"gates.skip.a.b" names a gate, not a metric: add a field, e.g. gates.skip.a.b.totalTimeNs');
    expect(value('gates.skip.a.b.bogus')).toBe('gates.skip.a.b has no field "bogus" (fields: totalTimeNs, timeNs)');
    expect(value('exits.exit.3')).toBe('exits.exit has no index "3" (indices 0..2)');
    expect(value('baseline.strategy')).toBe('baseline.strategy is not a number');
  });
});

describe('dynsim regress input errors exit 2 and name the file and the JSON path', () => {
  const expectFile = 'msdnet.a100-host.expect.json';

  it('expectations without their trace', async () => {
    const dir = tmpDir();
    copyFileSync(join(traces, expectFile), join(dir, expectFile));
    const r = await runCli(['regress', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${join(dir, expectFile)}: trace: no such trace file ${join(dir, 'msdnet.jsonl')}`);
  });

  it('an unknown metric path; nothing is written under --update', async () => {
    const { dir, file } = copyCase('msdnet.jsonl', expectFile);
    editJson(file, (j) => {
      const m = j.metrics as Record<string, unknown>;
      m['gates.exit.bogus'] = { value: 1 };
      m['layers.no-such-layer.totalTimeNs'] = { value: 1 };
      (m.totalTimeNs as Record<string, unknown>).value = 1;
    });
    const text = readFileSync(file, 'utf8');
    const r = await runCli(['regress', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}: metrics["gates.exit.bogus"]: unknown metric path: gates.exit has no field "bogus" (fields: kind, strategy, kernels,`);
    expect(r.stderr).toContain(`${file}: metrics["layers.no-such-layer.totalTimeNs"]: unknown metric path: no layer matches`);
    const u = await runCli(['regress', dir, '--update']);
    expect(u.exitCode).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('schema errors, unknown presets, missing values, an empty directory', async () => {
    const { dir, file } = copyCase('msdnet.jsonl', expectFile);
    editJson(file, (j) => {
      j.strategy = 'fast';
      (j.metrics as Record<string, unknown>).totalTimeNs = { value: 1, tol: 3 };
    });
    const s = await runCli(['regress', dir]);
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toContain(`${file}: strategy: expected "static" | "mask"`);
    expect(s.stderr).toContain(`${file}: metrics.totalTimeNs: unknown key "tol"`);

    editJson(file, (j) => {
      j.strategy = 'host';
      j.hw = 'h200';
      (j.metrics as Record<string, unknown>).totalTimeNs = { rel: 1e-6 };
    });
    const p = await runCli(['regress', dir]);
    expect(p.exitCode).toBe(2);
    expect(p.stderr).toContain(`${file}: hw: unknown hardware preset "h200"`);
    expect(p.stderr).toContain(`${file}: metrics.totalTimeNs.value: no expected value (run \`dynsim regress --update\` to fill it in)`);

    editJson(file, (j) => {
      j.hw = 'a100';
      j.strategy = 'multi-kernel';
    });
    const m = await runCli(['regress', dir, '--update']);
    expect(m.exitCode).toBe(2);
    expect(m.stderr).toContain(`${file}: ${join(root, 'configs/hw/a100.json')}: accelerator.kind: strategy "multi-kernel" does not apply to a gpu-simt`);

    const empty = await runCli(['regress', tmpDir()]);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toMatch(/no traces \(\*\.jsonl, \*\.jsonl\.gz\) and no expectations files/);
    const none = await runCli(['regress', join(tmpDir(), 'nope')]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('nope: not a directory');
  });
});

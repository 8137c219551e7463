import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation, type RunResult } from '../src/api/run.js';
import { TimelineRecorder, TIMELINE_DEFAULTS } from '../src/engine/timeline.js';
import { toTraceEvents, type TraceFile } from '../src/report/perfetto.js';
import { renderRunReport, renderCompareReport } from '../src/report/html.js';
import { compareStrategies } from '../src/api/compare.js';
import { writeReportFromFile } from '../src/api/report.js';
import { runCli } from '../src/cli/main.js';
import { tmpDir } from './helpers/fixtures.js';

/** Checks a file against the trace-event format; returns the problems found. */
function traceEventProblems(f: TraceFile): string[] {
  const problems: string[] = [];
  const lastTs = new Map<string, number>();
  const open = new Map<string, number>();
  f.traceEvents.forEach((e, i) => {
    for (const k of ['name', 'ph', 'pid', 'tid'] as const) if (e[k] === undefined) problems.push(`event ${i}: no ${k}`);
    if (e.ph === 'M') return;
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts)) problems.push(`event ${i}: no ts`);
    if (e.ph === 'X' && !(typeof e.dur === 'number' && e.dur >= 0)) problems.push(`event ${i}: X without dur`);
    const track = e.ph === 'C' ? `C:${e.name}` : `${e.pid}:${e.tid}`;
    if ((lastTs.get(track) ?? -Infinity) > e.ts!) problems.push(`event ${i}: ts goes back on ${track}`);
    lastTs.set(track, e.ts!);
    const ph = e.ph as string;
    if (ph === 'B') open.set(track, (open.get(track) ?? 0) + 1);
    if (ph === 'E') open.set(track, (open.get(track) ?? 0) - 1);
  });
  for (const [t, n] of open) if (n !== 0) problems.push(`${t}: ${n} unmatched begin/end`);
  return problems;
}

describe('timeline (Chrome trace events)', () => {
  it('host strategy: kernels, notifications, transfers and decisions on their tracks, valid and annotated', async () => {
    const recorder = new TimelineRecorder({ ...TIMELINE_DEFAULTS, maxBatches: 2 });
    const r = await runSimulation({ network: 'skipnet-resnet18', synthetic: 96, strategy: 'host', recorder });
    const f = toTraceEvents(recorder.slices, { title: 't', options: recorder.options, truncated: recorder.truncated, batches: r.metrics.batches });
    expect(traceEventProblems(f)).toEqual([]);
    const x = f.traceEvents.filter((e) => e.ph === 'X');
    const tracks = new Set(x.map((e) => e.tid));
    expect([...tracks].sort()).toEqual([1, 2, 3]); // host, link, accelerator
    const threadNames = f.traceEvents.filter((e) => e.name === 'thread_name').map((e) => (e.args as { name: string }).name);
    expect(threadNames).toEqual(['host CPU', 'link', 'accelerator']);
    // 7 gates x 2 batches: one decision and one transfer each
    expect(x.filter((e) => e.cat === 'decision').length).toBe(14);
    expect(x.filter((e) => e.cat === 'transfer').length).toBe(14);
    const batches = new Set(x.map((e) => (e.args as { batch: number }).batch));
    expect([...batches]).toEqual([0, 1]);
    const k = x.find((e) => e.cat === 'kernel' && (e.args as { gate?: string }).gate)!;
    expect(k.args).toMatchObject({ samples: expect.stringMatching(/^\d+-\d+$/) });
    expect(f.traceEvents.some((e) => e.ph === 'C' && e.name === 'active lanes / PEs')).toBe(true);
    expect(f.traceEvents.some((e) => e.ph === 'C' && e.name === 'masked FLOPs')).toBe(true);
    expect((f.metadata.window as { note: string }).note).toBe('batches 0..1 of 3 recorded');
  });

  it('the window and sampling bound the size; the slice cap truncates and says so', async () => {
    const every = new TimelineRecorder({ ...TIMELINE_DEFAULTS, firstBatch: 1, maxBatches: 4, everyBatch: 2 });
    await runSimulation({ network: 'msdnet', synthetic: 256, strategy: 'mask', recorder: every });
    expect([...new Set(every.slices.map((s) => s.batch))]).toEqual([1, 3]);
    const capped = new TimelineRecorder({ ...TIMELINE_DEFAULTS, maxSlices: 100 });
    await runSimulation({ network: 'msdnet', synthetic: 64, strategy: 'mask', recorder: capped });
    expect(capped.slices.length).toBe(100);
    expect(capped.truncated).toBe(true);
  });
});

describe('CSV export', () => {
  it('per-gate and per-sample CSVs with a header and one row each', async () => {
    const prefix = join(tmpDir(), 'out');
    const r = await runCli(['run', '--network', 'msdnet', '--synthetic', '40', '--strategy', 'compact', '--csv', prefix, '--json']);
    expect(r.exitCode).toBe(0);
    const res = JSON.parse(r.stdout) as RunResult;
    const samples = readFileSync(`${prefix}-samples.csv`, 'utf8').trim().split('\n');
    expect(samples[0]).toBe('sample,batch,arrivalNs,startNs,doneNs,latencyNs,queueingNs,exitIndex');
    expect(samples.length).toBe(41);
    const lat = samples.slice(1).map((l) => Number(l.split(',')[5]));
    expect(Math.max(...lat)).toBeCloseTo(res.metrics.latencyNs.max, 6);
    const exits = samples.slice(1).map((l) => Number(l.split(',')[7]));
    expect(exits.filter((e) => e === 0).length).toBe(res.exits.exit![0]);
    const gates = readFileSync(`${prefix}-gates.csv`, 'utf8').trim().split('\n');
    expect(gates.length).toBe(1 + Object.keys(res.gates).length);
    expect(gates[1]!.split(',').slice(0, 3)).toEqual(['exit', 'exit', 'compact']);
  });
});

// ---------------------------------------------------------------- browser

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI !== 'true')
  console.warn(`NOTICE: ${CHROMIUM} not found: the report browser tests are skipped (install Debian's chromium; CI installs it and fails without it)`);

describe.runIf(haveChromium || process.env.CI === 'true')('HTML report in a real browser (headless Chromium)', () => {
  it('renders the run\'s own numbers in every chart, without console errors', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is required when CI=true`).toBe(true);
    const { chromium } = await import('playwright-core');
    const dir = tmpDir();
    const outDir = join(import.meta.dirname, '..', 'test-output');
    mkdirSync(outDir, { recursive: true });
    const resultFile = join(dir, 'result.json');
    const html = join(dir, 'report.html');
    const run = await runCli(['run', '--network', 'dynamicvit', '--hw', 'h100', '--synthetic', '128', '--seed', '2', '--strategy', 'compact', '--budget-ns', '2e6', '-o', resultFile, '--report', html]);
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as RunResult;
    expect(readFileSync(html, 'utf8')).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${html}`);
      const values = await page.$$eval('[data-metric]', (els) =>
        els.map((e) => [e.getAttribute('data-metric')!, Number(e.getAttribute('data-value'))] as [string, number]),
      );
      const get = (path: string): number => {
        let cur: unknown = result.metrics;
        if (path.startsWith('gates.')) {
          const [, rest] = path.split('gates.');
          const field = rest!.slice(rest!.lastIndexOf('.') + 1);
          const id = rest!.slice(0, rest!.lastIndexOf('.'));
          return (result.gates[id] as unknown as Record<string, number>)[field]!;
        }
        if (path === 'budgetNs') return result.config.budgetNs!;
        for (const seg of path.split('.')) cur = (cur as Record<string, unknown>)[seg];
        return cur as number;
      };
      const charts = ['#chart-time', '#chart-gates', '#chart-latency', '#chart-utilization', '#summary'];
      for (const c of charts) expect(await page.locator(`${c} [data-metric]`).count(), c).toBeGreaterThan(0);
      expect(values.length).toBeGreaterThan(20);
      for (const [path, v] of values) expect(v, path).toBeCloseTo(get(path), 6);
      // the latency curve is drawn from the run's CDF and the budget line is there
      expect(await page.locator('#chart-latency polyline').getAttribute('data-points')).toBe(String(result.latencyCdfNs.length));
      expect(values.some(([p]) => p === 'budgetNs')).toBe(true);
      const strategies = await page.$$eval('[data-gate-strategy]', (els) => els.map((e) => e.textContent));
      expect(strategies).toEqual(Object.values(result.gates).map((g) => g.strategy));
      await page.screenshot({ path: join(outDir, 'report-run.png'), fullPage: true });

      const cmp = await compareStrategies({ network: 'switch-moe', synthetic: 16, noSearch: true });
      const cmpHtml = join(dir, 'compare.html');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(cmpHtml, renderCompareReport(cmp));
      await page.goto(`file://${cmpHtml}`);
      const bars = await page.$$eval('#chart-strategies [data-metric]', (els) =>
        els.map((e) => [e.getAttribute('data-metric')!, Number(e.getAttribute('data-value'))] as [string, number]),
      );
      expect(bars.map(([p]) => p)).toEqual(cmp.strategies.map((s) => `strategies.${s.strategy}.totalTimeNs`));
      for (const [i, [, v]] of bars.entries()) expect(v).toBeCloseTo(cmp.strategies[i]!.totalTimeNs, 6);
      await page.screenshot({ path: join(outDir, 'report-compare.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});

it('renderRunReport is self-contained (no scripts, no external URLs)', async () => {
  const r = await runSimulation({ network: 'skip-rnn', synthetic: 16 });
  const html = renderRunReport(r);
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org)/);
});

describe('report on a damaged result file', () => {
  it('names the file, the JSON path and what was expected; writes nothing', async () => {
    const dir = tmpDir();
    const run = JSON.parse(JSON.stringify(await runSimulation({ network: 'msdnet', synthetic: 16 }))) as Record<string, any>;
    const cmp = JSON.parse(JSON.stringify(await compareStrategies({ network: 'msdnet', synthetic: 16, noSearch: true, strategies: ['mask', 'compact'] }))) as Record<string, any>;
    const edits: [string, Record<string, any>, (d: Record<string, any>) => void, string][] = [
      ['time.json', run, (d) => (d.metrics.totalTimeNs = 'x'), 'metrics.totalTimeNs: expected number, got "x"'],
      ['gates.json', run, (d) => delete d.gates, 'gates: expected record, got nothing'],
      ['latency.json', run, (d) => (d.metrics.latencyNs.p99 = -5), 'metrics.latencyNs.p99: expected a value >= 0, got -5'],
      ['cdf.json', run, (d) => (d.latencyCdfNs[2] = [1]), 'latencyCdfNs[2]: expected >= 2 items, got 1'],
      ['budget.json', run, (d) => delete d.config.budgetNs, 'config.budgetNs: expected number, got nothing'],
      ['strategies.json', cmp, (d) => (d.strategies = 7), 'strategies: expected array, got 7'],
      ['energy.json', cmp, (d) => (d.strategies[1].energyPj = -1), 'strategies[1].energyPj: expected a value >= 0, got -1'],
      ['plan.json', cmp, (d) => delete d.planned.plan, 'planned.plan: expected object, got nothing'],
      ['gate-time.json', cmp, (d) => (Object.values(d.gates)[0] as Record<string, any>).timeNsByStrategy.mask = null, '.timeNsByStrategy.mask: expected number, got null'],
    ];
    for (const [name, doc, edit, message] of edits) {
      const d = JSON.parse(JSON.stringify(doc)) as Record<string, any>;
      edit(d);
      const f = join(dir, name);
      writeFileSync(f, JSON.stringify(d));
      const out = join(dir, `${name}.html`);
      await expect(writeReportFromFile(f, out), name).rejects.toMatchObject({ name: 'DynsimError', code: 'E_SCHEMA' });
      const r = await runCli(['report', f, '-o', out]);
      expect(r.exitCode, name).toBe(2);
      expect(r.stderr).toContain(`${f}: `);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(existsSync(out), name).toBe(false);
    }
    // the undamaged files still render, the compare page noting what was not compared
    for (const [name, doc] of [['run.json', run], ['cmp.json', cmp]] as const) {
      writeFileSync(join(dir, name), JSON.stringify(doc));
      await writeReportFromFile(join(dir, name), join(dir, `${name}.html`));
      expect(readFileSync(join(dir, `${name}.html`), 'utf8').startsWith('<!DOCTYPE html>')).toBe(true);
    }
    const all = JSON.parse(JSON.stringify(await compareStrategies({ network: 'msdnet', synthetic: 16, noSearch: true }))) as Record<string, any>;
    writeFileSync(join(dir, 'all.json'), JSON.stringify(all));
    await writeReportFromFile(join(dir, 'all.json'), join(dir, 'all.html'));
    expect(readFileSync(join(dir, 'all.html'), 'utf8')).toContain('data-skipped="multi-kernel">Not compared: multi-kernel (does not apply to a gpu-simt');
  });
});

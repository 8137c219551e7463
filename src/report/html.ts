/**
 * A self-contained HTML report (no scripts, no network: inline CSS and SVG) of a run or a
 * compare result: where the time went, per-gate waste and strategy, the latency CDF with the
 * budget, utilisation over time, and strategies side by side. Every plotted number is also
 * carried as `data-metric` / `data-value` attributes, so tests (and users' scripts) can read
 * back exactly what was drawn.
 */
import type { RunResult } from '../api/run.js';
import type { CompareResult } from '../api/compare.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const attr = (metric: string, value: number) => `data-metric="${esc(metric)}" data-value="${value}"`;

function fmtNs(ns: number): string {
  const a = Math.abs(ns);
  const sig = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
  if (a >= 1e9) return `${sig(ns / 1e9)} s`;
  if (a >= 1e6) return `${sig(ns / 1e6)} ms`;
  if (a >= 1e3) return `${sig(ns / 1e3)} µs`;
  return `${sig(ns)} ns`;
}
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const COLORS: Record<string, string> = {
  usefulCompute: '#2f7d32',
  maskedWaste: '#d84315',
  divergence: '#f9a825',
  regroup: '#6a1b9a',
  controlTransfer: '#1565c0',
  reconfiguration: '#00838f',
  idle: '#9e9e9e',
};

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1040px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#555;margin:0 0 16px}table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #eee}
td:first-child,th:first-child{text-align:left}figure{margin:8px 0}figcaption{color:#555;font-size:12px}
.legend span{display:inline-block;margin-right:14px;font-size:12px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
svg text{font:11px system-ui,sans-serif;fill:#333}.note{color:#666;font-size:12px}`;

function timeBreakdown(r: RunResult): string {
  const t = r.metrics.timeNs;
  const keys = ['usefulCompute', 'maskedWaste', 'divergence', 'regroup', 'controlTransfer', 'reconfiguration', 'idle'] as const;
  const total = r.metrics.totalTimeNs || 1;
  const W = 900;
  let x = 0;
  const rects = keys
    .map((k) => {
      const w = (t[k] / total) * W;
      const rect = `<rect x="${x.toFixed(2)}" y="0" width="${Math.max(0, w).toFixed(2)}" height="36" fill="${COLORS[k]}" ${attr(`timeNs.${k}`, t[k])}><title>${k}: ${fmtNs(t[k])}</title></rect>`;
      x += w;
      return rect;
    })
    .join('');
  const legend = keys
    .map((k) => `<span><i class="sw" style="background:${COLORS[k]}"></i>${k} <b ${attr(`timeNs.${k}`, t[k])}>${fmtNs(t[k])}</b> (${pct(t[k] / total)})</span>`)
    .join('');
  return `<figure id="chart-time"><svg width="${W}" height="40" viewBox="0 0 ${W} 40" role="img" aria-label="time breakdown">${rects}</svg>
<div class="legend">${legend}</div><figcaption>Accelerator time over the run (total ${fmtNs(r.metrics.totalTimeNs)}); mean queueing per sample <b ${attr('timeNs.queueing', t.queueing)}>${fmtNs(t.queueing)}</b>.</figcaption></figure>`;
}

function gateChart(r: RunResult): string {
  const gates = Object.entries(r.gates);
  if (!gates.length) return '<p class="note">This network has no gates.</p>';
  const rowH = 22;
  const W = 900;
  const label = 230;
  const bar = (W - label - 120) / 2;
  const rows = gates
    .map(([id, g], i) => {
      const y = i * rowH;
      const waste = Math.max(0, Math.min(1, g.maskWasteFraction));
      const saving = Math.max(-1, Math.min(1, g.achievedSaving));
      return `<text x="0" y="${y + 15}">${esc(id)} (${esc(g.strategy)})</text>
<rect x="${label}" y="${y + 4}" width="${(waste * bar).toFixed(2)}" height="14" fill="${COLORS.maskedWaste}" ${attr(`gates.${id}.maskWasteFraction`, g.maskWasteFraction)}><title>mask waste ${pct(g.maskWasteFraction)}</title></rect>
<text x="${label + bar + 4}" y="${y + 15}">${pct(g.maskWasteFraction)}</text>
<rect x="${label + bar + 60}" y="${y + 4}" width="${(Math.max(0, saving) * bar).toFixed(2)}" height="14" fill="${COLORS.usefulCompute}" ${attr(`gates.${id}.achievedSaving`, g.achievedSaving)}><title>achieved saving ${pct(g.achievedSaving)}</title></rect>
<text x="${label + 2 * bar + 64}" y="${y + 15}">${pct(g.achievedSaving)}</text>`;
    })
    .join('');
  const h = gates.length * rowH + 4;
  const table = gates
    .map(
      ([id, g]) =>
        `<tr><td>${esc(id)}</td><td>${esc(g.kind)}</td><td data-gate-strategy="${esc(id)}">${esc(g.strategy)}</td><td>${fmtNs(g.totalTimeNs)}</td><td>${pct(g.idealSaving)}</td><td>${pct(g.achievedSaving)}</td><td>${pct(g.maskWasteFraction)}</td><td>${pct(g.simdEfficiency)}</td><td>${g.controlTransfers}</td></tr>`,
    )
    .join('');
  return `<figure id="chart-gates"><svg width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" role="img" aria-label="per-gate waste and saving">${rows}</svg>
<figcaption>Per gate: masking waste (red) and achieved saving against the static baseline (green), with the strategy that ran it.</figcaption></figure>
<table><tr><th>gate</th><th>kind</th><th>strategy</th><th>time</th><th>ideal</th><th>achieved</th><th>waste</th><th>SIMD eff</th><th>ctl</th></tr>${table}</table>`;
}

function latencyCdf(r: RunResult): string {
  const pts = r.latencyCdfNs;
  const W = 900;
  const H = 260;
  const pad = 40;
  const budget = r.config.budgetNs;
  const maxX = Math.max(r.metrics.latencyNs.max, budget ?? 0) * 1.05 || 1;
  const sx = (v: number) => pad + (v / maxX) * (W - 2 * pad);
  const sy = (f: number) => H - pad - f * (H - 2 * pad);
  const poly = pts.map(([v, f]) => `${sx(v).toFixed(2)},${sy(f).toFixed(2)}`).join(' ');
  const marks = (['p50', 'p95', 'p99', 'max'] as const)
    .map((k, i) => {
      const v = r.metrics.latencyNs[k];
      // labels stacked, so equal percentiles (every batch alike) stay readable
      return `<line x1="${sx(v).toFixed(2)}" x2="${sx(v).toFixed(2)}" y1="${pad}" y2="${H - pad}" stroke="#999" stroke-dasharray="2,3" ${attr(`latencyNs.${k}`, v)}/><text x="${(sx(v) + 3).toFixed(2)}" y="${pad + 12 + 14 * i}">${k} ${fmtNs(v)}</text>`;
    })
    .join('');
  const budgetLine =
    budget !== null
      ? `<line x1="${sx(budget).toFixed(2)}" x2="${sx(budget).toFixed(2)}" y1="${pad - 10}" y2="${H - pad}" stroke="${COLORS.maskedWaste}" stroke-width="2" ${attr('budgetNs', budget)}/><text x="${(sx(budget) + 3).toFixed(2)}" y="${pad - 2}" style="fill:${COLORS.maskedWaste}">budget ${fmtNs(budget)}${r.metrics.deadlineMissRate !== undefined ? `, misses ${pct(r.metrics.deadlineMissRate)}` : ''}</text>`
      : '';
  return `<figure id="chart-latency"><svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="latency CDF">
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#333"/>
<text x="${pad}" y="${H - 12}">0</text><text x="${W - pad - 60}" y="${H - 12}">${fmtNs(maxX)}</text><text x="4" y="${pad + 4}">1.0</text>
<polyline fill="none" stroke="${COLORS.controlTransfer}" stroke-width="2" points="${poly}" data-points="${pts.length}"/>${marks}${budgetLine}</svg>
<figcaption>Share of samples completed within a latency (per-sample latency CDF, ${r.metrics.samples} samples).</figcaption></figure>`;
}

function utilization(r: RunResult): string {
  const pts = r.utilizationOverTime;
  if (!pts.length) return '';
  const W = 900;
  const H = 180;
  const pad = 40;
  const maxT = r.metrics.totalTimeNs || 1;
  const sx = (t: number) => pad + (t / maxT) * (W - 2 * pad);
  const sy = (u: number) => H - pad - u * (H - 2 * pad);
  const poly = pts.map((p) => `${sx(p.tNs).toFixed(2)},${sy(p.utilization).toFixed(2)}`).join(' ');
  const mean = r.metrics.utilization.accelerator;
  return `<figure id="chart-utilization"><svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="utilisation over time">
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#333"/>
<text x="4" y="${pad + 4}">100%</text><text x="${W - pad - 60}" y="${H - 12}">${fmtNs(maxT)}</text>
<polyline fill="none" stroke="${COLORS.usefulCompute}" stroke-width="1.5" points="${poly}" data-points="${pts.length}"/>
<line x1="${pad}" x2="${W - pad}" y1="${sy(mean).toFixed(2)}" y2="${sy(mean).toFixed(2)}" stroke="#999" stroke-dasharray="4,3" ${attr('utilization.accelerator', mean)}/><text x="${W - pad - 120}" y="${(sy(mean) - 4).toFixed(2)}">mean ${pct(mean)}</text></svg>
<figcaption>Accelerator busy share per batch over the run.</figcaption></figure>`;
}

function summaryTable(r: RunResult): string {
  const m = r.metrics;
  const rows: [string, string, number][] = [
    ['total time', fmtNs(m.totalTimeNs), m.totalTimeNs],
    ['throughput (samples/s)', m.throughputSamplesPerS.toFixed(0), m.throughputSamplesPerS],
    ['ideal saving (FLOPs)', pct(m.idealSaving), m.idealSaving],
    ['achieved saving (time)', pct(m.achievedSaving), m.achievedSaving],
    ['mask waste', pct(m.maskWasteFraction), m.maskWasteFraction],
    ['SIMD efficiency', pct(m.simdEfficiency), m.simdEfficiency],
    ['control transfers', String(m.controlTransfers), m.controlTransfers],
    ['energy (pJ)', m.energyPj.toExponential(3), m.energyPj],
  ];
  const keys = ['totalTimeNs', 'throughputSamplesPerS', 'idealSaving', 'achievedSaving', 'maskWasteFraction', 'simdEfficiency', 'controlTransfers', 'energyPj'];
  return `<table id="summary">${rows.map(([k, v, n], i) => `<tr><td>${k}</td><td ${attr(keys[i]!, n)}>${v}</td></tr>`).join('')}</table>`;
}

function page(title: string, sub: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><h1>${esc(title)}</h1><p class="sub">${sub}</p>
${body}
<p class="note">Generated by dynsim. Definitions of every metric: docs/metrics.md.</p></body></html>
`;
}

export function renderRunReport(r: RunResult): string {
  const c = r.config;
  const sub = `${esc(c.network)} on ${esc(c.hardware)} (${esc(c.accelerator)}), strategy <b>${esc(c.strategy)}</b>${Object.keys(c.plan).length ? ' + plan' : ''}, ${c.trace.samples} samples, ${esc(c.batching.mode)} batch ${c.batching.batchSize}, dynsim ${esc(r.tool.version)}`;
  return page(
    `dynsim run: ${c.network} on ${c.hardware}`,
    sub,
    `<h2>Summary</h2>${summaryTable(r)}<h2>Where the time went</h2>${timeBreakdown(r)}<h2>Gates</h2>${gateChart(r)}<h2>Latency</h2>${latencyCdf(r)}<h2>Utilisation over time</h2>${utilization(r)}`,
  );
}

export function renderCompareReport(r: CompareResult): string {
  const W = 900;
  const rowH = 24;
  const label = 140;
  const max = Math.max(...r.strategies.map((s) => s.totalTimeNs)) || 1;
  const bars = r.strategies
    .map((s, i) => {
      const y = i * rowH;
      const w = (s.totalTimeNs / max) * (W - label - 120);
      const fill = s.strategy === 'planned' ? COLORS.controlTransfer : s.strategy === r.bestSingle ? COLORS.usefulCompute : '#78909c';
      return `<text x="0" y="${y + 16}">${esc(s.strategy)}</text><rect x="${label}" y="${y + 4}" width="${w.toFixed(2)}" height="16" fill="${fill}" ${attr(`strategies.${s.strategy}.totalTimeNs`, s.totalTimeNs)}><title>${fmtNs(s.totalTimeNs)}</title></rect><text x="${(label + w + 4).toFixed(2)}" y="${y + 16}">${fmtNs(s.totalTimeNs)}</text>`;
    })
    .join('');
  const h = r.strategies.length * rowH + 4;
  const table = r.strategies
    .map(
      (s) =>
        `<tr><td>${esc(s.strategy)}</td><td>${fmtNs(s.totalTimeNs)}</td><td>${s.throughputSamplesPerS.toFixed(0)}</td><td>${fmtNs(s.latencyNs.p50)}</td><td>${fmtNs(s.latencyNs.p99)}</td><td>${pct(s.achievedSaving)}</td><td>${pct(s.maskWasteFraction)}</td><td>${pct(s.simdEfficiency)}</td><td>${s.controlTransfers}</td><td>${s.energyPj.toExponential(3)}</td></tr>`,
    )
    .join('');
  const strategies = r.strategies.filter((s) => s.strategy !== 'planned').map((s) => s.strategy);
  const gates = Object.entries(r.gates)
    .map(
      ([id, g]) =>
        `<tr><td>${esc(id)}</td><td>${esc(g.kind)}</td>${strategies.map((s) => `<td>${fmtNs(g.timeNsByStrategy[s] ?? 0)}</td>`).join('')}<td>${esc(g.cheapest)}</td><td data-gate-strategy="${esc(id)}">${esc(r.planned.plan.gates[id] ?? r.planned.plan.default)}</td></tr>`,
    )
    .join('');
  const skipped = (r.skipped ?? []).map((x) => `<p class="note" data-skipped="${esc(x.strategy)}">Not compared: ${esc(x.strategy)} (${esc(x.reason)}).</p>`).join('');
  const c = r.config;
  return page(
    `dynsim compare: ${c.network} on ${c.hardware}`,
    `${c.samples} samples, batch ${c.batch}; best single strategy <b>${esc(r.bestSingle)}</b>; planned mix ${pct(r.planned.gainOverBestSingle)} faster than it`,
    `<h2>Strategies side by side</h2><figure id="chart-strategies"><svg width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" role="img" aria-label="time per strategy">${bars}</svg><figcaption>Total time per strategy (green: best single strategy; blue: planned per-gate mix).</figcaption></figure>
<table><tr><th>strategy</th><th>time</th><th>samples/s</th><th>p50</th><th>p99</th><th>achieved</th><th>waste</th><th>SIMD eff</th><th>ctl</th><th>energy pJ</th></tr>${table}</table>${skipped}
<h2>Per gate</h2><table><tr><th>gate</th><th>kind</th>${strategies.map((s) => `<th>${esc(s)}</th>`).join('')}<th>cheapest</th><th>planned</th></tr>${gates}</table>`,
  );
}

/** Renders whichever result it is given (run or compare). */
export function renderReport(result: unknown): string {
  const f = (result as { format?: unknown }).format;
  if (f === 'dynsim-result') return renderRunReport(result as RunResult);
  if (f === 'dynsim-compare') return renderCompareReport(result as CompareResult);
  throw new Error(`unsupported result format ${String(f)}`);
}

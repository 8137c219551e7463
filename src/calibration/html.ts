/**
 * The HTML page of `dynsim correlate --html`: self-contained (inline CSS and SVG, no scripts,
 * no network), a log-log scatter plot of simulated against measured time with the y = x line,
 * points coloured by family with the measured [min, max] as a horizontal bar, then the
 * summaries, groups, model gaps and the per-case table (worst first).
 */
import type { CorrelateResult, Summary } from '../api/correlate.js';
import type { WorkloadKind } from '../formats/measurement.js';

export const FAMILY_COLORS: Record<WorkloadKind, string> = {
  divergence: '#1f77b4',
  launch: '#ff7f0e',
  gemm: '#2ca02c',
  copy: '#d62728',
  control: '#9467bd',
  network: '#8c564b',
};

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
const r3 = (x: number | null) => (x === null ? '-' : x.toFixed(3));
const g3 = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1000 ? Math.round(x).toString() : x.toPrecision(3));

/** A decade tick label: 100 ns, 1 us, 10 ms. */
function timeLabel(us: number): string {
  const t = (x: number) => String(Number(x.toPrecision(3)));
  if (us >= 1e6) return `${t(us / 1e6)} s`;
  if (us >= 1e3) return `${t(us / 1e3)} ms`;
  if (us >= 1) return `${t(us)} us`;
  return `${t(us * 1e3)} ns`;
}

/** The scatter plot (times in us on log axes). */
export function scatterSvg(r: CorrelateResult): string {
  const W = 760;
  const H = 600;
  const L = 80;
  const R = 20;
  const T = 20;
  const B = 60;
  const pw = W - L - R;
  const ph = H - T - B;
  const vals: number[] = [];
  for (const c of r.cases) {
    const scale = c.unit === 'us' ? 1 : 1e-3;
    for (const v of [c.measured.min * scale, c.measured.max * scale, c.measured.median * scale, c.simulated * scale]) if (v > 0) vals.push(v);
  }
  let lo = Math.floor(Math.log10(Math.min(...vals)));
  let hi = Math.ceil(Math.log10(Math.max(...vals)));
  if (hi <= lo) hi = lo + 1;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  const x = (us: number) => L + ((Math.log10(Math.max(us, 10 ** lo)) - lo) / (hi - lo)) * pw;
  const y = (us: number) => T + ph - ((Math.log10(Math.max(us, 10 ** lo)) - lo) / (hi - lo)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img" aria-label="simulated vs measured time">`);
  parts.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="#fff" stroke="#999"/>`);
  for (let d = lo; d <= hi; d++) {
    const v = 10 ** d;
    for (let m = 2; m <= 9 && d < hi; m++) {
      const mv = m * v;
      parts.push(`<line x1="${x(mv).toFixed(1)}" y1="${T}" x2="${x(mv).toFixed(1)}" y2="${T + ph}" stroke="#f0f0f0"/>`);
      parts.push(`<line x1="${L}" y1="${y(mv).toFixed(1)}" x2="${L + pw}" y2="${y(mv).toFixed(1)}" stroke="#f0f0f0"/>`);
    }
    parts.push(`<line x1="${x(v).toFixed(1)}" y1="${T}" x2="${x(v).toFixed(1)}" y2="${T + ph}" stroke="#ddd"/>`);
    parts.push(`<line x1="${L}" y1="${y(v).toFixed(1)}" x2="${L + pw}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(v).toFixed(1)}" y="${T + ph + 16}" text-anchor="middle">${esc(timeLabel(v))}</text>`);
    parts.push(`<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${esc(timeLabel(v))}</text>`);
  }
  const a = 10 ** lo;
  const b = 10 ** hi;
  parts.push(`<line class="diag" x1="${x(a)}" y1="${y(a)}" x2="${x(b)}" y2="${y(b)}" stroke="#444" stroke-dasharray="6 4"/>`);
  parts.push(`<line x1="${x(a * 2)}" y1="${y(a)}" x2="${x(b)}" y2="${y(b / 2)}" stroke="#bbb" stroke-dasharray="2 4"/>`);
  parts.push(`<line x1="${x(a)}" y1="${y(a * 2)}" x2="${x(b / 2)}" y2="${y(b)}" stroke="#bbb" stroke-dasharray="2 4"/>`);
  parts.push(`<text x="${L + pw / 2}" y="${H - 18}" text-anchor="middle">measured (median; bar: min to max)</text>`);
  parts.push(`<text transform="translate(18 ${T + ph / 2}) rotate(-90)" text-anchor="middle">simulated</text>`);
  // worst last, so the worst points are drawn on top
  for (const c of [...r.cases].reverse()) {
    const scale = c.unit === 'us' ? 1 : 1e-3;
    const color = FAMILY_COLORS[c.family];
    const mx = x(c.measured.median * scale);
    const sy = y(c.simulated * scale);
    parts.push(
      `<line class="spread" x1="${x(c.measured.min * scale).toFixed(1)}" y1="${sy.toFixed(1)}" x2="${x(c.measured.max * scale).toFixed(1)}" y2="${sy.toFixed(1)}" stroke="${color}" stroke-opacity="0.5"/>`,
    );
    const fill = c.simulated > 0 ? `fill="${color}" fill-opacity="0.75"` : `fill="none"`;
    const tip = `${c.id} (${c.family}): measured ${g3(c.measured.median)} ${c.unit}, simulated ${g3(c.simulated)} ${c.unit}, ${signedPct(c.relErr)}`;
    parts.push(`<circle class="pt" cx="${mx.toFixed(1)}" cy="${sy.toFixed(1)}" r="4" ${fill} stroke="${color}"><title>${esc(tip)}</title></circle>`);
  }
  // legend
  const fams = Object.keys(r.families) as WorkloadKind[];
  fams.forEach((f, i) => {
    const ly = T + 14 + i * 18;
    parts.push(`<circle cx="${L + 14}" cy="${ly}" r="5" fill="${FAMILY_COLORS[f]}"/>`);
    parts.push(`<text x="${L + 24}" y="${ly + 4}">${esc(f)} (${r.families[f]!.cases})</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function summaryRow(name: string, s: Summary): string {
  const rk = s.ranking;
  return `<tr><td>${esc(name)}</td><td>${s.cases}</td><td>${pct(s.mape)}</td><td>${pct(s.medianApe)}</td><td>${s.medianRelErr === null ? '-' : signedPct(s.medianRelErr)}</td><td>${r3(s.pearsonLog)}</td><td>${r3(s.pearsonRaw)}</td><td>${s.withinSpread}</td><td>${rk.groups ? `${rk.agree}/${rk.groups}` : '-'}</td><td>${rk.pairs ? `${rk.concordant}/${rk.pairs}` : '-'}</td></tr>`;
}

export function renderCorrelationHtml(r: CorrelateResult): string {
  const out: string[] = [];
  out.push('<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">');
  out.push(`<title>dynsim correlation: ${r.cases.length} cases</title>`);
  out.push(`<style>
body { font-family: sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 24px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; vertical-align: top; }
th { background: #f4f4f4; }
td.l, th.l { text-align: left; }
.bad { color: #b00; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 4px; }
</style>`);
  out.push('</head>', '<body>');
  out.push(`<h1>dynsim correlation</h1>`);
  out.push(
    `<p>${r.cases.length} cases from ${r.files.map(esc).join(', ')} on ${r.hardware.map(esc).join(', ')}; dynsim ${esc(r.tool.version)}. ` +
      'Error = (simulated &minus; measured median) / measured median. Pearson r on log10 and on raw times (ns). ' +
      'Ranking: in each group of cases that differ only in strategy or mechanism, whether the simulated fastest is the measured fastest (measured medians within each other&#39;s [min, max] tie); pairs: measured-distinct pairs the simulator orders the same way.</p>',
  );
  out.push(scatterSvg(r));
  out.push('<h2>Summary</h2>');
  out.push(
    '<table><tr><th class="l">family</th><th>cases</th><th>MAPE</th><th>median APE</th><th>median error</th><th>r (log)</th><th>r (raw)</th><th>within spread</th><th>fastest agrees</th><th>pairs agree</th></tr>',
  );
  for (const [f, s] of Object.entries(r.families)) out.push(summaryRow(f, s));
  out.push(summaryRow('all', r.overall), '</table>');
  if (r.groups.length) {
    out.push('<h2>Groups</h2>', '<table><tr><th class="l">group</th><th>cases</th><th class="l">measured fastest (ties)</th><th class="l">simulated fastest</th><th>agrees</th><th>pairs agree</th></tr>');
    for (const g of r.groups)
      out.push(
        `<tr><td class="l">${esc(g.group)}</td><td>${g.cases.length}</td><td class="l">${esc(g.tied.join(', '))}</td><td class="l">${esc(g.simulatedFastest.join(', '))}</td><td${g.agree ? '' : ' class="bad"'}>${g.agree ? 'yes' : 'no'}</td><td>${g.pairs ? `${g.concordant}/${g.pairs}` : '-'}</td></tr>`,
      );
    out.push('</table>');
  }
  if (r.gaps.length) {
    out.push('<h2>Mechanisms the model lacks</h2>', '<table><tr><th class="l">gap</th><th>cases</th><th class="l">families</th><th>median error</th><th class="l">example</th></tr>');
    for (const g of r.gaps)
      out.push(
        `<tr><td class="l">${esc(g.key)}</td><td>${g.cases}</td><td class="l">${esc(g.families.join(', '))}</td><td>${g.medianRelErr === null ? '-' : signedPct(g.medianRelErr)}</td><td class="l">${esc(g.example)}</td></tr>`,
      );
    out.push('</table>');
  }
  out.push(
    '<h2>Cases (worst first)</h2>',
    '<table><tr><th class="l">case</th><th class="l">family</th><th class="l">mode</th><th class="l">timing</th><th>measured median [min, max]</th><th>simulated</th><th>error</th><th class="l">formula</th><th class="l">gaps</th></tr>',
  );
  for (const c of r.cases) {
    const sw = `<span class="swatch" style="background:${FAMILY_COLORS[c.family]}"></span>`;
    out.push(
      `<tr><td class="l">${esc(c.id)}</td><td class="l">${sw}${esc(c.family)}</td><td class="l">${esc(c.mode)}</td><td class="l">${esc(c.timing)}</td>` +
        `<td>${g3(c.measured.median)} [${g3(c.measured.min)}, ${g3(c.measured.max)}] ${c.unit}</td><td>${g3(c.simulated)} ${c.unit}</td>` +
        `<td${c.ape > 0.5 ? ' class="bad"' : ''}>${signedPct(c.relErr)}</td><td class="l">${esc(c.formula)}</td><td class="l">${esc(c.gaps.map((g) => g.key).join(', '))}</td></tr>`,
    );
  }
  out.push('</table>', '</body>', '</html>', '');
  return out.join('\n');
}

/**
 * `correlate`: simulate measurement cases (docs/correlation.md) and compare with what was
 * measured: per case the relative error; overall, per family (workload kind) and per group
 * the error statistics, Pearson correlation and ranking agreement; and which missing model
 * mechanisms the cases run into.
 */
import { VERSION } from '../version.js';
import { DynsimError } from '../util/errors.js';
import { loadHardware } from '../formats/load.js';
import { WORKLOAD_KINDS, toNs, type WorkloadKind } from '../formats/measurement.js';
import { createAccelerator } from '../hardware/registry.js';
import type { ResolvedHardware } from '../hardware/resolve.js';
import type { AcceleratorModel } from '../hardware/types.js';
import { hardwareRef, loadCases } from '../calibration/cases.js';
import { simulateCase, type CaseSimulation, type Component, type Gap, caseBaseDir } from '../calibration/simulate-case.js';
import { ape, mean, median, pearson, pearsonLog, rankGroup, type RankResult } from '../calibration/stats.js';
import { renderCorrelationHtml } from '../calibration/html.js';
import { writeFileAtomic } from '../util/atomic.js';

export interface CorrelateOptions {
  /** Case files (single cases or case sets). */
  files: string[];
  /** Hardware preset or file for every case, instead of each case's own. */
  hw?: string;
  /** Only cases of these workload kinds. */
  families?: WorkloadKind[];
}

export interface CaseRow {
  id: string;
  family: WorkloadKind;
  group?: string;
  description?: string;
  file: string;
  /** JSON path of the case in its file ('' for a single-case file). */
  path: string;
  hardware: string;
  mode: string;
  timing: string;
  unit: 'us' | 'ns';
  measured: { median: number; min: number; max: number; count?: number };
  simulated: number;
  measuredNs: number;
  simulatedNs: number;
  /** (simulated - measured) / measured. */
  relErr: number;
  /** |relErr|. */
  ape: number;
  /** The simulated time lies within the measured [min, max]. */
  withinSpread: boolean;
  formula: string;
  components: Component[];
  gaps: Gap[];
  kernel?: CaseSimulation['kernel'];
  lanes?: CaseSimulation['lanes'];
}

export interface RankingSummary {
  /** Groups with at least two cases. */
  groups: number;
  /** Groups whose simulated fastest is the measured fastest (or tied with it). */
  agree: number;
  agreement: number | null;
  pairs: number;
  concordant: number;
  pairAgreement: number | null;
}

export interface Summary {
  cases: number;
  /** Mean absolute percentage error (share: 0.1 = 10%). */
  mape: number | null;
  medianApe: number | null;
  maxApe: number | null;
  /** Median signed relative error (bias: < 0 = the model is too fast). */
  medianRelErr: number | null;
  /** Pearson r of log10 times (ns). */
  pearsonLog: number | null;
  /** Pearson r of raw times (ns). */
  pearsonRaw: number | null;
  /** Cases whose simulated time is within the measured [min, max]. */
  withinSpread: number;
  ranking: RankingSummary;
  /** Ids of the worst cases (largest APE first, up to 5). */
  worst: string[];
}

export interface GroupResult extends RankResult {
  group: string;
  families: WorkloadKind[];
  cases: string[];
}

export interface GapSummary {
  key: string;
  /** One example of the gap's text. */
  example: string;
  cases: number;
  families: WorkloadKind[];
  /** Median signed relative error of the cases that have this gap. */
  medianRelErr: number | null;
}

export interface CorrelateResult {
  format: 'dynsim-correlation';
  version: 1;
  tool: { name: 'dynsim'; version: string };
  files: string[];
  hardware: string[];
  overall: Summary;
  families: Partial<Record<WorkloadKind, Summary>>;
  groups: GroupResult[];
  gaps: GapSummary[];
  /** Every case, worst (largest APE) first. */
  cases: CaseRow[];
}

function summarize(rows: readonly CaseRow[], groups: readonly GroupResult[]): Summary {
  const apes = rows.map((r) => r.ape);
  const pairs = groups.reduce((a, g) => a + g.pairs, 0);
  const concordant = groups.reduce((a, g) => a + g.concordant, 0);
  const agree = groups.filter((g) => g.agree).length;
  return {
    cases: rows.length,
    mape: mean(apes),
    medianApe: median(apes),
    maxApe: apes.length ? Math.max(...apes) : null,
    medianRelErr: median(rows.map((r) => r.relErr)),
    pearsonLog: pearsonLog(
      rows.map((r) => r.simulatedNs),
      rows.map((r) => r.measuredNs),
    ),
    pearsonRaw: pearson(
      rows.map((r) => r.simulatedNs),
      rows.map((r) => r.measuredNs),
    ),
    withinSpread: rows.filter((r) => r.withinSpread).length,
    ranking: {
      groups: groups.length,
      agree,
      agreement: groups.length ? agree / groups.length : null,
      pairs,
      concordant,
      pairAgreement: pairs ? concordant / pairs : null,
    },
    worst: [...rows].sort((a, b) => b.ape - a.ape).slice(0, 5).map((r) => r.id),
  };
}

export async function correlate(o: CorrelateOptions): Promise<CorrelateResult> {
  const loaded = loadCases(o.files).filter((l) => !o.families || o.families.includes(l.case.workload.kind));
  if (loaded.length === 0)
    throw new DynsimError('E_USAGE', { message: `no cases to correlate${o.families ? ` of kind ${o.families.join(', ')}` : ''} in ${o.files.join(', ')}` });

  const hwCache = new Map<string, { hw: ResolvedHardware; accel: AcceleratorModel }>();
  const hardwareFor = (ref: string, where: { file: string; path: string }) => {
    let h = hwCache.get(ref);
    if (!h) {
      let hw: ResolvedHardware;
      try {
        hw = loadHardware(ref);
      } catch (err) {
        if (err instanceof DynsimError && o.hw === undefined)
          throw new DynsimError(err.code, [
            { file: where.file, path: `${where.path ? `${where.path}.` : ''}hardware`, message: `cannot load hardware "${ref}":` },
            ...err.problems,
          ]);
        throw err;
      }
      h = { hw, accel: createAccelerator(hw.spec.accelerator) };
      hwCache.set(ref, h);
    }
    return h;
  };

  const rows: CaseRow[] = [];
  for (const l of loaded) {
    const c = l.case;
    const ref = o.hw ?? hardwareRef(c.hardware, l.file);
    const { hw, accel } = hardwareFor(ref, l);
    const sim = await simulateCase(c, { hw, accel, baseDir: caseBaseDir(l.file), file: l.file, path: l.path || undefined });
    const m = c.measured;
    const relErr = (sim.simulated - m.median) / m.median;
    const row: CaseRow = {
      id: c.id,
      family: c.workload.kind,
      file: l.file,
      path: l.path,
      hardware: hw.spec.id,
      mode: c.mode,
      timing: c.timing,
      unit: m.unit,
      measured: { median: m.median, min: m.min, max: m.max, ...(m.count !== undefined ? { count: m.count } : {}) },
      simulated: sim.simulated,
      measuredNs: toNs(m.median, m.unit),
      simulatedNs: sim.simulatedNs,
      relErr,
      ape: ape(sim.simulated, m.median),
      withinSpread: sim.simulated >= m.min && sim.simulated <= m.max,
      formula: sim.formula,
      components: sim.components,
      gaps: sim.gaps,
    };
    if (c.group !== undefined) row.group = c.group;
    if (c.description !== undefined) row.description = c.description;
    if (sim.kernel) row.kernel = sim.kernel;
    if (sim.lanes) row.lanes = sim.lanes;
    rows.push(row);
  }

  // groups: cases that differ only in strategy / mechanism (times compared in ns)
  const byGroup = new Map<string, CaseRow[]>();
  for (const r of rows) if (r.group !== undefined) byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), r]);
  const groups: GroupResult[] = [];
  for (const [group, members] of byGroup) {
    if (members.length < 2) continue;
    const scale = (r: CaseRow) => toNs(1, r.unit);
    const rank = rankGroup(
      members.map((r) => ({
        id: r.id,
        measured: { median: r.measured.median * scale(r), min: r.measured.min * scale(r), max: r.measured.max * scale(r) },
        simulated: r.simulatedNs,
      })),
    );
    groups.push({ group, families: [...new Set(members.map((r) => r.family))], cases: members.map((r) => r.id), ...rank });
  }

  const families: Partial<Record<WorkloadKind, Summary>> = {};
  for (const k of WORKLOAD_KINDS) {
    const fr = rows.filter((r) => r.family === k);
    if (fr.length === 0) continue;
    families[k] = summarize(
      fr,
      groups.filter((g) => g.families.length === 1 && g.families[0] === k),
    );
  }

  const gapMap = new Map<string, { example: string; rows: CaseRow[] }>();
  for (const r of rows)
    for (const g of r.gaps) {
      const e = gapMap.get(g.key) ?? { example: g.text, rows: [] };
      if (!e.rows.includes(r)) e.rows.push(r);
      gapMap.set(g.key, e);
    }
  const gaps: GapSummary[] = [...gapMap]
    .map(([key, e]) => ({
      key,
      example: e.example,
      cases: e.rows.length,
      families: [...new Set(e.rows.map((r) => r.family))],
      medianRelErr: median(e.rows.map((r) => r.relErr)),
    }))
    .sort((a, b) => b.cases - a.cases || a.key.localeCompare(b.key));

  const sorted = [...rows].sort((a, b) => b.ape - a.ape || a.id.localeCompare(b.id));
  return {
    format: 'dynsim-correlation',
    version: 1,
    tool: { name: 'dynsim', version: VERSION },
    files: [...o.files],
    hardware: [...new Set(rows.map((r) => r.hardware))],
    overall: summarize(rows, groups),
    families,
    groups,
    gaps,
    cases: sorted,
  };
}

/** Writes the self-contained HTML page of a correlation (atomically). */
export async function writeCorrelationHtml(r: CorrelateResult, file: string): Promise<void> {
  await writeFileAtomic(file, renderCorrelationHtml(r));
}

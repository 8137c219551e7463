/**
 * dynsim's public library API. The CLI is a thin shell over these functions; tests and
 * other programs call them directly.
 */
export { VERSION } from './version.js';
export { DynsimError, formatProblem, type ErrorCode, type Problem } from './util/errors.js';

// formats: schemas, types and loading
export * from './formats/network.js';
export * from './formats/hardware.js';
export * from './formats/trace.js';
export { validateWith, parseJson } from './formats/validate.js';
export { loadNetwork, loadHardware, listPresets, locate, readJsonFile, presetRecords } from './formats/load.js';
export { generateJsonSchemas } from './formats/schemas.js';

// workload
export { resolveNetwork, traceGatesOf, type ResolvedNetwork, type ResolvedGate } from './network/resolve.js';
export { layerWork, convOut, type LayerWork, type GemmShape } from './network/work.js';
export { sampleFlops, type SampleFlops } from './network/flops.js';
export { resolveHardware, type ResolvedHardware } from './hardware/resolve.js';

// traces
export type { TraceSource } from './trace/source.js';
export { JsonlTraceSource, readLines, isGzipFile } from './trace/jsonl-reader.js';
export { JsonlTraceWriter } from './trace/jsonl-writer.js';
export { SyntheticSpec } from './trace/synthetic-spec.js';
export * from './trace/synthetic.js';
export { traceStats, TraceStatsAccumulator, type TraceStats, type GateStats } from './trace/stats.js';
export { checkTraceMatchesNetwork } from './trace/compat.js';

// commands as library calls
export { validateFile, validateFiles, type FileReport } from './api/validate.js';
export { genTrace, type GenTraceOptions, type GenTraceResult } from './api/gen-trace.js';
export { inspectTrace, type InspectResult } from './api/inspect.js';

// simulation
export { runSimulation, RUN_DEFAULTS, type RunOptions, type RunResult, type GateResult } from './api/run.js';
export { simulate, simulateMany, Engine, type EngineConfig, type SimulationConfig, type SimulationOutput } from './engine/simulate.js';
export { STRATEGY_KINDS, type Strategy, type StrategyKind } from './strategy/types.js';
export { strategyRegistry, getStrategy } from './strategy/registry.js';
export { createAccelerator } from './hardware/registry.js';
export { createGpuSimt } from './hardware/gpu-simt/model.js';
export type { AcceleratorModel, KernelSpec, KernelCost, PathWork, RowRun } from './hardware/types.js';
export { Plan } from './formats/plan.js';
export type { RunMetrics, ScopeMetrics, TimeBreakdownNs } from './metrics/record.js';
export { queryLayer, type LayerQueryOptions, type LayerResult } from './api/layer.js';
export { createSpatialArray, layerQuery, convToGemm, gemmOnArray } from './hardware/spatial-array/model.js';
export { foldGemm } from './hardware/spatial-array/fold.js';

// CI regression on traces
export { regress, resolveMetricPath, type RegressOptions, type RegressResult, type ExpectationResult, type MetricCheck } from './api/regress.js';
export { Expectations, MetricExpectation, toleranceFor, withinTolerance, DEFAULT_REGRESS_METRICS } from './formats/expectations.js';
export { compareStrategies, planText, writePlan, type CompareOptions, type CompareResult } from './api/compare.js';

// experiments and sweeps
export {
  Experiment,
  ExperimentAxis,
  ExperimentBase,
  EXPERIMENT_FORMAT,
  loadExperiment,
  resolveExperiment,
  parseAxisPath,
  type LoadedExperiment,
} from './formats/experiment.js';
export { type InMemoryDocument } from './formats/load.js';
export {
  runSweep,
  mergeSweeps,
  mergeSweepFiles,
  renderSweepJson,
  renderSweepCsv,
  resolveShard,
  shardPoints,
  SweepDocument,
  type SweepOptions,
  type SweepRun,
  type SweepPoint,
  type PointMetrics,
  type ResolvedShard,
} from './api/sweep.js';

// correlation against measurements
export {
  MeasurementCase,
  CaseSet,
  Tile,
  TileGenerator,
  Measured,
  Workload as MeasurementWorkload,
  WORKLOAD_KINDS,
  CONTROL_MECHANISMS,
  EXEC_MODES,
  toNs,
  fromNs,
  type WorkloadKind,
  type ControlMechanism,
  type ExecMode,
} from './formats/measurement.js';
export { correlate, writeCorrelationHtml, type CorrelateOptions, type CorrelateResult, type CaseRow, type Summary as CorrelationSummary, type GroupResult, type GapSummary } from './api/correlate.js';
export { simulateCase, type CaseSimulation, type SimContext, type Gap } from './calibration/simulate-case.js';
export { loadCases, readCaseFile, type LoadedCase } from './calibration/cases.js';
export { expandTile, tileSha256, divergenceLanes, splitmix64, splitmixU01, type LaneStats } from './calibration/lanes.js';
export { ape, pearson, pearsonLog, rankGroup, measuredTie, type RankItem, type RankResult } from './calibration/stats.js';
export { renderCorrelationHtml } from './calibration/html.js';

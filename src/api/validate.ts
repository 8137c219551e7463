/**
 * `validate`: checks any dynsim input file, detecting its kind from its content (the
 * `format` field, or a trace header on the first line; gzip is detected from its bytes).
 * Traces are streamed through every record. Problems are collected per file, never thrown,
 * so one call reports on every file given.
 */
import { readFileSync } from 'node:fs';
import { DynsimError, describeValue, type Problem } from '../util/errors.js';
import { Network, NETWORK_FORMAT } from '../formats/network.js';
import { HardwareSystem, HARDWARE_FORMAT } from '../formats/hardware.js';
import { TRACE_FORMAT } from '../formats/trace.js';
import { parseJson, validateWith } from '../formats/validate.js';
import { loadNetwork, readJsonFile } from '../formats/load.js';
import { resolveNetwork } from '../network/resolve.js';
import { resolveHardware } from '../hardware/resolve.js';
import { isGzipFile, JsonlTraceSource } from '../trace/jsonl-reader.js';
import { checkTraceMatchesNetwork } from '../trace/compat.js';
import { EXPERIMENT_FORMAT, describeAxes, resolveExperiment } from '../formats/experiment.js';
import { loadCases } from '../calibration/cases.js';
import { Expectations } from '../formats/expectations.js';

export type InputKind = 'network' | 'hardware' | 'trace' | 'experiment' | 'cases' | 'expectations' | 'unknown';

export interface FileReport {
  file: string;
  kind: InputKind;
  ok: boolean;
  /** Short description of what was checked (e.g. "network skipnet-resnet18, 64 layers, 8 gates"). */
  summary: string;
  problems: Problem[];
}

const KNOWN = [NETWORK_FORMAT, HARDWARE_FORMAT, TRACE_FORMAT, EXPERIMENT_FORMAT, 'dynsim-case', 'dynsim-cases', 'dynsim-expectations'];

async function detect(file: string): Promise<{ kind: InputKind; raw?: unknown }> {
  if (await isGzipFile(file)) return { kind: 'trace' };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    readJsonFile(file); // throws the located E_IO error
    return { kind: 'unknown' };
  }
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  try {
    const head = JSON.parse(firstLine) as { format?: unknown };
    if (head && head.format === TRACE_FORMAT) return { kind: 'trace' };
  } catch {
    // not a one-line header: a whole-file JSON document
  }
  const raw = parseJson(text, file) as { format?: unknown } | null;
  const known = KNOWN.map((k) => JSON.stringify(k)).join(' | ');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new DynsimError('E_SCHEMA', { file, message: `expected a JSON object with "format": one of ${known}, got ${describeValue(raw)}` });
  const format = raw.format;
  if (format === NETWORK_FORMAT) return { kind: 'network', raw };
  if (format === HARDWARE_FORMAT) return { kind: 'hardware', raw };
  if (format === EXPERIMENT_FORMAT) return { kind: 'experiment', raw };
  if (format === 'dynsim-case' || format === 'dynsim-cases') return { kind: 'cases', raw };
  if (format === 'dynsim-expectations') return { kind: 'expectations', raw };
  throw new DynsimError('E_SCHEMA', {
    file,
    path: 'format',
    message: `expected one of ${known}, got ${JSON.stringify(format) ?? 'nothing'}`,
  });
}

export interface ValidateOptions {
  /** Network (preset or path) that traces must match; otherwise traces are checked alone. */
  network?: string;
}

export async function validateFile(file: string, opts: ValidateOptions = {}): Promise<FileReport> {
  // the network to match is the option's, not the file's: its errors are thrown, not reported
  // as a problem of the file
  const net = opts.network !== undefined ? loadNetwork(opts.network) : undefined;
  let kind: InputKind = 'unknown';
  try {
    const d = await detect(file);
    kind = d.kind;
    if (d.kind === 'network') {
      const net = resolveNetwork(validateWith(Network, d.raw, file), file);
      return ok(file, kind, `network ${net.spec.id}: ${net.spec.layers.length} layers, ${net.gates.length} gates`);
    }
    if (d.kind === 'experiment') {
      const e = resolveExperiment(d.raw, file);
      return ok(file, kind, `experiment ${e.spec.id}: ${e.spec.mode} of ${describeAxes(e.spec)} = ${e.pointCount} point${e.pointCount === 1 ? '' : 's'}`);
    }
    if (d.kind === 'cases') {
      const cases = loadCases([file]);
      return ok(file, kind, `${cases.length} measurement case${cases.length === 1 ? '' : 's'}`);
    }
    if (d.kind === 'expectations') {
      const e = validateWith(Expectations, d.raw, file);
      return ok(file, kind, `expectations for ${e.trace}: ${Object.keys(e.metrics).length} metrics`);
    }
    if (d.kind === 'hardware') {
      const hw = resolveHardware(validateWith(HardwareSystem, d.raw, file), file);
      return ok(file, kind, `hardware ${hw.spec.id}: ${hw.spec.accelerator.kind} with ${hw.spec.link.type} link`);
    }
    const src = await JsonlTraceSource.open(file);
    if (net) checkTraceMatchesNetwork(src.header, net, file);
    let n = 0;
    for await (const rec of src.samples()) {
      void rec;
      n++;
    }
    // (a count other than the header's is the reader's error)
    return ok(file, kind, `trace of ${src.header.network}: ${n} samples, ${src.header.gates.length} gates${net ? ', matches the network' : ''}`);
  } catch (err) {
    if (err instanceof DynsimError && err.isUserError)
      return { file, kind, ok: false, summary: `invalid ${kind === 'unknown' ? 'file' : kind}`, problems: [...err.problems] };
    throw err;
  }
}

function ok(file: string, kind: InputKind, summary: string): FileReport {
  return { file, kind, ok: true, summary, problems: [] };
}

export async function validateFiles(files: readonly string[], opts: ValidateOptions = {}): Promise<FileReport[]> {
  const out: FileReport[] = [];
  for (const f of files) out.push(await validateFile(f, opts));
  return out;
}

/**
 * Finding and reading input files by preset name or path, and the bundled presets that the
 * build has already checked, without the zod schemas: a replay of bundled presets and a
 * trace (the `run` command's usual path) never builds the network and hardware schemas,
 * whose construction cost ~25 ms of every invocation. src/formats/load.ts adds the schema
 * check for everything else and re-exports these functions.
 *
 * Prevalidated presets: the build (scripts/build.mjs) checks every bundled preset with the
 * same schemas and records, in the command bundle, each file's text and the document the
 * check made of it (defaults filled in), as JSON. A file whose text equals a recorded text is
 * that preset byte for byte, so the recorded document is what the check would return; any
 * other text (an edited preset, a user's file) goes through the schemas, with the same
 * messages as before. Running from the sources there is no record. (Texts are compared, not
 * hashed: loading node:crypto alone costs ~6 ms.)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynsimError } from '../util/errors.js';
import { parseJson } from './validate.js';
import { resolveNetwork, type ResolvedNetwork } from '../network/resolve.js';
import { resolveHardware, type ResolvedHardware } from '../hardware/resolve.js';
import type { Network } from './network.js';
import type { HardwareSystem } from './hardware.js';

/** The package root (the directory holding dynsim's package.json), from src/ or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && /"name":\s*"dynsim"/.test(readFileSync(pj, 'utf8'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new DynsimError('E_INTERNAL', { message: 'cannot find the dynsim package root' });
    dir = up;
  }
}

export type PresetKind = 'networks' | 'hw';

export function presetDir(kind: PresetKind): string {
  return join(packageRoot(), 'configs', kind);
}

/** Names of the bundled presets of a kind, sorted. */
export function listPresets(kind: PresetKind): string[] {
  return readdirSync(presetDir(kind))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

function isPresetName(ref: string): boolean {
  return !ref.includes('/') && !ref.includes('\\') && !ref.endsWith('.json');
}

/** Resolves a preset name or a path to a file path; unknown presets list the valid ones. */
export function locate(ref: string, kind: PresetKind): string {
  if (!isPresetName(ref)) return ref;
  const names = listPresets(kind);
  if (!names.includes(ref))
    throw new DynsimError('E_REFERENCE', {
      message: `unknown ${kind === 'hw' ? 'hardware' : 'network'} preset "${ref}" (expected a file path or one of: ${names.join(', ')})`,
    });
  return join(presetDir(kind), `${ref}.json`);
}

/** Reads a text file; errors name the file. */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DynsimError('E_IO', {
      file: path,
      message: code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`,
    });
  }
}

/** Reads and parses a JSON file; errors name the file. */
export function readJsonFile(path: string): unknown {
  return parseJson(readTextFile(path), path);
}

/** A document given in memory instead of a file (e.g. a sweep point's modified hardware):
 * validated like a file; `file` is the name used in messages. */
export interface InMemoryDocument {
  raw: unknown;
  file?: string;
}

/** A bundled preset as the build checked it: the file's text, and the checked document as JSON. */
export interface PresetRecord {
  text: string;
  document: string;
}

// Replaced by the build in the command bundle (scripts/build.mjs): the records of each kind.
declare const __DYNSIM_PREVALIDATED__: Readonly<Record<PresetKind, readonly PresetRecord[]>> | undefined;
const PREVALIDATED = typeof __DYNSIM_PREVALIDATED__ === 'undefined' ? undefined : __DYNSIM_PREVALIDATED__;

/** The checked document of a file whose text is that of a bundled preset, as recorded by the
 * build of the running bundle; undefined for any other text or without records. */
export function prevalidated(kind: 'networks', text: string): Network | undefined;
export function prevalidated(kind: 'hw', text: string): HardwareSystem | undefined;
export function prevalidated(kind: PresetKind, text: string): unknown;
export function prevalidated(kind: PresetKind, text: string): unknown {
  for (const r of PREVALIDATED?.[kind] ?? []) if (r.text === text) return JSON.parse(r.document);
  return undefined;
}

/** The recorded document of the file a preset name or path refers to, with the file. */
function recordedFile(kind: 'networks', ref: string): { doc: Network; file: string } | undefined;
function recordedFile(kind: 'hw', ref: string): { doc: HardwareSystem; file: string } | undefined;
function recordedFile(kind: PresetKind, ref: string): { doc: unknown; file: string } | undefined {
  if (!PREVALIDATED) return undefined;
  const file = locate(ref, kind);
  const doc = prevalidated(kind, readTextFile(file));
  return doc === undefined ? undefined : { doc, file };
}

/** loadNetwork (src/formats/load.ts) for callers that can wait: a bundled preset's recorded
 * document is resolved directly; anything else loads the schemas and checks it. */
export async function loadNetworkLazily(ref: string | InMemoryDocument): Promise<ResolvedNetwork> {
  const r = typeof ref === 'string' ? recordedFile('networks', ref) : undefined;
  return r ? resolveNetwork(r.doc, r.file) : (await import('./load.js')).loadNetwork(ref);
}

/** loadHardware (src/formats/load.ts) for callers that can wait, like loadNetworkLazily. */
export async function loadHardwareLazily(ref: string | InMemoryDocument): Promise<ResolvedHardware> {
  const r = typeof ref === 'string' ? recordedFile('hw', ref) : undefined;
  return r ? resolveHardware(r.doc, r.file) : (await import('./load.js')).loadHardware(ref);
}

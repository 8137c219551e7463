/**
 * Loading inputs by path or by preset name. A name without a path separator or `.json` is a
 * bundled preset in configs/networks or configs/hw; anything else is a file. Loading runs
 * the schema check and then the cross-field resolution, so callers get ready-to-use data.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynsimError } from '../util/errors.js';
import { Network } from './network.js';
import { HardwareSystem } from './hardware.js';
import { parseJson, validateWith } from './validate.js';
import { resolveNetwork, type ResolvedNetwork } from '../network/resolve.js';
import { resolveHardware } from '../hardware/resolve.js';

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

/** Reads and parses a JSON file; errors name the file. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DynsimError('E_IO', {
      file: path,
      message: code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`,
    });
  }
  return parseJson(text, path);
}

/** A document given in memory instead of a file (e.g. a sweep point's modified hardware):
 * validated like a file; `file` is the name used in messages. */
export interface InMemoryDocument {
  raw: unknown;
  file?: string;
}

/** Loads, validates and resolves a network given a preset name, a path or an in-memory document. */
export function loadNetwork(ref: string | InMemoryDocument): ResolvedNetwork {
  if (typeof ref !== 'string') return resolveNetwork(validateWith(Network, ref.raw, ref.file), ref.file);
  const file = locate(ref, 'networks');
  return resolveNetwork(validateWith(Network, readJsonFile(file), file), file);
}

/** Loads, validates and resolves a hardware system given a preset name, a path or an in-memory document. */
export function loadHardware(ref: string | InMemoryDocument) {
  if (typeof ref !== 'string') return resolveHardware(validateWith(HardwareSystem, ref.raw, ref.file), ref.file);
  const file = locate(ref, 'hw');
  return resolveHardware(validateWith(HardwareSystem, readJsonFile(file), file), file);
}

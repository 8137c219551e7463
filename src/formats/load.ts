/**
 * Loading inputs by path or by preset name. A name without a path separator or `.json` is a
 * bundled preset in configs/networks or configs/hw; anything else is a file. Loading runs
 * the schema check and then the cross-field resolution, so callers get ready-to-use data.
 * A file with the text of a bundled preset skips the schema check in the command bundle: the
 * build recorded its result (src/formats/presets.ts).
 */
import { Network } from './network.js';
import { HardwareSystem } from './hardware.js';
import { parseJson, validateWith } from './validate.js';
import { resolveNetwork, type ResolvedNetwork } from '../network/resolve.js';
import { resolveHardware } from '../hardware/resolve.js';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  listPresets,
  locate,
  presetDir,
  prevalidated,
  readTextFile,
  type InMemoryDocument,
  type PresetKind,
  type PresetRecord,
} from './presets.js';

export {
  packageRoot,
  presetDir,
  listPresets,
  locate,
  readJsonFile,
  type PresetKind,
  type PresetRecord,
  type InMemoryDocument,
} from './presets.js';

/** Loads, validates and resolves a network given a preset name, a path or an in-memory document. */
export function loadNetwork(ref: string | InMemoryDocument): ResolvedNetwork {
  if (typeof ref !== 'string') return resolveNetwork(validateWith(Network, ref.raw, ref.file), ref.file);
  const file = locate(ref, 'networks');
  const text = readTextFile(file);
  return resolveNetwork(prevalidated('networks', text) ?? validateWith(Network, parseJson(text, file), file), file);
}

/** Loads, validates and resolves a hardware system given a preset name, a path or an in-memory document. */
export function loadHardware(ref: string | InMemoryDocument) {
  if (typeof ref !== 'string') return resolveHardware(validateWith(HardwareSystem, ref.raw, ref.file), ref.file);
  const file = locate(ref, 'hw');
  const text = readTextFile(file);
  return resolveHardware(prevalidated('hw', text) ?? validateWith(HardwareSystem, parseJson(text, file), file), file);
}

/** What the build records in the command bundle for the bundled presets (src/formats/presets.ts):
 * each file's text and the document the schema check makes of it, as JSON. A preset that fails
 * the check, or whose document would not come back from JSON identical, gets no record: it is
 * checked, and its problems reported, where it is used. */
export function presetRecords(): Record<PresetKind, PresetRecord[]> {
  const out: Record<PresetKind, PresetRecord[]> = { networks: [], hw: [] };
  for (const kind of ['networks', 'hw'] as const)
    for (const name of listPresets(kind)) {
      const file = join(presetDir(kind), `${name}.json`);
      const text = readTextFile(file);
      let doc: unknown;
      try {
        doc = validateWith(kind === 'networks' ? Network : HardwareSystem, parseJson(text, file), file);
      } catch {
        continue;
      }
      const document = JSON.stringify(doc);
      if (isDeepStrictEqual(JSON.parse(document), doc)) out[kind].push({ text, document });
    }
  return out;
}

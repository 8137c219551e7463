/**
 * Hardware resolution: cross-field checks on a schema-valid HardwareSystem that the schema
 * cannot express. Returns the same plain data, frozen.
 */
import { DynsimError, type Problem } from '../util/errors.js';
import type { HardwareSystem } from '../formats/hardware.js';

export interface ResolvedHardware {
  readonly spec: HardwareSystem;
  readonly file: string | undefined;
}

export function resolveHardware(hw: HardwareSystem, file?: string): ResolvedHardware {
  const problems: Problem[] = [];
  const acc = hw.accelerator;
  if (acc.kind === 'spatial-array' && acc.tiles > 1 && acc.nocBandwidthBytesPerCycle === undefined)
    problems.push({
      file,
      path: 'accelerator.nocBandwidthBytesPerCycle',
      message: `expected a bandwidth (required when tiles > 1; tiles = ${acc.tiles}), got nothing`,
    });
  for (const key of Object.keys(hw.sources))
    if (!pathExists(hw, key))
      problems.push({
        file,
        path: `sources["${key}"]`,
        message: `expected the path of a parameter in this file, got "${key}" which names none`,
      });
  if (problems.length) throw new DynsimError('E_REFERENCE', problems);
  return Object.freeze({ spec: hw, file });
}

function pathExists(root: unknown, dotted: string): boolean {
  let cur: unknown = root;
  for (const seg of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(seg in cur)) return false;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return true;
}

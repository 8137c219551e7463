import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { listPresets, loadHardware, loadNetwork, presetDir, presetRecords } from '../src/formats/load.js';
import { generateJsonSchemas } from '../src/formats/schemas.js';
import { validateFile } from '../src/api/validate.js';

const NETWORKS = ['channel-gated-resnet', 'dynamicvit', 'msdnet', 'skip-rnn', 'skipnet-resnet18', 'switch-moe'];
const HARDWARE = ['a100', 'array-8', 'cgra', 'edge-32', 'h100', 'tpu-128'];

/** Every numeric leaf of a JSON value, as dotted paths. */
function numericLeaves(v: unknown, prefix = ''): string[] {
  if (typeof v === 'number') return [prefix];
  if (v && typeof v === 'object' && !Array.isArray(v))
    return Object.entries(v).flatMap(([k, x]) => numericLeaves(x, prefix ? `${prefix}.${k}` : k));
  return [];
}

describe('bundled presets', () => {
  it('the required presets exist', () => {
    expect(listPresets('networks')).toEqual(NETWORKS);
    expect(listPresets('hw')).toEqual(HARDWARE);
  });

  for (const name of NETWORKS)
    it(`network ${name} validates, has gates, and its file id matches`, async () => {
      const net = loadNetwork(name);
      expect(net.spec.id).toBe(name);
      expect(net.gates.length).toBeGreaterThan(0);
      expect(net.staticFlops).toBeGreaterThan(0);
      const r = await validateFile(join(presetDir('networks'), `${name}.json`));
      expect(r.problems).toEqual([]);
    });

  for (const name of HARDWARE)
    it(`hardware ${name} validates and cites a source for every number`, async () => {
      const hw = loadHardware(name);
      expect(hw.spec.id).toBe(name);
      const raw = JSON.parse(readFileSync(join(presetDir('hw'), `${name}.json`), 'utf8')) as Record<string, unknown>;
      const sources = raw.sources as Record<string, string>;
      const uncited = numericLeaves({ host: raw.host, link: raw.link, accelerator: raw.accelerator }).filter(
        (p) => !Object.keys(sources).some((s) => p === s || p.startsWith(`${s}.`)),
      );
      expect(uncited).toEqual([]);
      expect((await validateFile(join(presetDir('hw'), `${name}.json`))).ok).toBe(true);
    });

  it('the build records every preset with the document the schema check makes of it', () => {
    const records = presetRecords();
    expect(records.networks.length).toBe(NETWORKS.length);
    expect(records.hw.length).toBe(HARDWARE.length);
    for (const [i, name] of NETWORKS.entries()) {
      expect(records.networks[i]!.text).toBe(readFileSync(join(presetDir('networks'), `${name}.json`), 'utf8'));
      expect(JSON.parse(records.networks[i]!.document)).toStrictEqual(loadNetwork(name).spec);
    }
    for (const [i, name] of HARDWARE.entries())
      expect(JSON.parse(records.hw[i]!.document)).toStrictEqual(loadHardware(name).spec);
  });

  it('the accelerator kinds cover both hardware families', () => {
    const kinds = new Set(HARDWARE.map((h) => loadHardware(h).spec.accelerator.kind));
    expect([...kinds].sort()).toEqual(['gpu-simt', 'spatial-array']);
  });

  it('ResNet-18 backbone FLOPs match the published 1.8 GMACs', () => {
    // He et al. 2016, Table 1: ResNet-18 = 1.8e9 multiply-adds (FLOPs there = MACs)
    const net = loadNetwork('skipnet-resnet18');
    const macs = net.work.reduce((s, w) => s + w.macs, 0);
    expect(macs / 1e9).toBeGreaterThan(1.75);
    expect(macs / 1e9).toBeLessThan(1.85);
  });

  it('DeiT-S backbone FLOPs match the published 4.6 GFLOPs (MACs)', () => {
    // Touvron et al. 2021, Table 1: DeiT-S 4.6 G "FLOPs" counted as multiply-adds
    const net = loadNetwork('dynamicvit');
    const macs = net.work.reduce((s, w) => s + w.macs, 0);
    expect(macs / 1e9).toBeGreaterThan(4.4);
    expect(macs / 1e9).toBeLessThan(4.8);
  });
});

describe('JSON Schemas', () => {
  it('committed schemas/ equal what the code generates (run `npm run schemas`)', () => {
    const dir = join(presetDir('networks'), '..', '..', 'schemas');
    const gen = generateJsonSchemas();
    expect(readdirSync(dir).sort()).toEqual(Object.keys(gen).sort());
    for (const [file, text] of Object.entries(gen)) expect(readFileSync(join(dir, file), 'utf8')).toBe(text);
  });
});

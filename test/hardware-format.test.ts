import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { HardwareSystem } from '../src/formats/hardware.js';
import { validateWith } from '../src/formats/validate.js';
import { locate } from '../src/formats/load.js';
import { resolveHardware } from '../src/hardware/resolve.js';
import { errorLines } from './helpers/fixtures.js';

const raw = () => JSON.parse(readFileSync(locate('cgra', 'hw'), 'utf8')) as Record<string, any>;


describe('hardware format errors', () => {
  it('an unknown accelerator kind lists the valid kinds', () => {
    const r = raw();
    r.accelerator.kind = 'fpga';
    expect(errorLines(() => validateWith(HardwareSystem, r, 'hw.json'))).toEqual([
      'hw.json: accelerator.kind: expected "gpu-simt" | "spatial-array", got "fpga"',
    ]);
  });

  it('missing required parameters and unknown keys name the path', () => {
    const r = raw();
    delete r.accelerator.rows;
    r.host.clockMhz = 3000;
    r.link.type = 'ethernet';
    const m = errorLines(() => validateWith(HardwareSystem, r, 'hw.json'));
    expect(m).toContain('hw.json: accelerator.rows: expected number, got nothing');
    expect(m).toContain('hw.json: host: unknown key "clockMhz"');
    expect(m).toContain('hw.json: link.type: expected "pcie" | "on-chip" | "nvlink-c2c", got "ethernet"');
  });

  it('several tiles need an on-chip network bandwidth', () => {
    const r = raw();
    expect(r.accelerator.tiles).toBeGreaterThan(1);
    delete r.accelerator.nocBandwidthBytesPerCycle;
    for (const k of Object.keys(r.sources)) if (k.startsWith('accelerator.nocBandwidth')) delete r.sources[k];
    expect(errorLines(() => resolveHardware(validateWith(HardwareSystem, r, 'hw.json'), 'hw.json'))).toEqual([
      `hw.json: accelerator.nocBandwidthBytesPerCycle: expected a bandwidth (required when tiles > 1; tiles = ${r.accelerator.tiles}), got nothing`,
    ]);
  });

  it('a source citation must name a parameter of the file', () => {
    const r = raw();
    r.sources['accelerator.warpSize'] = 'a GPU parameter on an array';
    expect(errorLines(() => resolveHardware(validateWith(HardwareSystem, r, 'hw.json'), 'hw.json'))).toEqual([
      'hw.json: sources["accelerator.warpSize"]: expected the path of a parameter in this file, got "accelerator.warpSize" which names none',
    ]);
  });

  it('negative latencies and zero bandwidths are rejected', () => {
    const r = raw();
    r.link.latencyNs = -5;
    r.link.bandwidthGBps = 0;
    const m = errorLines(() => validateWith(HardwareSystem, r, 'hw.json'));
    expect(m).toContain('hw.json: link.latencyNs: expected a value >= 0, got -5');
    expect(m).toContain('hw.json: link.bandwidthGBps: expected a value > 0, got 0');
  });
});

/** Small hand-written inputs shared by tests (not the presets, which may change). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Network } from '../../src/formats/network.js';
import { resolveNetwork } from '../../src/network/resolve.js';
import { DynsimError } from '../../src/util/errors.js';

export function tmpDir(): string {
  return mkdtempSync(join(tmpdir(), 'dynsim-test-'));
}

/** A raw network with one gate of every kind on small linear layers (fp16). */
export function rawToyNetwork(): Record<string, unknown> {
  const lin = (name: string, rows = 1) => ({ kind: 'linear', name, rows, inFeatures: 8, outFeatures: 8, bias: false });
  return {
    format: 'dynsim-network',
    version: 1,
    id: 'toy',
    dtype: 'fp16',
    layers: [lin('l0'), lin('l1'), lin('l2'), lin('l3'), lin('l4'), lin('l5', 4), lin('l6'), lin('l7')],
    gates: [
      { id: 'sk', kind: 'skip', layers: ['l1', 'l2'] },
      { id: 'ex', kind: 'exit', exits: [{ after: 'l3', head: [lin('h0')] }] },
      {
        id: 'moe',
        kind: 'moe',
        after: 'l4',
        tokens: 4,
        experts: 4,
        topK: 2,
        capacityFactor: 1,
        expert: [lin('e0')],
        decider: [{ kind: 'linear', name: 'router', rows: 4, inFeatures: 8, outFeatures: 4, bias: false }],
      },
      { id: 'ch', kind: 'channel', layers: ['l5'], channels: 8, granularity: 2 },
      { id: 'sp', kind: 'spatial', layers: ['l6'], positions: 16 },
      { id: 'tm', kind: 'temporal', layers: ['l7'], steps: 10 },
    ],
  };
}

export function toyNetwork() {
  return resolveNetwork(Network.parse(rawToyNetwork()), 'toy.json');
}

/**
 * An idealised GPU system for hand-derived tests: 1 SM at 1 GHz (1 cycle = 1 ns), warps of
 * 32 lanes at 1 FLOP per lane per cycle, 32x32x32 GEMM tiles at 2048 FLOP/cycle (a 32-row
 * tile of a 32x32 linear layer = one 32-cycle CTA), memory too fast to matter, free launches.
 * Host: 100 ns notification (polling every 200 ns), 1000 ns decisions; link 500 ns + 1 B/ns.
 */
export function idealGpu(over: { sms?: number; staticPowerW?: number; dispatchNs?: number } = {}): Record<string, unknown> {
  return {
    format: 'dynsim-hardware',
    version: 1,
    id: 'ideal-gpu',
    host: {
      kind: 'host-cpu',
      cores: 1,
      clockGhz: 1,
      decisionLatencyNs: 1000,
      dispatchNs: over.dispatchNs ?? 0,
      notify: 'polling',
      pollIntervalNs: 200,
      interruptLatencyNs: 0,
    },
    link: { kind: 'link', type: 'pcie', latencyNs: 500, bandwidthGBps: 1 },
    accelerator: {
      kind: 'gpu-simt',
      sms: over.sms ?? 1,
      warpSize: 32,
      maxWarpsPerSm: 64,
      clockMhz: 1000,
      tensorFlopsPerCyclePerSm: { fp32: 2048, fp16: 2048, bf16: 2048, int8: 2048 },
      vectorFlopsPerCyclePerSm: 32,
      memBandwidthGBps: 1e12,
      l2Bytes: 1,
      l2BandwidthGBps: 1e12,
      kernelLaunchNs: 0,
      syncNs: 0,
      graphNodeNs: 0,
      gemmTile: { m: 32, n: 32, k: 32 },
      energy: { tensorFlopPj: 1, vectorFlopPj: 1, dramBytePj: 0, l2BytePj: 0, staticPowerW: over.staticPowerW ?? 0 },
    },
  };
}

/** Writes JSON documents (and JSONL traces) into a fresh temp dir; returns their paths. */
export function writeInputs(files: Record<string, unknown>): Record<string, string> {
  const dir = tmpDir();
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(files)) {
    const p = join(dir, name);
    writeFileSync(p, Array.isArray(v) ? v.map((l) => JSON.stringify(l)).join('\n') + '\n' : JSON.stringify(v));
    out[name] = p;
  }
  return out;
}

/**
 * An idealised 4x4 weight-stationary array at 1 GHz with memory too fast to matter: a
 * GEMM of M rows x K = 4 x N = 4 takes one fold of 2*4 + 4 + M - 2 cycles, less SCALE-Sim's
 * final 1: M + 9 cycles. Loading a configuration takes 100 ns; one stays resident.
 */
export function idealArray(over: { residentConfigs?: number } = {}): Record<string, unknown> {
  const gpu = idealGpu();
  return {
    ...gpu,
    id: 'ideal-array',
    accelerator: {
      kind: 'spatial-array',
      rows: 4,
      cols: 4,
      dataflow: 'ws',
      tiles: 1,
      clockMhz: 1000,
      wordBytes: 2,
      ifmapSramBytes: 1 << 20,
      filterSramBytes: 1 << 20,
      ofmapSramBytes: 1 << 20,
      dramBandwidthBytesPerCycle: 1e12,
      configLoadNs: 100,
      residentConfigs: over.residentConfigs ?? 1,
      energy: { macPj: 1, sramReadPj: 0, sramWritePj: 0, dramBytePj: 0, staticPowerMw: 0 },
    },
  };
}

/** The message lines of the DynsimError that `fn` throws (fails the test if it throws none). */
export function errorLines(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof DynsimError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected a DynsimError');
}

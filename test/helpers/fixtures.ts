/** Small hand-written inputs shared by tests (not the presets, which may change). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Network } from '../../src/formats/network.js';
import { resolveNetwork } from '../../src/network/resolve.js';

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

/** `compact`: regroup samples by path on the device (gather/scatter costed), no host round trip. */
import type { Strategy } from './types.js';
import { regroupExit, regroupGatedLayer, regroupMoe } from './regroup.js';

const mode = { host: false };

export const compactStrategy: Strategy = {
  kind: 'compact',
  appliesTo: ['gpu-simt', 'spatial-array'],
  gatedLayer: (x, g, layerIdx, first, last) => regroupGatedLayer(mode, x, g, layerIdx, first, last),
  moe: (x, g) => regroupMoe(mode, x, g),
  exit: (x, g, exitIndex) => regroupExit(mode, x, g, exitIndex),
};

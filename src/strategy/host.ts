/**
 * `host`: the accelerator stops at every gate decision point, the host is notified, reads the
 * decisions over the link, decides, and dispatches only the work needed (regrouped). One
 * control transfer per gate decision point per batch (per step for temporal gates).
 */
import type { Strategy } from './types.js';
import { regroupExit, regroupGatedLayer, regroupMoe } from './regroup.js';

const mode = { host: true };

export const hostStrategy: Strategy = {
  kind: 'host',
  appliesTo: ['gpu-simt', 'spatial-array'],
  gatedLayer: (x, g, layerIdx, first, last) => regroupGatedLayer(mode, x, g, layerIdx, first, last),
  moe: (x, g) => regroupMoe(mode, x, g),
  exit: (x, g, exitIndex) => regroupExit(mode, x, g, exitIndex),
};

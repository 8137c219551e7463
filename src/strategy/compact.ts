/** `compact`: regroup samples by path on the device (gather/scatter costed), no host round trip. */
import { regroupingStrategy } from './regroup.js';

export const compactStrategy = regroupingStrategy('compact', ['gpu-simt', 'spatial-array'], { host: false });

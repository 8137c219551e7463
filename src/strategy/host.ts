/**
 * `host`: the accelerator stops at every gate decision point, the host is notified, reads the
 * decisions over the link, decides, and dispatches only the work needed (regrouped). One
 * control transfer per gate decision point per batch (per step for temporal gates).
 */
import { regroupingStrategy } from './regroup.js';

export const hostStrategy = regroupingStrategy('host', ['gpu-simt', 'spatial-array'], { host: true });

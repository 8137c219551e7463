/**
 * `multi-kernel` (spatial arrays; the Adyna idea, HPCA 2025): each dynamic operator is
 * compiled ahead of time for a few sizes (1/8, 1/4, 1/2 and all of its static size), which
 * stay resident on the array as far as its configuration memory allows. A sub-batch is
 * regrouped on the device and runs on the smallest resident variant that holds it: padding
 * is computed and discarded (masked waste), and a variant that is not resident is loaded
 * (switching cost: configuration load plus weight reload).
 */
import { regroupingStrategy, type RegroupMode } from './regroup.js';

/** Precompiled sizes per dynamic operator. */
export const MULTI_KERNEL_VARIANTS = 4;

const mode: RegroupMode = { host: false, variants: MULTI_KERNEL_VARIANTS };

export const multiKernelStrategy = regroupingStrategy('multi-kernel', ['spatial-array'], mode);

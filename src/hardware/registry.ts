/** Accelerator models by `kind`: the only place that lists them. */
import type { Accelerator } from '../formats/hardware.js';
import type { AcceleratorModel } from './types.js';
import { createGpuSimt } from './gpu-simt/model.js';
import { createSpatialArray } from './spatial-array/model.js';

export function createAccelerator(spec: Accelerator): AcceleratorModel {
  switch (spec.kind) {
    case 'gpu-simt':
      return createGpuSimt(spec);
    case 'spatial-array':
      return createSpatialArray(spec);
  }
}

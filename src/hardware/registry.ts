/** Accelerator models by `kind`: the only place that lists them. */
import { DynsimError } from '../util/errors.js';
import type { Accelerator } from '../formats/hardware.js';
import type { AcceleratorModel } from './types.js';
import { createGpuSimt } from './gpu-simt/model.js';

export function createAccelerator(spec: Accelerator, file?: string): AcceleratorModel {
  switch (spec.kind) {
    case 'gpu-simt':
      return createGpuSimt(spec);
    case 'spatial-array':
      throw new DynsimError('E_USAGE', {
        file,
        path: 'accelerator.kind',
        message:
          'the spatial-array cost model (folds, fill/drain, reconfiguration) is not in this version of dynsim yet; use a gpu-simt system such as h100 or a100',
      });
  }
}

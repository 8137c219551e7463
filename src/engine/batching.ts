/**
 * Batch formation. Offline: consecutive samples in fixed-size batches, all available at once.
 * Streaming: samples arrive (from the trace, or a seeded Poisson process); a batch closes
 * when it holds `maxBatch` samples or `timeoutNs` after its first arrival, whichever is first
 * (dynamic batching as in Triton / TF-Serving), so latency includes the wait in the queue.
 */
import seedrandom from 'seedrandom';
import { DynsimError } from '../util/errors.js';
import type { SampleRecord } from '../formats/trace.js';

export interface BatchingOptions {
  mode: 'offline' | 'streaming';
  /** Samples per batch (offline) or at most per batch (streaming). */
  batchSize: number;
  /** Streaming: close a batch this long after its first arrival. */
  timeoutNs: number;
  /** Streaming: Poisson arrivals at this rate, replacing the trace's arrival times. */
  arrivalRateHz?: number;
  seed: number;
}

export interface FormedBatch {
  samples: SampleRecord[];
  /** Arrival time of each sample (offline: NaN, set when the batch starts). */
  arrivalsNs: number[];
  /** Earliest time the batch can start. */
  readyNs: number;
}

export async function* formBatches(
  samples: AsyncIterable<SampleRecord>,
  opts: BatchingOptions,
  origin: string,
): AsyncGenerator<FormedBatch> {
  if (opts.mode === 'offline') {
    let cur: SampleRecord[] = [];
    for await (const s of samples) {
      cur.push(s);
      if (cur.length === opts.batchSize) {
        yield { samples: cur, arrivalsNs: cur.map(() => NaN), readyNs: 0 };
        cur = [];
      }
    }
    if (cur.length) yield { samples: cur, arrivalsNs: cur.map(() => NaN), readyNs: 0 };
    return;
  }
  const rng = opts.arrivalRateHz !== undefined ? seedrandom(`${opts.seed}:arrivals`) : undefined;
  let clock = 0;
  let cur: SampleRecord[] = [];
  let arr: number[] = [];
  let prev = -Infinity;
  for await (const s of samples) {
    let a: number;
    if (rng) {
      clock += (-Math.log(1 - rng()) * 1e9) / opts.arrivalRateHz!;
      a = clock;
    } else {
      if (s.arrivalNs === undefined)
        throw new DynsimError('E_TRACE', {
          file: origin,
          path: `sample ${s.i}.arrivalNs`,
          message: 'streaming replay needs an arrival time for every sample (or pass --arrival-rate)',
        });
      a = s.arrivalNs;
      if (a < prev)
        throw new DynsimError('E_TRACE', {
          file: origin,
          path: `sample ${s.i}.arrivalNs`,
          message: `expected arrival times in non-decreasing order, got ${a} after ${prev}`,
        });
    }
    prev = a;
    if (cur.length > 0 && a > arr[0]! + opts.timeoutNs) {
      yield { samples: cur, arrivalsNs: arr, readyNs: arr[0]! + opts.timeoutNs };
      cur = [];
      arr = [];
    }
    cur.push(s);
    arr.push(a);
    if (cur.length === opts.batchSize) {
      yield { samples: cur, arrivalsNs: arr, readyNs: a };
      cur = [];
      arr = [];
    }
  }
  if (cur.length) yield { samples: cur, arrivalsNs: arr, readyNs: arr[0]! + opts.timeoutNs };
}

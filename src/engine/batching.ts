/**
 * Batch formation, push-based (the engine feeds samples one at a time; memory is one batch).
 * Offline: consecutive samples in fixed-size batches, all available at once.
 * Streaming: samples arrive (from the trace, or a seeded Poisson process); a batch closes
 * when it holds `batchSize` samples or `timeoutNs` after its first arrival, whichever is
 * first (dynamic batching as in Triton / TF-Serving), so latency includes the queue wait.
 */
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

/** The random source of generated (Poisson) arrivals, undefined without them. seedrandom is
 * loaded only then: it loads node:crypto, ~6 ms of a replay's start. */
export async function arrivalRng(opts: BatchingOptions): Promise<(() => number) | undefined> {
  if (opts.mode !== 'streaming' || opts.arrivalRateHz === undefined) return undefined;
  const { default: seedrandom } = await import('seedrandom');
  return seedrandom(`${opts.seed}:arrivals`);
}

export class Batcher {
  private cur: SampleRecord[] = [];
  private arr: number[] = [];
  private clock = 0;
  private prev = -Infinity;

  /** `rng`: arrivalRng(opts). */
  constructor(
    private readonly opts: BatchingOptions,
    private readonly origin: string,
    private readonly rng: (() => number) | undefined,
  ) {}

  /** Adds a sample; returns the batches it closes (zero, one, or two). */
  push(s: SampleRecord, out: FormedBatch[]): void {
    const o = this.opts;
    if (o.mode === 'offline') {
      this.cur.push(s);
      this.arr.push(NaN);
      if (this.cur.length === o.batchSize) out.push(this.take(0));
      return;
    }
    let a: number;
    if (this.rng) {
      this.clock += (-Math.log(1 - this.rng()) * 1e9) / o.arrivalRateHz!;
      a = this.clock;
    } else {
      if (s.arrivalNs === undefined)
        throw new DynsimError('E_TRACE', {
          file: this.origin,
          path: `sample ${s.i}.arrivalNs`,
          message: 'streaming replay needs an arrival time for every sample (or pass --arrival-rate)',
        });
      a = s.arrivalNs;
      if (a < this.prev)
        throw new DynsimError('E_TRACE', {
          file: this.origin,
          path: `sample ${s.i}.arrivalNs`,
          message: `expected arrival times in non-decreasing order, got ${a} after ${this.prev}`,
        });
    }
    this.prev = a;
    if (this.cur.length > 0 && a > this.arr[0]! + o.timeoutNs) out.push(this.take(this.arr[0]! + o.timeoutNs));
    this.cur.push(s);
    this.arr.push(a);
    if (this.cur.length === o.batchSize) out.push(this.take(a));
  }

  /** The last, partial batch, if any. */
  flush(out: FormedBatch[]): void {
    if (!this.cur.length) return;
    out.push(this.take(this.opts.mode === 'offline' ? 0 : this.arr[0]! + this.opts.timeoutNs));
  }

  private take(readyNs: number): FormedBatch {
    const b = { samples: this.cur, arrivalsNs: this.arr, readyNs };
    this.cur = [];
    this.arr = [];
    return b;
  }
}
